"""Breakout calls in `tristage eval`: each part's call scored against its baseline, per direction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistants.market.scores import auc, brier
from evals.ablations import RunConfig, run_configs
from evals.breakout_skill import CALIBRATED, FINAL, LANGUAGE, RULE, record_calls, skill_rows
from evals.registry import load_suite
from evals.report import markdown
from evals.runner import run_suite
from stages.backends.scripted import ScriptedBackend
from stages.config import BackendConfig


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    suite = load_suite("breakout-ohlcv")
    configs = run_configs("breakout", BackendConfig(kind="scripted"))

    def backend(_config: RunConfig) -> ScriptedBackend:
        return ScriptedBackend(["The bar closed beyond the level. Answer: true breakout"])

    records = run_suite(suite, configs, tmp_path_factory.mktemp("eval"), backend, limit=6)
    assert all(r["status"] != "error" for r in records), [r["reply"]["reason"] for r in records]
    return records


def test_each_part_that_made_a_call_has_its_own_row(records: list[dict]) -> None:
    rows = {(r.config, r.caller, r.direction): r for r in skill_rows(records)}
    assert {caller for config, caller, _ in rows if config == "pipeline"} == {FINAL, CALIBRATED, RULE, LANGUAGE}
    assert {caller for config, caller, _ in rows if config == "model-alone"} == {FINAL}
    assert rows[("model-alone", FINAL, "all")].written_by == "model 6"
    language = rows[("pipeline", LANGUAGE, "all")]
    assert language.f1 == language.f1_always_true  # the script always answers true
    assert language.brier is None and rows[("pipeline", CALIBRATED, "all")].brier is not None


def test_the_calibrated_row_scores_the_probabilities_the_replies_state(records: list[dict]) -> None:
    pipeline = [r for r in records if r["config"] == "pipeline"]
    facts = [r["reply"]["result"]["facts"] for r in pipeline]
    truth = np.array([[c for c in record_calls(r) if c.caller == CALIBRATED][0].truth for r in pipeline])
    probability = np.array([f["probability"] for f in facts])
    row = next(r for r in skill_rows(records) if (r.config, r.caller, r.direction) == ("pipeline", CALIBRATED, "all"))
    assert row.n == 6 and row.auc == pytest.approx(auc(truth, probability), nan_ok=True)
    assert row.brier == pytest.approx(brier(truth, probability))
    assert row.brier_base_rate == pytest.approx(brier(truth, np.array([f["base_rate"] for f in facts])))
    assert row.accuracy == np.mean((probability >= 0.5) == truth)
    assert row.accuracy_majority == np.mean(~truth)  # both training base rates are under one half


def test_the_report_shows_the_section_and_footprint_items_are_left_out(records: list[dict]) -> None:
    text = markdown(records, "breakout")
    assert "## Breakout calls against their baselines" in text
    assert f"| pipeline | {CALIBRATED} | all | 6 |" in text
    footprint = [{**r, "task": "footprint test"} for r in records]
    assert skill_rows(footprint) == [] and "Breakout calls" not in markdown(footprint, "footprint")


def test_no_breakout_items_no_section(tmp_path: Path) -> None:
    assert "Breakout calls" not in markdown([{"config": "a", "task": "t", "item": "1", "passed": True, "score": 1.0,
                                              "parsed": True, "status": "verified", "latency_s": 0.1}], "other")
