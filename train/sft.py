"""LoRA supervised fine-tuning with TRL's SFTTrainer on a tristage dataset build.

The output folder is itself the adapter: `adapter_config.json`, `adapter_model.safetensors` and
the base's tokenizer at its top level, so the same path is what vLLM takes as
`--lora-modules name=OUT` and what the local backends take as `adapter`
(`TRISTAGE_BACKEND__ADAPTER=OUT` for `tristage ask`, `eval`, `serve`).
Beside it: `checkpoints/` (resumable), `run.json` (what this folder is a run of), `train.json`
(the finished run: losses, throughput, memory), optionally `merged/` (plain weights), and the
model card `README.md`.
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from stages.atomic import write_text
from stages.cores import usable_cores
from train.card import write_card
from train.dataset import TrainingData, seeded_sample
from train.errors import Interrupted, TrainError
from train.fit_length import fit_conversations
from train.preflight import (
    GIB,
    check_fits,
    cpu_threads,
    estimate,
    free_memory_bytes,
    load_options,
    load_tokenizer,
    longest_sample,
    max_length_cap,
    parameter_count,
    planned_steps,
    probe_worst_batch,
    resolve_base,
    training_dtype,
)
from train.merge import save_merged
from train.progress import Progress, ValidationProgress, duration, trainer_progress
from train.recipe import SFTRecipe
from train.results import LossPoint, RunSpec, SFTResult

CHECKPOINTS = "checkpoints"
MERGED = "merged"
RUN_FILE = "run.json"
RESULT_FILE = "train.json"


def read_result(out: Path) -> SFTResult:
    """The finished run recorded in `out`; TrainError when `out` holds none."""
    path = out / RESULT_FILE
    if not path.is_file():
        raise TrainError(f"{out} holds no finished training run (no {RESULT_FILE}); run `tristage train sft` first")
    return SFTResult.model_validate_json(path.read_text(encoding="utf-8"))


def prepare_output(out: Path, spec: RunSpec, resume: bool) -> str | None:
    """Claim `out` for this run; returns the checkpoint to resume from, if any."""
    from transformers.trainer_utils import get_last_checkpoint

    run_file = out / RUN_FILE
    if out.exists() and not out.is_dir():
        raise TrainError(f"{out} exists and is not a folder")
    if run_file.is_file():
        old = RunSpec.model_validate_json(run_file.read_text(encoding="utf-8"))
        if not resume:
            raise TrainError(f"{out} holds an earlier run; pass --resume to continue it, or choose another --out")
        if changed := old.differences(spec):
            raise TrainError(f"{out} holds a run with other settings ({', '.join(changed)}); choose another --out")
        write_text(run_file, spec.model_dump_json(indent=2))
        folder = out / CHECKPOINTS
        return get_last_checkpoint(str(folder)) if folder.is_dir() else None
    if out.is_dir() and any(out.iterdir()):
        raise TrainError(f"{out} is not empty and holds no training run; choose an empty or new folder")
    out.mkdir(parents=True, exist_ok=True)
    write_text(run_file, spec.model_dump_json(indent=2))
    return None


def claim_output(out: Path, spec: RunSpec, resume: bool) -> str | None:
    """`prepare_output` in the main process; the other processes of a multi-GPU launch take its answer."""
    from accelerate import PartialState
    from transformers.trainer_utils import get_last_checkpoint

    state = PartialState()
    if state.is_main_process:
        checkpoint = prepare_output(out, spec, resume)
    state.wait_for_everyone()
    if not state.is_main_process:
        folder = out / CHECKPOINTS
        checkpoint = get_last_checkpoint(str(folder)) if resume and folder.is_dir() else None
    return checkpoint


def is_main_process() -> bool:
    """False in the secondary processes of an `accelerate launch`; reports and cards are written once."""
    from accelerate import PartialState

    return PartialState().is_main_process


def sft_config(recipe: SFTRecipe, out: Path, dtype: str, has_validation: bool) -> Any:
    """TRL's config for this recipe; mixed precision only on a GPU (half weights on a CPU train as they are)."""
    import torch
    from trl import SFTConfig

    gpu = torch.cuda.is_available()
    return SFTConfig(
        output_dir=str(out / CHECKPOINTS),
        num_train_epochs=recipe.epochs,
        max_steps=recipe.max_steps,
        per_device_train_batch_size=recipe.batch_size,
        per_device_eval_batch_size=recipe.batch_size,
        gradient_accumulation_steps=recipe.grad_accum,
        learning_rate=recipe.learning_rate,
        lr_scheduler_type=recipe.scheduler,
        warmup_steps=recipe.warmup,
        neftune_noise_alpha=recipe.neftune_noise_alpha or None,
        max_length=recipe.max_length,
        packing=recipe.packing,
        train_sampling_strategy="group_by_length" if recipe.group_by_length else "random",
        activation_checkpointing=recipe.gradient_checkpointing,
        bf16=gpu and dtype == "bfloat16",
        fp16=gpu and dtype == "float16",
        logging_steps=recipe.logging_steps,
        logging_first_step=True,
        save_steps=recipe.save_steps,
        save_total_limit=recipe.save_total_limit,
        eval_strategy="steps" if has_validation else "no",
        eval_steps=recipe.save_steps,
        seed=recipe.seed,
        report_to="none",
        dataloader_num_workers=0,
        dataloader_pin_memory=gpu,
        disable_tqdm=True,
    )


def _losses(history: list[dict[str, Any]], key: str) -> list[LossPoint]:
    return [LossPoint(step=int(h["step"]), loss=float(h[key])) for h in history if key in h]


def _peak_memory_gib() -> float:
    import torch

    if torch.cuda.is_available():
        return torch.cuda.max_memory_allocated() / GIB
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / GIB


def _move_into(staged: Path, out: Path) -> None:
    for path in staged.iterdir():
        os.replace(path, out / path.name)
    staged.rmdir()


def save_adapter(model: Any, tokenizer: Any, out: Path) -> None:
    """Adapter and tokenizer at the top of `out`, each file written under a temp folder, then renamed."""
    staged = out / f".adapter.{os.getpid()}.tmp"
    shutil.rmtree(staged, ignore_errors=True)
    model.save_pretrained(str(staged))
    tokenizer.save_pretrained(str(staged))
    _move_into(staged, out)


def _max_length(recipe: SFTRecipe, tokenizer: Any, conversations: list[dict[str, Any]], say: Progress) -> SFTRecipe:
    """The recipe with --max-length set: as given, or the longest tokenized sample up to this device's cap."""
    if recipe.max_length is not None:
        return recipe
    cap = max_length_cap()
    length = longest_sample(tokenizer, conversations, cap, say)
    say(f"--max-length {length}: " + (f"samples reach the cap of {cap} tokens and are cut there" if length == cap
                                      else "the longest sample"))
    return recipe.model_copy(update={"max_length": length})


def _fitted(tokenizer: Any, conversations: list[dict[str, Any]], recipe: SFTRecipe, split: str,
            say: Progress) -> list[dict[str, Any]]:
    """The conversations fitted to --max-length, their answers kept (see fit_length.py)."""
    assert recipe.max_length is not None
    fitted = fit_conversations(tokenizer, conversations, recipe.max_length)
    if fitted.trimmed:
        say(f"{split}: {fitted.trimmed:,} conversation(s) longer than {recipe.max_length} tokens had the start of their "
            f"prompt cut so the answer is trained on; {fitted.answer_cut:,} of them have an answer longer than that, "
            "whose end is cut")
    return fitted.conversations


def answer_only(conversations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Conversations as TRL's prompt-completion rows, the last assistant turn the completion, so the loss
    falls on that answer alone (TRL's own assistant-only loss needs generation marks in the chat
    template, which SmolLM2's lacks)."""
    rows = []
    for conversation in conversations:
        messages = conversation["messages"]
        if not messages or messages[-1]["role"] != "assistant":
            raise TrainError("--assistant-only-loss needs every conversation to end with an assistant turn")
        rows.append({"prompt": messages[:-1], "completion": messages[-1:]})
    return rows


def _drawn(train: list[dict[str, Any]], recipe: SFTRecipe, processes: int, say: Progress) -> list[dict[str, Any]]:
    """The train conversations to tokenize: with --max-steps, only as many as the steps draw (a seeded sample),
    so a ten-step run does not tokenize thousands; otherwise the whole split."""
    if recipe.max_steps <= 0:
        return train
    drawn = recipe.max_steps * recipe.batch_size * recipe.grad_accum * processes
    if drawn >= len(train):
        return train
    say(f"--max-steps {recipe.max_steps} draws {drawn:,} of the {len(train):,} train conversations (a seeded sample)")
    return seeded_sample(train, drawn, recipe.seed)


def _write_records(out: Path, result: SFTResult, say: Progress) -> None:
    """train.json and the model card, each written whole, then renamed."""
    write_text(out / RESULT_FILE, result.model_dump_json(indent=2))
    say(f"model card: {write_card(out, result, None, None)}")


def run_sft(
    data: TrainingData,
    base: str,
    out: Path,
    recipe: SFTRecipe,
    cache_dir: Path,
    resume: bool = False,
    merge: bool = False,
    progress: Progress | None = None,
) -> SFTResult:
    """Fine-tune `base` with LoRA on `data` into `out`, save the adapter and its card, then validate;
    TrainError on anything a user can fix, Interrupted on Ctrl-C (saying what was kept)."""
    import torch
    from accelerate import PartialState
    from datasets import Dataset, disable_progress_bars
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, PrinterCallback
    from transformers.utils import logging as hf_logging
    from trl import SFTTrainer

    say = progress or (lambda _message: None)
    if not data.train:
        raise TrainError(f"the train split of {data.folder} is empty")
    source = resolve_base(base, cache_dir)
    tokenizer = load_tokenizer(base, source, recipe)
    train = _drawn(data.train, recipe, PartialState().num_processes, say)
    validation = seeded_sample(data.validation, recipe.eval_samples, recipe.seed)
    recipe = _max_length(recipe, tokenizer, train + validation, say)
    train, validation = _fitted(tokenizer, train, recipe, "train", say), _fitted(tokenizer, validation, recipe, "validation", say)
    if recipe.assistant_only_loss:
        train, validation = answer_only(train), answer_only(validation)
    spec = RunSpec(base=base, data=data.folder, data_sha256=data.sha256, recipe=recipe)
    dtype = training_dtype(recipe)
    params = parameter_count(base, source, recipe)
    device, free = free_memory_bytes()
    check_fits(base, params, dtype, device, free)
    checkpoint = claim_output(out, spec, resume)
    if device == "cpu":
        torch.set_num_threads(cpu_threads())
        device = f"cpu ({torch.get_num_threads()} of {usable_cores()} cores)"
    disable_progress_bars()  # bars redraw in place; the lines here say the same, also through a pipe or a log
    hf_logging.disable_progress_bar()
    say(f"loading {base} ({params / 1e6:,.0f} M parameters, {dtype}) on {device}")
    try:
        model = AutoModelForCausalLM.from_pretrained(source, dtype=getattr(torch, dtype), **load_options(recipe))
    except Exception as exc:
        raise TrainError(f"cannot load the weights of {base!r} from {source}: {exc}") from exc
    lora = LoraConfig(r=recipe.lora_r, lora_alpha=recipe.lora_alpha, lora_dropout=recipe.lora_dropout,
                      target_modules=recipe.modules(), task_type="CAUSAL_LM")
    validating = ValidationProgress(say, len(validation))
    say(f"tokenizing {len(train):,} train and {len(validation):,} of {len(data.validation):,} validation "
        f"conversations at up to {recipe.max_length} tokens")
    started = time.perf_counter()
    try:
        trainer = SFTTrainer(
            model=model,
            args=sft_config(recipe, out, dtype, bool(validation)),
            train_dataset=Dataset.from_list(train),
            eval_dataset=Dataset.from_list(validation) if validation else None,
            processing_class=tokenizer,
            peft_config=lora,
            callbacks=[trainer_progress(say, validating)],
        )
    except ValueError as exc:  # e.g. a dataset TRL cannot read
        raise TrainError(f"cannot set up training: {exc}") from exc
    trainer.remove_callback(PrinterCallback)  # LogProgress reports the losses, in one line each
    say(f"tokenized in {duration(time.perf_counter() - started)}")
    timing = probe_worst_batch(trainer.model, recipe, len(tokenizer))
    trainable = sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)
    steps = planned_steps(recipe, len(train), trainer.accelerator.num_processes)
    say(f"{trainable:,} trainable parameters" + (f"; resuming from {checkpoint}" if checkpoint else ""))
    say(f"timed pass: ~{timing.train_s:.1f} s a step of {recipe.batch_size} x {recipe.max_length} tokens, "
        f"so {estimate(timing, recipe, steps, len(validation))}")
    started = time.perf_counter()
    try:
        outcome = trainer.train(resume_from_checkpoint=checkpoint)
    except torch.OutOfMemoryError as exc:
        raise TrainError(f"out of memory at step {trainer.state.global_step}; checkpoints in {out / CHECKPOINTS} "
                         "are kept: lower --batch-size or --max-length, then rerun with --resume") from exc
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted at step {trainer.state.global_step}; rerun the same command with --resume "
                          f"to continue from the last checkpoint in {out / CHECKPOINTS}") from None
    seconds = time.perf_counter() - started
    result = SFTResult(
        spec=spec, base_source=source, adapter=out.resolve(), device=device, dtype=dtype, parameters=params,
        trainable_parameters=trainable, train_samples=len(train), validation_samples=len(data.validation),
        steps=trainer.state.global_step, epochs=float(trainer.state.epoch or 0), seconds=round(seconds, 2),
        samples_per_s=round(float(outcome.metrics.get("train_samples_per_second", 0.0)), 3),
        peak_memory_gib=round(_peak_memory_gib(), 3), resumed_from=checkpoint,
        losses=_losses(trainer.state.log_history, "loss"),
        eval_losses=_losses(trainer.state.log_history, "eval_loss"),
    )
    main = trainer.is_world_process_zero()
    if main:
        say(f"saving the adapter to {out}")
        save_adapter(trainer.model, tokenizer, out)
        if merge:
            say(f"merging the adapter into the base: {out / MERGED}")
            result.merged = save_merged(trainer.model, tokenizer, out / MERGED).resolve()
        _write_records(out, result, say)
    if not validation:
        return result
    validating.reset()
    try:
        trainer.evaluate()
    except KeyboardInterrupt:
        raise Interrupted(f"validation interrupted; the adapter, {RESULT_FILE} and model card in {out} are kept "
                          "(without the final validation loss)") from None
    result.validated_samples = len(validation)
    result.eval_losses = _losses(trainer.state.log_history, "eval_loss")
    if main:
        say(f"validation loss {result.eval_losses[-1].loss:.4g} on {len(validation):,} conversations")
        _write_records(out, result, say)
    return result
