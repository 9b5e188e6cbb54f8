"""Validation is bounded and comes after the adapter: Ctrl-C during it keeps a loadable adapter and its card."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from serve.cli import app
from stages.config import Settings
from stages.models import pull_model

# one conversation a step, 64 tokens, adapters on two projections: the smallest real run
FLAGS = ["--target-modules", "q_proj,v_proj", "--batch-size", "1", "--max-length", "64", "--logging-steps", "1",
         "--entropy-texts", "0"]


def _result(out: Path) -> dict[str, object]:
    return json.loads((out / "train.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_ctrl_c_during_validation_keeps_a_loadable_adapter(breakout_build: Path, tmp_path: Path) -> None:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    pull_model(Settings().cache_dir)
    out = tmp_path / "breakout-lora"
    command = [sys.executable, "-m", "serve.cli", "train", "sft", "--data", str(breakout_build), "--out", str(out),
               "--max-steps", "1", "--limit", "200", "--eval-samples", "all", *FLAGS]
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert run.stdout is not None
    seen = []
    for line in run.stdout:  # 200 batches of validation: the signal lands after the first
        seen.append(line)
        if line.startswith("validation (200 conversations): batch 1/200"):
            run.send_signal(signal.SIGINT)
            break
    rest = run.communicate(timeout=300)[0]
    output = "".join(seen) + rest
    assert run.returncode == 130, output
    assert "validation interrupted" in rest and "kept" in rest and "Traceback" not in output
    assert "model card:" in output and output.index("saving the adapter") < output.index("validation (200")
    result = _result(out)
    assert result["steps"] == 1 and result["validated_samples"] == 0 and result["validation_samples"] == 200
    assert "final validation not run or interrupted" in (out / "README.md").read_text(encoding="utf-8")
    base = AutoModelForCausalLM.from_pretrained(str(result["base_source"]))
    tuned = PeftModel.from_pretrained(base, str(out))
    assert any("lora_A" in name for name, _ in tuned.named_parameters())


@pytest.mark.slow
def test_eval_samples_sets_how_many_conversations_are_validated(breakout_build: Path, tmp_path: Path) -> None:
    pull_model(Settings().cache_dir)
    out = tmp_path / "breakout-lora"
    runner = CliRunner()
    args = ["train", "sft", "--data", str(breakout_build), "--out", str(out), "--limit", "12", *FLAGS]
    first = runner.invoke(app, [*args, "--max-steps", "1", "--eval-samples", "3"])
    assert first.exit_code == 0, first.output
    assert _result(out)["validated_samples"] == 3
    assert "validated on 3: a seeded sample" in (out / "README.md").read_text(encoding="utf-8")
    output = " ".join(first.output.split())
    assert "timed pass" in output and "for 1 step and validation on 3 conversations" in output
    assert "validation (3 conversations): batch 3/3" in output

    resumed = runner.invoke(app, [*args, "--resume", "--max-steps", "2", "--eval-samples", "all"])
    assert resumed.exit_code == 0, resumed.output
    result = _result(out)
    assert result["validated_samples"] == 12 and result["steps"] == 2
    assert [p["step"] for p in result["eval_losses"]] == [2]  # the checkpoint of step 1 predates its validation
    bad = runner.invoke(app, [*args, "--eval-samples", "some"])
    assert bad.exit_code == 2 and "--eval-samples takes a positive number or all" in bad.output
