"""The model card (`README.md` of the output folder): data, recipe, training, evaluation, serving.

Written from the records of the run alone, so it can be rewritten at any time (after a later
evaluation, say) and always says the same thing about the same run.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from data_templates.shards import read_manifest
from stages.atomic import write_text
from train.results import EntropyComparison, EvalComparison, SFTResult

CARD = "README.md"
ASSISTANT_OF_DOMAIN = {"chem": "chem", "market": "breakout"}


def serve_commands(result: SFTResult, assistant: str) -> list[str]:
    """Shell lines that serve the adapter: vLLM (on a GPU host) and tristage's embedded backend."""
    adapter = str(result.adapter)
    vllm = ["tristage", "vllm", "command", "base-lora", "--model", result.base_source,
            "--lora", f"{result.adapter.name}={adapter}"]
    embedded = ["tristage", "ask", assistant, "<question>", "--model", result.spec.base]
    return [shlex.join(vllm), f"TRISTAGE_BACKEND__ADAPTER={shlex.quote(adapter)} {shlex.join(embedded)}"]


def _losses(result: SFTResult) -> list[str]:
    if not result.losses:
        return ["No loss was logged (fewer steps than --logging-steps)."]
    first, last = result.losses[0], result.losses[-1]
    lines = [f"Training loss {first.loss:.4f} (step {first.step}) → {last.loss:.4f} (step {last.step}).", "",
             "| step | training loss |", "|---:|---:|"]
    lines += [f"| {p.step} | {p.loss:.4f} |" for p in result.losses]
    if result.eval_losses:
        lines += ["", "| step | validation loss |", "|---:|---:|"]
        lines += [f"| {p.step} | {p.loss:.4f} |" for p in result.eval_losses]
    return lines


def _validated(result: SFTResult) -> str:
    if not result.validated_samples:
        return "final validation not run or interrupted"
    share = "all" if result.validated_samples == result.validation_samples else "a seeded sample"
    return f"validated on {result.validated_samples:,}: {share}"


def _evaluation(comparison: EvalComparison | None) -> list[str]:
    if comparison is None:
        return ["Not run: `tristage train report <this folder> --eval SUITE`."]
    lines = [f"Suite `{comparison.suite}` v{comparison.suite_version}, seed {comparison.seed}, "
             f"{comparison.limit or 'all'} items; full report: `{comparison.report}`.", "",
             "| configuration | items | accuracy | 95% CI | mean s |", "|---|---:|---:|---|---:|"]
    lines += [f"| {r.config} | {r.n} | {r.accuracy:.1%} | {r.low:.0%}–{r.high:.0%} | {r.latency_mean_s:.2f} |"
              for r in comparison.rows]
    return lines


def _entropy(comparison: EntropyComparison | None) -> list[str]:
    if comparison is None:
        return ["Not run (`--entropy-texts 0`)."]
    return [f"{comparison.texts} validation prompts; per-layer tables and plot: `{comparison.report}`.", "",
            "| | base | fine-tuned |", "|---|---:|---:|",
            f"| mean effective rank over layers | {comparison.mean_erank_base:.3f} "
            f"| {comparison.mean_erank_tuned:.3f} |",
            "", f"Diff-eRank (base − tuned): mean over layers {comparison.mean_diff_erank:+.3f}, "
            f"last layer {comparison.last_layer_diff_erank:+.3f}."]


def model_card(result: SFTResult, evaluation: EvalComparison | None, entropy: EntropyComparison | None) -> str:
    spec, recipe = result.spec, result.spec.recipe
    name = result.adapter.name
    manifest = read_manifest(spec.data)
    counts = manifest.counts if manifest else {}
    domain = str(manifest.config.get("domain", "")) if manifest else ""
    commands = serve_commands(result, ASSISTANT_OF_DOMAIN.get(domain, "general"))
    lines = [
        f"# {name}: a LoRA adapter of {spec.base}", "",
        f"Fine-tuned with tristage (TRL SFT + PEFT LoRA) on `{spec.data}`.", "",
        "## Data", "",
        f"- dataset: `{spec.data}` (domain {domain or '?'})",
        f"- sha256 of manifest.json and every shard: `{spec.data_sha256}`",
        f"- conversations: {result.train_samples:,} train, {result.validation_samples:,} validation "
        f"({_validated(result)})",
        "", "| task | train | validation | test |", "|---|---:|---:|---:|",
        *(f"| {task} | {c.get('train', 0)} | {c.get('validation', 0)} | {c.get('test', 0)} |"
          for task, c in sorted(counts.items())),
        "", "## Hyperparameters", "", "| name | value |", "|---|---|",
        *(f"| {key} | {value} |" for key, value in recipe.model_dump().items()),
        "", "## Training", "",
        f"- base: `{spec.base}` → `{result.base_source}` "
        f"({result.parameters / 1e6:,.1f} M parameters, {result.dtype})",
        f"- trainable (LoRA): {result.trainable_parameters:,} parameters",
        f"- device: {result.device}; {result.steps} steps, {result.epochs:.2f} epochs in {result.seconds:.0f} s "
        f"({result.samples_per_s:.2f} samples/s); peak memory {result.peak_memory_gib:.2f} GiB",
        *([f"- resumed from `{result.resumed_from}`"] if result.resumed_from else []),
        *([f"- merged weights: `{result.merged}`"] if result.merged else []),
        "", *_losses(result),
        "", "## Evaluation before / after", "", *_evaluation(evaluation),
        "", "## Matrix entropy before / after", "", *_entropy(entropy),
        "", "## Serving", "",
        "This folder is the adapter. vLLM (GPU host; the base must be the one trained on):", "",
        "```", commands[0], "```", "",
        "tristage's embedded backend (the base with the adapter merged on load; the same variable serves "
        "`tristage eval`, `tristage serve` and the UI):", "",
        "```", commands[1], "```", "",
        "## Limits", "",
        "Trained on template-generated conversations: the adapter learns their phrasing and formats, and its "
        "numbers are only as good as the tools that wrote the answers. A few dozen CPU steps need not beat the "
        "base model; read the evaluation rows above before serving it.", "",
    ]
    return "\n".join(lines)


def write_card(out: Path, result: SFTResult, evaluation: EvalComparison | None,
               entropy: EntropyComparison | None) -> Path:
    path = out / CARD
    write_text(path, model_card(result, evaluation, entropy))
    return path
