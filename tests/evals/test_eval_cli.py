"""`tristage eval` and `tristage analyze` through the real console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TRISTAGE = Path(sys.executable).with_name("tristage")


def tristage(*args: str, scripted: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRISTAGE_")}
    if scripted:
        env["TRISTAGE_BACKEND__KIND"] = "scripted"
        env["TRISTAGE_BACKEND__OPTIONS"] = json.dumps({"replies": ["Paris. Answer: 42"]})
    return subprocess.run([str(TRISTAGE), *args], capture_output=True, text=True, env=env, timeout=timeout)


def test_list_names_every_suite_and_ablation() -> None:
    done = tristage("eval", "--list")
    assert done.returncode == 0, done.stderr
    for name in ("chem-names", "chem-properties", "chem-validity", "chem-calculations", "breakout-ohlcv", "breakout-footprint",
                 "general-sanity", "chembench", "chembench-lamalab", "mmlu", "chemllmbench-names", "chemllmbench-property",
                 "chebi20-captioning", "uspto-retro", "repairs", "tools-only", "correction"):
        assert name in done.stdout


def test_bad_requests_exit_2_with_one_line() -> None:
    for args, message in ((("eval", "chem-name"), "did you mean"), (("eval", "chembench"), "--data"),
                          (("eval", "chem-names", "--ablation", "backends"), "second backend"), (("eval",), "name a suite")):
        done = tristage(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert message in done.stderr and "Traceback" not in done.stderr


def test_a_published_file_of_the_wrong_layout_and_a_serial_backend_exit_2(tmp_path: Path) -> None:
    wrong = tmp_path / "uspto_test.csv"
    wrong.write_text("reactant,product\nCCO.CC(=O)O,CCOC(C)=O\n")
    done = tristage("eval", "chemllmbench-retro", "--data", str(wrong))
    assert done.returncode == 2 and "missing column 'products_smiles'" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    embedded = tristage("eval", "chemllmbench-reaction", "--data", str(wrong), "--backend", "embedded", "--concurrency", "4")
    assert embedded.returncode == 2 and "needs a server backend" in embedded.stderr


def test_eval_writes_results_report_and_resumes(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = tristage("eval", "general-sanity", "--limit", "3", "--ablation", "repairs", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert {p.name for p in out.iterdir()} >= {"results.jsonl", "report.md", "accuracy.png", "latency.png", "run.json"}
    assert len((out / "results.jsonl").read_text().splitlines()) == 6
    again = tristage("eval", "general-sanity", "--limit", "3", "--ablation", "repairs", "--out", str(out))
    assert "3 done, 0 to run" in again.stderr
    assert len((out / "results.jsonl").read_text().splitlines()) == 6


def test_analyze_entropy_reports_a_missing_data_file(tmp_path: Path) -> None:
    done = tristage("analyze", "entropy", "--model", "smollm2-135m-instruct", "--data", str(tmp_path / "none.txt"))
    assert done.returncode == 2 and "cannot read texts" in done.stderr


@pytest.mark.slow
def test_small_eval_on_the_embedded_model(tmp_path: Path, embedded_model: str) -> None:
    """Model alone vs pipeline on one chemistry item, with the real embedded model."""
    out = tmp_path / "real"
    done = tristage("eval", "chem-properties", "--limit", "1", "--seed", "5", "--out", str(out), scripted=False, timeout=580)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [r["config"] for r in records] == ["model-alone", "pipeline"]
    assert all(r["reply"]["trace"][1]["model_calls"] for r in records)
    assert records[1]["reply"]["status"] in {"verified", "corrected"}
    assert records[1]["passed"]  # the pipeline answers from tool facts, or corrects to them
