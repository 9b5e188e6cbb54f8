"""Checks that run before the first training step, so a run that cannot finish fails in seconds.

A base model that is not on this machine, a tokenizer without a chat template, weights that
cannot fit the device, a worst-case batch that runs out of memory: each is a TrainError with
what to do about it, raised before hours are spent.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from stages.cores import usable_cores
from train.errors import TrainError
from train.progress import Progress, duration
from train.recipe import SFTRecipe

GIB = 1024**3
# LoRA training holds the frozen weights once, plus optimizer state and gradients for the small
# adapter only; 1.3x the weights leaves room for the adapter, buffers and the allocator.
WEIGHT_OVERHEAD = 1.3
DTYPE_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}
# The default --max-length is the longest sample up to a cap. On a shared 2-core CPU, SmolLM2-135M
# takes tens of seconds for one step of four 256-token sequences; 256 keeps ten steps and a
# 64-conversation validation within minutes (1,024 took over 20). A GPU keeps the former default.
CPU_MAX_LENGTH, GPU_MAX_LENGTH = 256, 1024
MIN_LENGTH = 16


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


def cpu_threads() -> int:
    """Torch threads for a CPU run: the cores not busy when it starts, at least one; OMP_NUM_THREADS wins.

    Other processes' load counts against the cores: on two cores shared with a dozen busy
    processes, two threads took 12-20 s for a SmolLM2 step that one thread took in 4.5 s, since
    every parallel region waits for both threads to be scheduled.
    """
    if os.environ.get("OMP_NUM_THREADS"):
        return int(os.environ["OMP_NUM_THREADS"])
    cores = usable_cores()
    others = max(0.0, os.getloadavg()[0] - 1)  # this process is starting, so it counts once in the load
    return max(1, min(cores, round(cores - others)))


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
            "model over several GPUs with `accelerate launch` (see docs/fine-tuning.md)."
        )


def max_length_cap() -> int:
    import torch

    return GPU_MAX_LENGTH if torch.cuda.is_available() else CPU_MAX_LENGTH


def longest_sample(tokenizer: Any, conversations: list[dict[str, Any]], cap: int, say: Progress) -> int:
    """Tokens of the longest conversation under the chat template, up to `cap` (the scan stops there)."""
    longest = MIN_LENGTH
    say(f"tokenizing up to {len(conversations):,} conversations for their longest (cap {cap} tokens)")
    for conversation in conversations:
        tokens = tokenizer.apply_chat_template(conversation["messages"], tokenize=True, return_dict=True)
        longest = max(longest, len(tokens["input_ids"]))
        if longest >= cap:
            return cap
    return longest


class StepTiming(BaseModel):
    """Seconds for one full-size batch: a training pass (forward and backward) and a validation pass."""

    train_s: float
    validate_s: float


def planned_steps(recipe: SFTRecipe, train_size: int, processes: int) -> int:
    """Optimizer steps the run will take: --max-steps, or the epochs over the train split."""
    if recipe.max_steps > 0:
        return recipe.max_steps
    per_epoch = math.ceil(train_size / (recipe.batch_size * processes)) // recipe.grad_accum
    return max(1, math.ceil(max(1, per_epoch) * recipe.epochs))


def estimate(timing: StepTiming, recipe: SFTRecipe, steps: int, validated: int) -> str:
    """'~4 min for 10 steps and validation on 64 conversations', from one timed batch of each kind."""
    train_s = timing.train_s * recipe.grad_accum * steps
    run = f"{steps:,} step" + ("s" if steps != 1 else "")
    if not validated:
        return f"~{duration(train_s)} for {run} (no validation split)"
    validations = (steps - 1) // recipe.save_steps + 1  # every --save-steps, and once after the last step
    validate_s = timing.validate_s * math.ceil(validated / recipe.batch_size) * validations
    times = f" ({validations} times)" if validations > 1 else ""
    return f"~{duration(train_s + validate_s)} for {run} and validation on {validated:,} conversations{times}"


def probe_worst_batch(model: Any, recipe: SFTRecipe, vocab_size: int) -> StepTiming:
    """A forward and backward pass, then a validation pass, on full-length sequences, timed; OOM here is a
    TrainError. A GPU takes a full batch (its memory is what can run out); a CPU one sequence, timed and scaled
    to the batch (its time grows with the rows, and a full batch would cost a whole step).
    The recipe's --max-length must be resolved first."""
    import torch

    max_length = recipe.max_length
    assert max_length is not None, "resolve --max-length before the probe"
    device = next(model.parameters()).device
    rows = recipe.batch_size if device.type == "cuda" else 1
    ids = torch.randint(0, vocab_size, (rows, max_length), device=device)
    scale = recipe.batch_size / rows
    try:
        model.train()
        started = time.perf_counter()
        model(input_ids=ids, labels=ids).loss.backward()
        trained = time.perf_counter()
        model.eval()
        with torch.no_grad():
            model(input_ids=ids, labels=ids)
        return StepTiming(train_s=(trained - started) * scale, validate_s=(time.perf_counter() - trained) * scale)
    except torch.OutOfMemoryError as exc:
        raise TrainError(
            f"out of memory on a batch of {recipe.batch_size} x {max_length} tokens, before training "
            "started: lower --batch-size (raise --grad-accum to keep the effective batch), lower --max-length, "
            "or add --gradient-checkpointing"
        ) from exc
    finally:
        model.zero_grad(set_to_none=True)
        del ids
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
