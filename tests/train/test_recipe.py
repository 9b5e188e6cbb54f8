"""Defaults follow ChemLLM's recipe; every value reaches TRL's SFTConfig."""

from __future__ import annotations

from pathlib import Path

from train.recipe import SFTRecipe
from train.sft import sft_config


def test_defaults_are_chemllms_recipe() -> None:
    recipe = SFTRecipe()
    assert (recipe.lora_r, recipe.lora_alpha, recipe.learning_rate, recipe.neftune_noise_alpha) == (8, 16, 5e-5, 5.0)
    assert recipe.modules() == "all-linear"
    assert SFTRecipe(target_modules="q_proj, v_proj").modules() == ["q_proj", "v_proj"]


def test_recipe_reaches_the_trainer_config(tmp_path: Path) -> None:
    recipe = SFTRecipe(learning_rate=1e-4, max_steps=7, batch_size=3, grad_accum=2, max_length=256, save_steps=5,
                       neftune_noise_alpha=None, seed=11)
    config = sft_config(recipe, tmp_path, "float32", has_validation=True)
    assert config.output_dir == str(tmp_path / "checkpoints")
    assert (config.learning_rate, config.max_steps, config.per_device_train_batch_size) == (1e-4, 7, 3)
    assert (config.gradient_accumulation_steps, config.max_length, config.save_steps, config.seed) == (2, 256, 5, 11)
    assert config.neftune_noise_alpha is None and config.eval_strategy == "steps"
    assert not config.bf16 and not config.fp16
    default = sft_config(SFTRecipe(), tmp_path, "float32", has_validation=False)
    assert default.neftune_noise_alpha == 5.0 and default.eval_strategy == "no"
    assert not default.activation_checkpointing
