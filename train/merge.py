"""Folding a LoRA adapter into its base: plain weights for tools that cannot load an adapter (the entropy
analysis, `--merge`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from train.errors import TrainError
from train.preflight import load_options, load_tokenizer
from train.results import SFTResult


def save_merged(model: Any, tokenizer: Any, target: Path) -> Path:
    """Base weights with the adapter folded in, as a plain transformers folder at `target` (renamed into place)."""
    staged = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.rmtree(staged, ignore_errors=True)
    model.merge_and_unload().save_pretrained(str(staged))
    tokenizer.save_pretrained(str(staged))
    shutil.rmtree(target, ignore_errors=True)
    os.replace(staged, target)
    return target


def merge_adapter(result: SFTResult, target: Path) -> Path:
    """Load the base and this run's adapter, and write the merged weights to `target`."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    recipe = result.spec.recipe
    tokenizer = load_tokenizer(result.spec.base, result.base_source, recipe)
    try:
        base = AutoModelForCausalLM.from_pretrained(result.base_source, dtype=getattr(torch, result.dtype),
                                                    **load_options(recipe))
        tuned = PeftModel.from_pretrained(base, str(result.adapter))
    except Exception as exc:
        raise TrainError(f"cannot load {result.spec.base!r} with the adapter in {result.adapter}: {exc}") from exc
    return save_merged(tuned, tokenizer, target)
