"""`tristage data build|stats|preview|lock` through the real command-line app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data_fixtures import write_footprints
from typer.testing import CliRunner

from serve.cli import app

runner = CliRunner()


def test_build_then_stats_then_refusal(tmp_path: Path, compound_csv: Path):
    out = tmp_path / "ds"
    done = runner.invoke(app, ["data", "build", "chem", "--source", str(compound_csv), "--out", str(out),
                               "--format", "openai,alpaca", "--seed", "5"])
    assert done.exit_code == 0, done.output
    assert "samples from 11 rows" in done.output
    for fmt in ("openai", "alpaca"):
        assert {p.name for p in (out / fmt).iterdir()} == {"train.jsonl", "test.jsonl"}
    assert (out / "README.md").is_file()
    stats = runner.invoke(app, ["data", "stats", str(out), "--json"])
    assert stats.exit_code == 0
    counts = json.loads(stats.output)
    assert counts["status"] == "complete" and counts["skipped"]["bad SMILES"] == 1
    table = runner.invoke(app, ["data", "stats", str(out)])
    assert "chem.formula" in table.output and "skipped 1: missing SMILES" in table.output
    again = runner.invoke(app, ["data", "build", "chem", "--source", str(compound_csv), "--out", str(out)])
    assert again.exit_code == 2 and "holds another build" in again.output


def test_bad_arguments_fail_before_the_build(tmp_path: Path, compound_csv: Path):
    out = tmp_path / "ds"
    typo = runner.invoke(app, ["data", "build", "chem", "--source", str(compound_csv), "--out", str(out),
                               "--task", "chem.fromula"])
    assert typo.exit_code == 2 and "did you mean 'chem.formula'" in typo.output
    foreign = runner.invoke(app, ["data", "build", "chem", "--source", str(compound_csv), "--out", str(out),
                                  "--task", "market.report"])
    assert foreign.exit_code == 2 and "not chem packs" in foreign.output
    fmt = runner.invoke(app, ["data", "build", "chem", "--source", str(compound_csv), "--out", str(out),
                              "--format", "csv"])
    assert fmt.exit_code == 2 and "unknown format" in fmt.output
    missing = runner.invoke(app, ["data", "build", "chem", "--source", str(tmp_path / "nope.csv"), "--out", str(out)])
    assert missing.exit_code == 2 and "not found" in missing.output
    assert not out.exists()
    assert runner.invoke(app, ["data", "stats", str(tmp_path)]).exit_code == 2


def test_breakout_build_from_a_footprint_file(tmp_path: Path):
    path = write_footprints(tmp_path / "fp.txt")
    done = runner.invoke(app, ["data", "build", "breakout", "--source", str(path), "--no-samples",
                               "--out", str(tmp_path / "ds"), "--format", "sharegpt"])
    assert done.exit_code == 0, done.output
    assert "2 rows skipped" in done.output


def test_preview_renders_real_samples(compound_csv: Path):
    shown = runner.invoke(app, ["data", "preview", "iupac_to_smiles", "-n", "2", "--source", str(compound_csv)])
    assert shown.exit_code == 0, shown.output
    assert shown.output.count("assistant:") == 2 and "`CCO`" in shown.output
    assert runner.invoke(app, ["data", "preview", "no_such_pack"]).exit_code == 2


def test_lock_reports_success(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from data_templates import templates
    from data_templates.templates import pack_paths

    copy = tmp_path / "packs.lock.json"
    copy.write_bytes(templates.LOCK_PATH.read_bytes())
    monkeypatch.setattr(templates, "LOCK_PATH", copy)  # the shipped lock is never rewritten by a test run
    done = runner.invoke(app, ["data", "lock"])
    assert done.exit_code == 0 and f"{len(pack_paths())} packs" in done.output
    assert templates.read_lock() == {name: {"version": p.version, "sha256": p.content_hash()}
                                     for name, p in templates.all_packs().items()}
