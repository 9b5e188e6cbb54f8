"""Checks that run before the first training step, so a run that cannot finish fails in seconds.

A base model that is not on this machine, a tokenizer without a chat template, weights that
cannot fit the device, a worst-case batch that runs out of memory: each is a TrainError with
what to do about it, raised before hours are spent.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from train.errors import TrainError
from train.recipe import SFTRecipe

GIB = 1024**3
# LoRA training holds the frozen weights once, plus optimizer state and gradients for the small
# adapter only; 1.3x the weights leaves room for the adapter, buffers and the allocator.
WEIGHT_OVERHEAD = 1.3
DTYPE_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}


def training_dtype(recipe: SFTRecipe) -> str:
    """The weights' dtype: bfloat16 on a GPU that has it, float32 elsewhere, unless the recipe names one."""
    import torch

    if recipe.dtype != "auto":
        return recipe.dtype
    return "bfloat16" if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else "float32"


def resolve_base(base: str, cache_dir: Path) -> str:
    """A prepared alias's folder, a local folder, or a hub id; TrainError when it names nothing."""
    from stages.models import ModelError, resolve_model

    try:
        return resolve_model(base, cache_dir)
    except ModelError as exc:
        raise TrainError(str(exc)) from exc


def load_options(recipe: SFTRecipe) -> dict[str, Any]:
    """`from_pretrained` options: the local cache only, unless HF_HUB_OFFLINE=0 allows the hub."""
    from stages.models import hub_downloads_allowed

    return {"trust_remote_code": recipe.trust_remote_code, "local_files_only": not hub_downloads_allowed()}


def _cannot_load(base: str, source: str, what: str, exc: Exception) -> TrainError:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if not Path(source).is_dir():
        return TrainError(f"cannot load the {what} of {base!r} offline: it is not a prepared alias, a local folder "
                          f"or in the local Hugging Face cache (set HF_HUB_OFFLINE=0 to download it): {reason}")
    return TrainError(f"cannot load the {what} of {base!r} from {source}: {reason}")


def load_tokenizer(base: str, source: str, recipe: SFTRecipe) -> Any:
    """The base's tokenizer; it must carry a chat template, since training formats every sample with it."""
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(source, **load_options(recipe))
    except Exception as exc:  # transformers raises many types; all mean "cannot load"
        raise _cannot_load(base, source, "tokenizer", exc) from exc
    if not getattr(tokenizer, "chat_template", None):
        raise TrainError(f"the tokenizer of {base!r} has no chat template; fine-tune an instruct or chat model, "
                         "or add a template to its tokenizer_config.json / chat_template.jinja")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def parameter_count(base: str, source: str, recipe: SFTRecipe) -> int:
    """Parameters of the base, counted on torch's meta device from its config (no weights read)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    try:
        config = AutoConfig.from_pretrained(source, **load_options(recipe))
    except Exception as exc:
        raise _cannot_load(base, source, "config", exc) from exc
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config, trust_remote_code=recipe.trust_remote_code)
    return sum(p.numel() for p in model.parameters())


def free_memory_bytes() -> tuple[str, int]:
    """The device training will use and its free memory (GPU 0's, or the machine's available RAM)."""
    import torch

    if torch.cuda.is_available():
        free, _total = torch.cuda.mem_get_info(0)
        return f"cuda ({torch.cuda.get_device_name(0)})", int(free)
    return "cpu", os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def check_fits(base: str, params: int, dtype: str, device: str, free: int) -> None:
    """TrainError when the frozen weights alone cannot fit the free memory."""
    need = params * DTYPE_BYTES[dtype] * WEIGHT_OVERHEAD
    if need > free:
        raise TrainError(
            f"{base!r} has {params / 1e9:.2f} B parameters: about {need / GIB:.1f} GiB in {dtype} with LoRA state, "
            f"but {device} has {free / GIB:.1f} GiB free. Use a smaller base, --dtype bfloat16, or shard the "
            "model over several GPUs with `accelerate launch` (see the README)."
        )


def probe_worst_batch(model: Any, recipe: SFTRecipe, vocab_size: int) -> None:
    """One forward and backward pass on a full batch of full-length sequences; OOM here is a TrainError."""
    import torch

    device = next(model.parameters()).device
    ids = torch.randint(0, vocab_size, (recipe.batch_size, recipe.max_length), device=device)
    try:
        model.train()
        model(input_ids=ids, labels=ids).loss.backward()
    except torch.OutOfMemoryError as exc:
        raise TrainError(
            f"out of memory on a batch of {recipe.batch_size} x {recipe.max_length} tokens, before training "
            "started: lower --batch-size (raise --grad-accum to keep the effective batch), lower --max-length, "
            "or add --gradient-checkpointing"
        ) from exc
    finally:
        model.zero_grad(set_to_none=True)
        del ids
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
