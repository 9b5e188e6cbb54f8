"""Runs with a scripted model: both configurations, JSONL with traces, resume, report files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.ablations import AblationError, RunConfig, run_configs
from evals.registry import load_suite
from evals.report import markdown, paired, summarize, wilson, write_report
from evals.runner import RESULTS, RunMismatch, read_results, run_suite
from stages.backends.scripted import ScriptedBackend
from stages.config import BackendConfig

SCRIPTED = BackendConfig(kind="scripted")


def scripted(_config: RunConfig) -> ScriptedBackend:
    return ScriptedBackend(["Paris. 42. 56. 7. Jupiter. cold. H2O. I don't know."])


def test_default_configs_put_the_model_alone_beside_the_pipeline() -> None:
    names = [c.name for c in run_configs("chem", SCRIPTED, ["repairs", "tools", "retrieval"])]
    assert names == ["model-alone", "pipeline", "no-repairs", "no-tools", "no-retrieval"]
    assert [c.name for c in run_configs("general", SCRIPTED)] == ["pipeline"]
    configs = run_configs("chem", SCRIPTED, ["backends"], backend_b=SCRIPTED.model_copy(update={"model": "b"}))
    assert [c.name for c in configs] == ["model-alone", "pipeline", "pipeline-b", "model-alone-b"]
    with pytest.raises(AblationError, match="second backend"):
        run_configs("chem", SCRIPTED, ["backends"])
    with pytest.raises(AblationError, match="unknown ablation"):
        run_configs("chem", SCRIPTED, ["magic"])


def test_a_label_names_the_adapter_on_top_of_the_base() -> None:
    base = BackendConfig(kind="embedded", model="smollm2-135m-instruct", adapter="none")
    tuned = base.model_copy(update={"adapter": "/runs/chem-lora"})
    assert RunConfig(name="pipeline", assistant="chem", backend=base).label == (
        "pipeline (chem on embedded:smollm2-135m-instruct)")
    assert RunConfig(name="pipeline", assistant="chem", backend=base.model_copy(update={"adapter": "auto"})).label == (
        "pipeline (chem on embedded:smollm2-135m-instruct + tristage-pipeline)")
    assert RunConfig(name="pipeline", assistant="chem", backend=tuned).label == (
        "pipeline (chem on embedded:smollm2-135m-instruct + chem-lora)")


def test_run_writes_every_item_with_reply_and_trace(tmp_path: Path) -> None:
    suite = load_suite("general-sanity")
    configs = run_configs("general", SCRIPTED, ["repairs"])
    records = run_suite(suite, configs, tmp_path, scripted, limit=4, seed=1)
    assert len(records) == 8
    lines = [json.loads(line) for line in (tmp_path / RESULTS).read_text().splitlines()]
    assert lines == records
    assert all(r["reply"]["trace"][0]["stage"] == "detect" for r in records)
    assert {r["config"] for r in records} == {"pipeline", "no-repairs"}
    report = write_report(records, tmp_path, "toy")
    assert (tmp_path / "accuracy.png").stat().st_size > 1000
    assert (tmp_path / "latency.png").stat().st_size > 1000
    assert "| pipeline | all | 4 |" in report.read_text()


def test_resume_skips_done_items_and_cuts_a_torn_line(tmp_path: Path) -> None:
    suite = load_suite("general-sanity")
    configs = run_configs("general", SCRIPTED)
    first = run_suite(suite, configs, tmp_path, scripted, limit=3, seed=2)
    path = tmp_path / RESULTS
    with path.open("a") as handle:
        handle.write('{"config": "pipeline", "item": "half')
    calls: list[str] = []

    def counting(config: RunConfig) -> ScriptedBackend:
        calls.append(config.name)
        return scripted(config)

    again = run_suite(suite, configs, tmp_path, counting, limit=5, seed=2)
    assert calls == ["pipeline"]
    assert len(again) == 5 and [r["item"] for r in again[:3]] == [r["item"] for r in first]
    assert len(read_results(path)) == 5
    assert path.read_text().endswith("}\n")
    with pytest.raises(RunMismatch, match="seed 2"):
        run_suite(suite, configs, tmp_path, scripted, limit=3, seed=3)
    other = run_configs("general", SCRIPTED.model_copy(update={"model": "other"}))
    with pytest.raises(RunMismatch, match="other settings"):
        run_suite(suite, other, tmp_path, scripted, limit=3, seed=2)


def test_retry_errors_reruns_budget_failures_and_the_latest_record_wins(tmp_path: Path) -> None:
    from stages.backends.base import BackendTimeout

    suite = load_suite("general-sanity")
    configs = run_configs("general", SCRIPTED)
    failing = run_suite(suite, configs, tmp_path, lambda _c: ScriptedBackend([BackendTimeout("slow")]), limit=2)
    assert [r["status"] for r in failing] == ["error", "error"]
    assert len(run_suite(suite, configs, tmp_path, scripted, limit=2)) == 2  # errors count as done by default
    fixed = run_suite(suite, configs, tmp_path, scripted, limit=2, retry_errors=True)
    assert [r["status"] for r in fixed] == ["unverified", "unverified"]  # general chat: never tool-checked
    assert len(read_results(tmp_path / RESULTS)) == 4


def test_judge_verdict_is_recorded_beside_the_rules(tmp_path: Path) -> None:
    suite = load_suite("general-sanity")
    judge = ScriptedBackend(["Verdict: PASS - the rules hold."])
    records = run_suite(suite, run_configs("general", SCRIPTED), tmp_path, scripted, limit=2, judge=judge)
    assert all(r["judge"]["passed"] is True for r in records)
    prompt = judge.calls[0][1].content
    assert "Rules the answer must satisfy (all of them):\n- claims: required=[" in prompt
    assert "judge agreement" in markdown(records, "t")


def test_wilson_and_paired_counts() -> None:
    assert wilson(0, 0) == (0.0, 0.0)
    low, high = wilson(5, 10)
    assert low < 0.5 < high and 0 <= low and high <= 1
    records = [{"config": c, "item": i, "passed": p, "task": "t", "parsed": True, "score": float(p),
                "status": "verified", "latency_s": 1.0}
               for c, i, p in [("a", 1, True), ("a", 2, False), ("b", 1, True), ("b", 2, True), ("b", 3, True)]]
    pair = paired(records, "a", "b")
    assert (pair.n, pair.both, pair.only_a, pair.only_b, pair.neither) == (2, 1, 0, 1, 0)
    cells = {(c.config, c.task): c for c in summarize(records)}
    assert cells[("b", "all")].accuracy == 1.0 and cells[("a", "t")].correct == 1
