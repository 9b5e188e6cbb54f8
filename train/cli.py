"""`tristage train sft`: LoRA fine-tuning on a dataset build, then evaluation and a model card."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from stages.cli_exit import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, fail
from stages.config import DEFAULT_MODEL, get_settings
from train.errors import Interrupted, TrainError
from train.recipe import SFTRecipe

train_app = typer.Typer(help="Fine-tune models on dataset builds (LoRA SFT) and write their model cards.")
out = Console()
err = Console(stderr=True)
DEFAULTS = SFTRecipe()
MODES = ("model", "pipeline")

EvalOpt = Annotated[str | None, typer.Option("--eval", help="Eval suite to run on base and fine-tune")]
EvalLimitOpt = Annotated[int | None, typer.Option("--eval-limit", min=1, help="Items of the suite (a seeded sample)")]
EvalModeOpt = Annotated[list[str] | None, typer.Option("--eval-mode", help="model and/or pipeline (repeatable)")]
EntropyOpt = Annotated[int, typer.Option("--entropy-texts", min=0, help="Validation prompts for the entropy analysis (0: skip)")]
DeviceOpt = Annotated[str, typer.Option("--device", help="Evaluation device: auto, cpu, cuda")]


def _say(message: str) -> None:
    err.print(message, markup=False, highlight=False, soft_wrap=True)


@train_app.command("sft")
def sft_command(
    data: Annotated[Path, typer.Option("--data", help="A dataset build folder (`tristage data build`)")],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder: the adapter, checkpoints and model card")],
    base: Annotated[str, typer.Option("--base", help="Base model: alias, local folder or hub id")] = DEFAULT_MODEL,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the run in --out from its last checkpoint")] = False,
    merge: Annotated[bool, typer.Option("--merge", help="Also write merged weights to OUT/merged")] = False,
    lora_r: Annotated[int, typer.Option("--lora-r", min=1, help="LoRA rank")] = DEFAULTS.lora_r,
    lora_alpha: Annotated[int, typer.Option("--lora-alpha", min=1, help="LoRA alpha")] = DEFAULTS.lora_alpha,
    lora_dropout: Annotated[float, typer.Option("--lora-dropout", help="LoRA dropout")] = DEFAULTS.lora_dropout,
    target_modules: Annotated[str, typer.Option("--target-modules", help="all-linear or q_proj,v_proj,...")] = DEFAULTS.target_modules,
    lr: Annotated[float, typer.Option("--lr", help="Learning rate")] = DEFAULTS.learning_rate,
    neftune: Annotated[float, typer.Option("--neftune-alpha", help="NEFTune noise alpha (0: off)")] = DEFAULTS.neftune_noise_alpha or 0.0,
    epochs: Annotated[float, typer.Option("--epochs", help="Passes over the train split")] = DEFAULTS.epochs,
    max_steps: Annotated[int, typer.Option("--max-steps", help="Stop after N steps (smoke runs; -1: epochs)")] = -1,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Sequences per device per step")] = DEFAULTS.batch_size,
    grad_accum: Annotated[int, typer.Option("--grad-accum", min=1, help="Gradient accumulation steps")] = DEFAULTS.grad_accum,
    max_length: Annotated[int | None, typer.Option(
        "--max-length", min=16, help="Tokens per sequence (default: the longest sample, at most 256 on a CPU, "
        "1024 on a GPU)")] = DEFAULTS.max_length,
    eval_samples: Annotated[str, typer.Option(
        "--eval-samples", help="Validation conversations (a seeded sample), or all")] = str(DEFAULTS.eval_samples),
    warmup: Annotated[float, typer.Option("--warmup", help="Warm-up fraction (<1) or steps")] = DEFAULTS.warmup,
    scheduler: Annotated[str, typer.Option("--scheduler", help="Learning-rate schedule")] = DEFAULTS.scheduler,
    logging_steps: Annotated[int, typer.Option("--logging-steps", min=1, help="Log the loss every N steps")] = DEFAULTS.logging_steps,
    save_steps: Annotated[int, typer.Option("--save-steps", min=1, help="Checkpoint and validate every N steps")] = DEFAULTS.save_steps,
    seed: Annotated[int, typer.Option("--seed", help="Seed")] = DEFAULTS.seed,
    gradient_checkpointing: Annotated[bool, typer.Option("--gradient-checkpointing", help="Less memory, more compute")] = False,
    assistant_only_loss: Annotated[bool, typer.Option("--assistant-only-loss", help="Loss on each conversation's last answer only")] = False,
    group_by_length: Annotated[bool, typer.Option("--group-by-length/--no-group-by-length",
                                                  help="Batch conversations of similar length")] = DEFAULTS.group_by_length,
    dtype: Annotated[str, typer.Option("--dtype", help="auto, float32, bfloat16, float16")] = DEFAULTS.dtype,
    trust_remote_code: Annotated[bool, typer.Option("--trust-remote-code", help="Run code shipped with the base")] = False,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Use only the first N conversations per split")] = None,
    eval_suite: EvalOpt = None,
    eval_limit: EvalLimitOpt = None,
    eval_mode: EvalModeOpt = None,
    entropy_texts: EntropyOpt = 16,
    device: DeviceOpt = "auto",
) -> None:
    """LoRA SFT of --base on --data's train split (validated on its validation split); writes the adapter,
    checkpoints, train.json and a model card to --out, then validates on a seeded sample. Ctrl-C while training
    keeps the checkpoints (rerun with --resume); during validation or evaluation, the adapter and its card."""
    from train.dataset import load_training_data
    from train.sft import is_main_process, run_sft

    modes = eval_mode or list(MODES)
    try:
        recipe = SFTRecipe(
            eval_samples=_eval_samples(eval_samples),
            lora_r=lora_r, lora_alpha=lora_alpha, lora_dropout=lora_dropout, target_modules=target_modules,
            learning_rate=lr, neftune_noise_alpha=neftune or None, epochs=epochs, max_steps=max_steps,
            batch_size=batch_size, grad_accum=grad_accum, max_length=max_length, warmup=warmup, scheduler=scheduler,
            logging_steps=logging_steps, save_steps=save_steps, seed=seed, gradient_checkpointing=gradient_checkpointing,
            assistant_only_loss=assistant_only_loss, group_by_length=group_by_length, dtype=dtype, trust_remote_code=trust_remote_code,  # type: ignore[arg-type]
        )
        _check_modes(modes)
    except (ValueError, TrainError) as exc:
        raise fail(str(exc), EXIT_BAD_INPUT) from None
    try:
        training = load_training_data(data, limit)
        result = run_sft(training, base, out_dir, recipe, get_settings().cache_dir, resume=resume, merge=merge,
                         progress=_say)
    except Interrupted as exc:
        raise fail(str(exc), EXIT_INTERRUPTED) from None
    except KeyboardInterrupt:
        raise fail(f"interrupted; rerun the same command with --resume to go on in {out_dir}",
                    EXIT_INTERRUPTED) from None
    except TrainError as exc:
        raise fail(str(exc), EXIT_BAD_INPUT) from None
    except Exception as exc:  # one line for anything unforeseen, never a traceback
        raise fail(f"training stopped: {type(exc).__name__}: {exc}", EXIT_INTERNAL) from None
    if result.losses:
        out.print(f"loss {result.losses[0].loss:.4f} (step {result.losses[0].step}) → "
                  f"{result.losses[-1].loss:.4f} (step {result.losses[-1].step}); "
                  f"{result.samples_per_s:.2f} samples/s; peak {result.peak_memory_gib:.2f} GiB", highlight=False)
    if is_main_process():
        _report(out_dir, eval_suite, eval_limit, modes, entropy_texts, device)


@train_app.command("report")
def report_command(
    out_dir: Annotated[Path, typer.Argument(help="The output folder of a finished `tristage train sft`")],
    eval_suite: EvalOpt = None,
    eval_limit: EvalLimitOpt = None,
    eval_mode: EvalModeOpt = None,
    entropy_texts: EntropyOpt = 16,
    device: DeviceOpt = "auto",
) -> None:
    """Evaluate base and fine-tune again (other suite, more items, another machine) and rewrite the model card."""
    modes = eval_mode or list(MODES)
    try:
        _check_modes(modes)
    except TrainError as exc:
        raise fail(str(exc), EXIT_BAD_INPUT) from None
    _report(out_dir, eval_suite, eval_limit, modes, entropy_texts, device)


@train_app.command("pipeline-set")
def pipeline_set_command(
    chem: Annotated[list[Path], typer.Option("--chem", help="A chem dataset build whose questions are asked (repeatable)")],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder: a dataset build `tristage train sft` reads")],
    bars: Annotated[Path | None, typer.Option("--bars", help="Daily bars of many tickers (date, OHLCV, ticker; .csv/.csv.gz)")] = None,
    per_task: Annotated[int, typer.Option("--per-task", min=1, help="Train questions per chem task")] = 160,
    held_out: Annotated[int, typer.Option("--held-out", min=0, help="Validation and test questions per task (each)")] = 12,
    per_ticker: Annotated[int, typer.Option("--per-ticker", min=1, help="Breakouts asked per ticker")] = 1,
    footprints: Annotated[int, typer.Option("--footprints", min=0, help="Synthetic footprint breakouts asked")] = 150,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the question samples")] = 0,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace a build already in --out")] = False,
) -> None:
    """Build the pipeline-shaped training set: the questions asked through the real chem and breakout
    pipelines with a teacher that copies the tool facts; every model call of a run whose first draft
    passed its checks becomes one conversation (the exact prompt, then the checked answer)."""
    from train.pipeline_set import (breakout_questions, build_pipeline_set, chem_questions, footprint_questions,
                                     select_questions)
    from stages.models import resolve_model

    splits = {"train": per_task, "validation": held_out, "test": held_out}
    try:
        asked = select_questions([q for build in chem for q in chem_questions(build)], splits, seed)
        if bars is not None:
            ticker_splits = {"train": 10 ** 6, "validation": 10 ** 6, "test": 10 ** 6}
            asked += select_questions(list(breakout_questions(bars, per_ticker, seed)), ticker_splits, seed)
        asked += list(footprint_questions(footprints, seed))
        tokenizer = _tokenizer(resolve_model(DEFAULT_MODEL, get_settings().cache_dir))
        tally = build_pipeline_set(asked, out_dir, lambda text: len(tokenizer(text).input_ids), overwrite=overwrite,
                                   progress=lambda done, total, kept: _say(f"{done:,}/{total:,} questions, {kept:,} conversations")
                                   if done % 250 == 0 or done == total else None)
    except (OSError, ValueError) as exc:
        raise fail(str(exc), EXIT_BAD_INPUT) from None
    out.print(f"{tally.conversations:,} conversations from {tally.kept_questions:,} of {tally.questions:,} questions "
              f"({tally.first_draft_failed:,} first drafts failed, {tally.too_long:,} too long) in {tally.seconds:.0f} s "
              f"→ {out_dir}", highlight=False)


@train_app.command("ship")
def ship_command(
    run: Annotated[Path, typer.Argument(help="The output folder of a finished `tristage train sft`")],
    dest: Annotated[Path, typer.Option("--to", help="The adapter folder to write (replaced whole)")],
    base_id: Annotated[str, typer.Option("--base-id", help="The base model's public hub id, for the adapter config")]
    = "HuggingFaceTB/SmolLM2-135M-Instruct",
) -> None:
    """Make a run's adapter fit to ship: the base named by its hub id, float16 weights, the model card."""
    from train.ship import ship_adapter

    try:
        written = ship_adapter(run, dest, base_id)
    except (TrainError, OSError) as exc:
        raise fail(str(exc), EXIT_BAD_INPUT) from None
    size = sum(p.stat().st_size for p in written.iterdir()) / 1e6
    out.print(f"adapter shipped to {written} ({size:.1f} MB)", highlight=False)


def _tokenizer(source: str) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(source)


def _eval_samples(text: str) -> int | None:
    """--eval-samples: a positive count, or all (None)."""
    if text.strip().lower() == "all":
        return None
    if not text.strip().isdigit() or int(text) < 1:
        raise TrainError(f"--eval-samples takes a positive number or all, not {text!r}")
    return int(text)


def _check_modes(modes: list[str]) -> None:
    if unknown := sorted(set(modes) - set(MODES)):
        raise TrainError(f"unknown --eval-mode {', '.join(unknown)}; use model and/or pipeline")


def _report(out_dir: Path, eval_suite: str | None, eval_limit: int | None, modes: list[str], entropy_texts: int,
            device: str) -> None:
    """Eval and entropy of base against fine-tune, then the model card; prints the eval rows."""
    from train.card import write_card
    from train.compare import compare_entropy, compare_eval, prompts_of
    from train.dataset import load_training_data
    from train.sft import read_result

    try:
        result = read_result(out_dir)
        base = result.spec.base
        evaluation = entropy = None
        if eval_suite:
            _say(f"evaluating base and fine-tune on {eval_suite}")
            evaluation = compare_eval(eval_suite, base, out_dir, out_dir, modes, eval_limit, device=device,  # type: ignore[arg-type]
                                      progress=_say)
        if entropy_texts:
            _say(f"matrix entropy of base and fine-tune (the adapter and card are in {out_dir} already)")
            training = load_training_data(result.spec.data)
            texts = prompts_of(training.validation or training.train, entropy_texts)
            entropy = compare_entropy(texts, result, out_dir, get_settings().cache_dir, device, progress=_say)
        card = write_card(out_dir, result, evaluation, entropy)
    except KeyboardInterrupt:
        raise fail(f"evaluation interrupted; the adapter, train.json and model card in {out_dir} are kept",
                    EXIT_INTERRUPTED) from None
    except TrainError as exc:
        raise fail(str(exc), EXIT_BAD_INPUT) from None
    except Exception as exc:  # one line for anything unforeseen, never a traceback
        raise fail(f"the report stopped: {type(exc).__name__}: {exc}", EXIT_INTERNAL) from None
    if evaluation is not None:
        table = Table("configuration", "items", "accuracy", "mean s", title=f"{evaluation.suite}: base vs fine-tuned")
        for row in evaluation.rows:
            table.add_row(row.config, str(row.n), f"{row.accuracy:.1%}", f"{row.latency_mean_s:.2f}")
        out.print(table)
    out.print(f"adapter: {result.adapter}\nmodel card: {card}", markup=False, highlight=False)
