"""End to end on a CPU: fine-tune SmolLM2-135M for a few steps, interrupt, resume, evaluate, serve back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from serve.cli import app
from stages.backends import GenerationParams, make_backend
from stages.config import BackendConfig, Settings
from stages.messages import Message
from stages.models import pull_model
from train.dataset import load_training_data
from train.errors import TrainError
from train.recipe import SFTRecipe
from train.sft import CHECKPOINTS, run_sft

# tiny and fast: four conversations, 64 tokens, adapters on two projections, a high rate
RECIPE = {"target_modules": "q_proj,v_proj", "learning_rate": 2e-3, "batch_size": 2, "max_length": 64,
          "logging_steps": 1, "save_steps": 2}
FLAGS = ["--target-modules", "q_proj,v_proj", "--lr", "2e-3", "--batch-size", "2", "--max-length", "64",
         "--logging-steps", "1", "--save-steps", "2", "--limit", "4"]


def _interrupt_at_step_3(message: str) -> None:
    if message.startswith("step 3/"):
        raise KeyboardInterrupt


@pytest.mark.slow
def test_fine_tune_interrupt_resume_evaluate_and_serve(chem_build: Path, tmp_path: Path) -> None:
    cache_dir = Settings().cache_dir
    pull_model(cache_dir)
    out = tmp_path / "chem-lora"
    data = load_training_data(chem_build, limit=4)
    with pytest.raises(TrainError, match="--resume"):
        run_sft(data, "smollm2-135m-instruct", out, SFTRecipe.model_validate({**RECIPE, "max_steps": 4}), cache_dir,
                progress=_interrupt_at_step_3)
    assert (out / CHECKPOINTS / "checkpoint-2").is_dir()
    assert not (out / "adapter_model.safetensors").exists()

    done = CliRunner().invoke(app, ["train", "sft", "--data", str(chem_build), "--out", str(out), "--resume",
                                    "--max-steps", "4", *FLAGS, "--eval", "chem-properties", "--eval-limit", "1",
                                    "--eval-mode", "model", "--entropy-texts", "2"])
    assert done.exit_code == 0, done.output
    result = json.loads((out / "train.json").read_text(encoding="utf-8"))
    assert result["resumed_from"].endswith("checkpoint-2") and result["steps"] == 4
    losses = [p["loss"] for p in result["losses"]]
    assert [p["step"] for p in result["losses"]] == [1, 2, 3, 4]
    assert losses[-1] < losses[0], losses
    assert "base-model" in done.output and "tuned-model" in done.output
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "## Evaluation before / after" in card and "| tuned-model | 1 |" in card
    assert (out / "entropy" / "entropy.json").is_file()

    config = BackendConfig(model="smollm2-135m-instruct", device="cpu", adapter=str(out))
    reply = make_backend(config, cache_dir).complete([Message(role="user", content="What is the formula of ethanol?")],
                                                     GenerationParams(max_tokens=8, temperature=0.0))
    assert reply.text.strip()
