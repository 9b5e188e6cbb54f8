"""The reaction suites: held-out shipped reactions asked without atom maps, graded top-1/5/10 with the
part that made each call, for the model alone and for the pipeline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evals.ablations import run_configs
from evals.registry import load_suite
from evals.report import markdown, ranked
from evals.runner import run_suite
from stages.backends.scripted import ScriptedBackend
from stages.config import BackendConfig

pytestmark = pytest.mark.slow


def test_reaction_suites_ask_held_out_reactions_without_atom_maps() -> None:
    from assistants.chem.reactions.shipped import forward_heldout, retro_heldout

    for name, heldout in (("chem-reactions-forward", forward_heldout()), ("chem-reactions-retro", retro_heldout())):
        suite = load_suite(name)
        ids = {r.id for r in heldout}
        assert suite.version >= 3 and suite.items
        for item in suite.items:
            assert item.meta["source_id"] in ids
            assert not re.search(r":\d+\]", item.question), item.question
            assert [(rule.kind, rule.judged) for rule in item.rules] == [("ranked", True)]


def test_model_alone_and_pipeline_report_top_k_and_who_made_the_call(tmp_path: Path) -> None:
    suite = load_suite("chem-reactions-forward")
    configs = run_configs("chem", BackendConfig(kind="scripted"), ["tools-only"])
    records = run_suite(suite, configs, tmp_path, lambda _c: ScriptedBackend(["Product: CCO\nAnswer: ethanol."]), limit=3)
    by_config = {c: [r for r in records if r["config"] == c] for c in ("model-alone", "pipeline", "tools-only")}
    assert [len(rows) for rows in by_config.values()] == [3, 3, 3]
    for record in by_config["model-alone"]:
        verdict = record["verdicts"][0]
        assert verdict["found"]["candidates"] == ["CCO"]  # the model alone offers only what it wrote
    tool_lists = [r["verdicts"][0]["found"]["candidates"] for r in by_config["tools-only"]]
    for record in by_config["tools-only"]:  # the item passes exactly when the tool's top candidate is the recorded one
        assert record["passed"] == (record["verdicts"][0]["found"]["rank"] == 1)
    assert any(len(found) > 1 for found in tool_lists)
    assert all(r["answered_by"] == "tools" for r in by_config["tools-only"])
    # the pipeline never keeps the wrong claim as its answer: it is corrected from the tool's candidates
    assert all(r["answered_by"] in ("correction step", "tools", "model") for r in by_config["pipeline"])
    rows = {(r["config"], r["part"]): r for r in ranked(records)}
    assert rows[("model-alone", "all")]["scores"]["top10"] == 0.0
    assert {"top1", "top5", "top10"} == set(rows[("pipeline", "all")]["scores"])
    assert rows[("tools-only", "all")]["scores"]["top5"] >= rows[("tools-only", "all")]["scores"]["top1"]
    assert "## Top-k (who made the call)" in markdown(records, "reactions")
