"""The model card names the data by hash, the recipe, the losses, both eval rows and a working serve command."""

from __future__ import annotations

import shlex
from pathlib import Path

from typer.testing import CliRunner

from serve.cli import app
from train.card import model_card, serve_commands
from train.dataset import load_training_data
from train.recipe import SFTRecipe
from train.results import EntropyComparison, EvalComparison, EvalRow, LossPoint, RunSpec, SFTResult


def finished_run(chem_build: Path, out: Path) -> SFTResult:
    data = load_training_data(chem_build)
    spec = RunSpec(base="smollm2-135m-instruct", data=data.folder, data_sha256=data.sha256, recipe=SFTRecipe())
    return SFTResult(
        spec=spec, base_source="/models/smollm2-135m-instruct", adapter=out, device="cpu", dtype="float32",
        parameters=134_515_008, trainable_parameters=460_800, train_samples=len(data.train), validation_samples=0,
        steps=4, epochs=2.0, seconds=12.5, samples_per_s=0.64, peak_memory_gib=1.4,
        losses=[LossPoint(step=1, loss=4.6), LossPoint(step=4, loss=3.4)], eval_losses=[],
    )


def test_card_records_data_recipe_losses_and_both_rows(chem_build: Path, tmp_path: Path) -> None:
    result = finished_run(chem_build, tmp_path / "chem-lora")
    rows = [EvalRow(config="base-model", n=10, accuracy=0.2, low=0.06, high=0.51, latency_mean_s=3.0),
            EvalRow(config="tuned-model", n=10, accuracy=0.3, low=0.11, high=0.6, latency_mean_s=2.5)]
    evaluation = EvalComparison(suite="chem-properties", suite_version=1, limit=10, seed=0, rows=rows,
                                report=tmp_path / "eval" / "report.md")
    entropy = EntropyComparison(texts=8, mean_erank_base=5.5, mean_erank_tuned=5.4, mean_diff_erank=0.1,
                                last_layer_diff_erank=0.3, report=tmp_path / "entropy" / "entropy.md")
    card = model_card(result, evaluation, entropy)
    assert result.spec.data_sha256 in card
    assert "| lora_r | 8 |" in card and "| learning_rate | 5e-05 |" in card and "| neftune_noise_alpha | 5.0 |" in card
    assert "Training loss 4.6000 (step 1) → 3.4000 (step 4)" in card
    assert "| base-model | 10 | 20.0% |" in card and "| tuned-model | 10 | 30.0% |" in card
    assert "Diff-eRank (base − tuned): mean over layers +0.100" in card
    assert "chem.formula" in card
    assert "Not run" in model_card(result, None, None)


def test_serve_command_is_a_valid_vllm_lora_command(chem_build: Path, tmp_path: Path) -> None:
    result = finished_run(chem_build, tmp_path / "chem-lora")
    vllm, embedded = serve_commands(result, "chem")
    printed = CliRunner().invoke(app, shlex.split(vllm)[1:])
    assert printed.exit_code == 0, printed.output
    served = shlex.split(printed.output)
    assert served[:3] == ["vllm", "serve", "/models/smollm2-135m-instruct"]
    assert "--enable-lora" in served
    assert served[served.index("--lora-modules") + 1] == f"chem-lora={tmp_path / 'chem-lora'}"
    assert embedded.startswith(f"TRISTAGE_BACKEND__ADAPTER={tmp_path / 'chem-lora'} tristage ask chem")
