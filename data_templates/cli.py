"""`tristage data build|stats|preview|lock|augment`: instruction datasets from template packs and tools."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from data_templates.templates import TemplateError
from stages.cli_exit import EXIT_INTERNAL, fail

data_app = typer.Typer(help="Build instruction datasets (chem, breakout) from template packs filled by the tools.")
out = Console()
err = Console(stderr=True)

DomainName = Literal["chem", "breakout"]


def _formats(values: list[str]) -> list[str]:
    from data_templates.exporters import FORMATS

    chosen = [v.strip() for value in values for v in value.split(",") if v.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise fail(f"unknown format(s) {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    return chosen


@data_app.command("build")
def build_command(
    domain: Annotated[DomainName, typer.Argument(help="chem or breakout")],
    out_dir: Annotated[Path, typer.Option("--out", help="Output directory (new or empty, or a build to resume)")],
    fmt: Annotated[list[str], typer.Option("--format", help="openai, sharegpt, alpaca, parquet (repeat or comma-separate)")] = ["openai"],  # noqa: B006
    limit: Annotated[int | None, typer.Option(help="Read at most N source rows")] = None,
    seed: Annotated[int, typer.Option(help="Seed for paraphrase choice and corruptions")] = 0,
    workers: Annotated[int, typer.Option(help="Worker processes (or Ray tasks with --engine ray)")] = 1,
    engine: Annotated[Literal["local", "ray"], typer.Option(help="local processes or Ray Data")] = "local",
    source: Annotated[list[Path], typer.Option("--source", help="Input files (chem: CSV/JSONL/SDF; breakout: OHLCV CSV/parquet, footprint text/CSV)")] = [],  # noqa: B006
    reactions: Annotated[list[Path], typer.Option("--reactions", help="chem: atom-mapped reaction files for the reaction "
                                                  "tasks (reaction SMILES lines, CSV, USPTO formats; .gz ok) instead of "
                                                  "the shipped reactions")] = [],  # noqa: B006
    task: Annotated[list[str], typer.Option("--task", help="Only these template packs (repeatable)")] = [],  # noqa: B006
    samples: Annotated[bool, typer.Option("--samples/--no-samples", help="breakout: include the bundled OHLCV samples")] = True,
    ticker: Annotated[list[str], typer.Option("--ticker", help="breakout: fetch this ticker from Yahoo Finance (repeatable)")] = [],  # noqa: B006
    start: Annotated[str, typer.Option(help="breakout: first date for --ticker")] = "2015-01-01",
    end: Annotated[str, typer.Option(help="breakout: end date (exclusive) for --ticker")] = "2025-01-01",
    interval: Annotated[str, typer.Option(help="breakout: bar interval for --ticker (1d, 1h, ...)")] = "1d",
    chunk: Annotated[int, typer.Option(help="Source rows per committed chunk")] = 1000,
    isolate_heldout: Annotated[bool, typer.Option(
        "--isolate-heldout-scaffolds",
        help="chem: also send every molecule sharing a scaffold with a held-out compound to test (about half the store)",
    )] = False,
    resume: Annotated[bool, typer.Option(help="Continue an interrupted build in --out")] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace the build in --out")] = False,
) -> None:
    """Build a dataset: shards + manifest, exports per format and split, and a dataset card."""
    from data_templates.builder import BuildOptions, build
    from data_templates.shards import OutputDirError, check_output

    missing = [str(p) for p in [*source, *reactions] if not p.is_file()]
    if missing:
        raise fail(f"source file(s) not found: {', '.join(missing)}")
    try:
        check_output(out_dir, resume, overwrite)
        options = BuildOptions(seed=seed, limit=limit, workers=workers, engine=engine, chunk_records=chunk,
                               formats=_formats(fmt), resume=resume, overwrite=overwrite)  # type: ignore[arg-type]
        yahoo = {"tickers": ticker, "start": start, "end": end, "interval": interval}
        made = make_domain(domain, source, task, samples, isolate_heldout, yahoo, reactions)
    except ValueError as exc:  # TemplateError, OutputDirError and invalid options are all ValueErrors
        raise fail(str(exc)) from None
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=False) as bar:
        job = bar.add_task(f"{domain}: source rows", total=limit)
        try:
            manifest = build(made, out_dir, options, progress=lambda n: bar.update(job, completed=n))
        except (OutputDirError, TemplateError) as exc:
            bar.stop()
            raise fail(str(exc)) from None
    total = sum(sum(c.values()) for c in manifest.counts.values())
    skipped = sum(manifest.skipped.values())
    dropped = "".join(f", {count:,} left out ({reason})" for reason, count in sorted(manifest.dropped.items()))
    err.print(f"{total:,} samples from {manifest.records:,} rows in {manifest.seconds:.1f} s; "
              f"{skipped:,} rows skipped, {manifest.invalid:,} samples failed checks, "
              f"{manifest.duplicates:,} duplicates removed{dropped} → {out_dir}", soft_wrap=True)


def make_domain(domain: str, files: list[Path], tasks: list[str], samples: bool = True,  # noqa: ANN201
                isolate_heldout: bool = False, yahoo: dict | None = None, reactions: list[Path] | None = None):
    """The builder domain for a CLI name; unknown packs and reaction files without atom maps fail
    here, before any record is read."""
    from data_templates.templates import domain_packs

    names = [p.name for p in domain_packs("chem" if domain == "chem" else "market", tasks)] if tasks else []
    if domain == "chem":
        from data_templates.chem import ChemDomain, heldout_scaffolds
        from data_templates.chem_reactions import probe

        for path in reactions or []:
            probe(path)
        scaffolds = heldout_scaffolds() if isolate_heldout else frozenset()
        return ChemDomain(files=files, reactions=reactions or [], tasks=names, heldout_scaffolds=scaffolds)
    if reactions:
        raise ValueError("--reactions applies to the chem domain only")
    from data_templates.market import MarketDomain, YahooSeries

    return MarketDomain(files=files, tasks=names, bundled=samples, yahoo=YahooSeries.model_validate(yahoo or {}))


@data_app.command("stats")
def stats_command(
    out_dir: Annotated[Path, typer.Argument(help="A dataset build directory")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the manifest's counts as JSON")] = False,
) -> None:
    """Samples per task and split, skipped rows and checks of a build."""
    from data_templates.card import count_rows
    from data_templates.shards import read_manifest

    manifest = read_manifest(out_dir) if out_dir.is_dir() else None
    if manifest is None:
        raise fail(f"{out_dir} holds no dataset build (no manifest.json)")
    if as_json:
        keep = ("status", "records", "counts", "skipped", "dropped", "invalid", "duplicates", "exports", "seconds")
        sys.stdout.write(json.dumps(manifest.model_dump(include=set(keep)), indent=2) + "\n")
        return
    header, rows = count_rows(manifest)
    table = Table(*header, title=f"{out_dir} ({manifest.status}, {manifest.records:,} source rows)")
    for row in rows:
        table.add_row(*(cell.replace("**", "") for cell in row))
    out.print(table)
    for reason, count in sorted(manifest.skipped.items()):
        out.print(f"skipped {count:,}: {reason}")
    for reason, count in sorted(manifest.dropped.items()):
        out.print(f"left out {count:,}: {reason}")
    out.print(f"failed checks: {manifest.invalid:,}; duplicates removed: {manifest.duplicates:,}")


@data_app.command("preview")
def preview_command(
    template: Annotated[str, typer.Argument(help="A template pack, e.g. chem.formula or formula")],
    count: Annotated[int, typer.Option("-n", help="How many samples")] = 3,
    seed: Annotated[int, typer.Option(help="Seed")] = 0,
    source: Annotated[list[Path], typer.Option("--source", help="Input files instead of the default source")] = [],  # noqa: B006
) -> None:
    """Render a few real samples of one template pack."""
    from data_templates.preview import preview_samples

    try:
        shown = preview_samples(template, count, seed, source)
    except (TemplateError, ValueError) as exc:
        raise fail(str(exc)) from None
    for sample in shown:
        out.rule(f"{sample.meta.task} · {sample.meta.source}#{sample.meta.source_id} · {' '.join(sample.meta.templates)}")
        for message in sample.messages:
            out.print(f"[bold]{message.role}:[/bold] ", end="")
            out.print(message.content, markup=False, highlight=False)


@data_app.command("lock")
def lock_command() -> None:
    """Record the version and content hash of every template pack (after bumping changed ones)."""
    from data_templates.templates import all_packs, write_lock

    try:
        path = write_lock(all_packs())
    except TemplateError as exc:
        raise fail(str(exc)) from None
    out.print(f"lock written: {path.name} ({len(all_packs())} packs)")


@data_app.command("intents")
def intents_command() -> None:
    """Rewrite the labelled wordings the assistants' intent readers are fitted on (packs + intents/*.yaml)."""
    from data_templates.intents import write_examples

    try:
        paths = write_examples()
    except (TemplateError, KeyError, ValueError) as exc:
        raise fail(f"could not build the intent examples: {exc}") from None
    for path in paths:
        out.print(f"intent examples written: {path.parent.parent.name}/{path.parent.name}/{path.name} "
                  f"({len(json.loads(path.read_text(encoding='utf-8'))['examples'])} wordings)")


@data_app.command("augment")
def augment_command(
    template: Annotated[str, typer.Argument(help="A pack, e.g. chem.formula or market.footprint_dialogue")],
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the augmented pack (YAML)")],
    per_template: Annotated[int, typer.Option("-n", help="Rewrites asked for per template")] = 3,
    examples: Annotated[int, typer.Option(help="Real records every candidate is validated on")] = 5,
    source: Annotated[list[Path], typer.Option("--source", help="Input files instead of the default source")] = [],  # noqa: B006
    backend: Annotated[str | None, typer.Option("--backend", help="Backend kind (default: the configured one)")] = None,
    model: Annotated[str | None, typer.Option("--model", help="Model alias, folder, hub id or served name")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint")] = None,
) -> None:
    """Ask a model for new paraphrases of a pack; keep those every validator accepts."""
    from data_templates.augment import augment_pack, write_pack
    from data_templates.preview import pack_examples
    from data_templates.templates import get_pack
    from stages.backends import make_backend
    from stages.backends.base import BackendError
    from stages.config import BackendConfig, get_settings

    if out_file.exists():
        raise fail(f"{out_file} exists; choose a new file")
    try:
        pack = get_pack(template)
        tasks = [pack.name] if pack.kind == "task" else [turn.task for turn in pack.turns]
        facts = {task: pack_examples(get_pack(task), examples, files=source) for task in tasks}
        update = {k: v for k, v in (("kind", backend), ("model", model), ("base_url", base_url)) if v is not None}
        config = BackendConfig.model_validate({**get_settings().backend.model_dump(), **update})
        with err.status(f"asking {config.kind}:{config.model} for paraphrases of {pack.name}…"):
            result = augment_pack(pack, make_backend(config), facts, per_template)
    except ValueError as exc:
        raise fail(str(exc)) from None
    except BackendError as exc:
        raise fail(f"the model backend failed: {exc}", EXIT_INTERNAL) from None
    write_pack(result.pack, out_file)
    asked = "questions" if pack.kind == "task" else "follow-ups"
    out.print(f"{pack.name} v{result.pack.version}: +{len(result.added_questions)} {asked}, "
              f"+{len(result.added_answers)} answers, {len(result.rejected)} candidates rejected → {out_file}")
    for line in result.rejected[:10]:
        err.print(f"  rejected: {line}", markup=False, highlight=False)
