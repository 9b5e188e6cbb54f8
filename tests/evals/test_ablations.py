"""Ablations that attribute: tools-only, no-correction, model-alone and pipeline on the real chem
assistant (compound store, RDKit) with a scripted model that gets the chemistry wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.ablations import AblationError, RunConfig, run_configs
from evals.report import markdown, parts, summarize
from evals.runner import run_suite
from evals.suite import FormulaRule, Item, StructureRule, Suite
from stages.backends.scripted import ScriptedBackend
from stages.config import BackendConfig

WRONG = "Formula: C9H9O\nSMILES: CCCCCCCC\nAnswer: It is C9H9O."
SUITE = Suite(name="ablation-check", description="two store compounds", assistant="chem", items=[
    Item(id="ethanol", task="formula", question="What is the molecular formula of ethanol?",
         rules=[FormulaRule(formula="C2H6O")]),
    Item(id="caffeine", task="smiles", question="What is the SMILES of caffeine?",
         rules=[StructureRule(inchikey="RYYVLZVUVIJVGH-UHFFFAOYSA-N", via="smiles")]),
])


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], list[str]]:
    configs = run_configs("chem", BackendConfig(kind="scripted"), ["tools-only", "correction"])
    built: list[str] = []

    def backend_for(config: RunConfig) -> ScriptedBackend:
        built.append(config.name)
        return ScriptedBackend([WRONG])

    records = run_suite(SUITE, configs, tmp_path_factory.mktemp("ablations"), backend_for)
    return records, built


def by(records: list[dict], config: str) -> dict[str, dict]:
    return {r["item"]: r for r in records if r["config"] == config}


def test_pipeline_and_no_correction_share_one_run(run: tuple[list[dict], list[str]]) -> None:
    records, built = run
    assert built == ["model-alone", "pipeline", "tools-only"]
    assert {r["config"] for r in records} == {"model-alone", "pipeline", "tools-only", "no-correction"}


def test_each_answer_names_the_part_that_produced_it(run: tuple[list[dict], list[str]]) -> None:
    records, _ = run
    for item in ("ethanol", "caffeine"):
        alone, pipeline = by(records, "model-alone")[item], by(records, "pipeline")[item]
        tools, draft = by(records, "tools-only")[item], by(records, "no-correction")[item]
        assert alone["answered_by"] == "model" and not alone["passed"]
        assert pipeline["status"] == "corrected" and pipeline["answered_by"] == "correction step"
        assert pipeline["passed"] and "compound store" in pipeline["facts_from"]
        assert tools["answered_by"] == "tools" and tools["model_calls"] == 0 and tools["passed"]
        assert draft["answer"] == WRONG and draft["status"] == "unverified" and not draft["passed"]
        assert draft["answered_by"] == "model" and draft["reply"]["status"] == "corrected"


def test_report_gives_calibration_and_attribution(run: tuple[list[dict], list[str]]) -> None:
    records, _ = run
    cells = {(c.config, c.task): c for c in summarize(records)}
    tools = cells[("tools-only", "all")]
    assert tools.verified == 2 and tools.verified_accuracy == 1.0 and tools.verified_wrong == 0.0
    assert cells[("no-correction", "all")].verified == 0 and cells[("no-correction", "all")].verified_wrong is None
    rows = {(r["config"], r["part"]): r for r in parts(records)}
    assert rows[("pipeline", "correction step")]["correct"] == 2
    text = markdown(records, "ablations")
    assert "| tools-only | all | 2 | 2 | 100.0% |" in text
    assert "| pipeline | correction step | 2 | 2 | 2 | compound store 2 |" in text
    assert "verified wrong" in text and "Who produced the answer" in text


def test_calibration_counts_verified_replies_that_are_wrong() -> None:
    rows = [{"config": "c", "item": str(i), "task": "t", "passed": passed, "status": status, "parsed": True,
             "score": float(passed), "latency_s": 1.0}
            for i, (passed, status) in enumerate([(True, "verified"), (False, "verified"), (False, "verified"),
                                                  (True, "corrected"), (False, "unverified")])]
    cell = next(c for c in summarize(rows) if c.task == "all")
    assert (cell.accuracy, cell.verified, cell.verified_correct) == (0.4, 3, 1)
    assert cell.verified_accuracy == pytest.approx(1 / 3) and cell.verified_wrong == pytest.approx(2 / 3)


def test_tools_only_needs_an_assistant_that_composes_from_facts() -> None:
    with pytest.raises(AblationError, match="no tools-only mode"):
        run_configs("breakout", BackendConfig(kind="scripted"), ["tools-only"])


def test_a_rebuilt_text_that_stays_unverified_is_the_correction_steps() -> None:
    from evals.attribution import CORRECTION, MODEL, attribute

    trace = [{"stage": "reason", "model_calls": [{"output": "Product: CCO"}]}, {"stage": "verify", "checks": []}]
    rebuilt = {"status": "unverified", "answered_by": "tools", "trace": trace, "result": {}}
    kept = {"status": "unverified", "answered_by": "model", "trace": trace, "result": {}}
    assert attribute(rebuilt).part == CORRECTION and attribute(kept).part == MODEL
    assert attribute(rebuilt, draft=True).part == MODEL


def test_the_adapter_ablation_adds_the_base_model_beside_the_fine_tune() -> None:
    configs = run_configs("chem", BackendConfig(), ["adapter"])
    assert [(c.name, c.assistant, c.backend.adapter) for c in configs] == [
        ("model-alone", "general", "auto"), ("pipeline", "chem", "auto"),
        ("pipeline-base", "chem", "none"), ("model-alone-base", "general", "none")]
    assert configs[1].label == "pipeline (chem on llamacpp:smollm2-135m-instruct + tristage-pipeline)"
    assert configs[2].label == "pipeline-base (chem on llamacpp:smollm2-135m-instruct)"
    with pytest.raises(AblationError, match="serves no adapter"):
        run_configs("chem", BackendConfig(adapter="none"), ["adapter"])
    with pytest.raises(AblationError, match="serves no adapter"):
        run_configs("chem", BackendConfig(kind="openai", model="x"), ["adapter"])
