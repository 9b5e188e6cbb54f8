"""`tristage kb build|query|stats|drop`: the knowledge bases the assistants retrieve from."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from assistants.knowledge.bases import CHEM_SAMPLE, DESCRIPTIONS, KbName
from assistants.knowledge.chroma import BuildReport, KnowledgeBase, KnowledgeConfig, list_knowledge_bases
from stages.cli_exit import EXIT_INTERNAL, fail
from stages.retrieval import RetrievalUnavailable
from stages.stage import BadInput

kb_app = typer.Typer(help="Knowledge bases the assistants retrieve from and cite (Chroma, offline embeddings).")
out = Console()
err = Console(stderr=True, soft_wrap=True)

KbArg = Annotated[KbName, typer.Argument(help="chem, breakout or docs")]


class RateColumn(ProgressColumn):
    """Passages per second over rich's recent window (blank until it has one)."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:.1f} passages/s" if task.speed else "")


def _base(name: str) -> KnowledgeBase:
    return KnowledgeBase(name, KnowledgeConfig.from_settings())


@kb_app.command("build")
def build_command(
    name: KbArg,
    path: Annotated[Path | None, typer.Argument(help="docs: a file or folder of .txt/.md/.pdf files")] = None,
    limit: Annotated[int | None, typer.Option(
        min=1, help=f"chem: index a seeded sample of N compounds (default {CHEM_SAMPLE:,})")] = None,
    every: Annotated[bool, typer.Option("--all", help="chem: index the whole compound store (~76k records)")] = False,
    seed: Annotated[int, typer.Option(help="chem: seed of the sample")] = 0,
) -> None:
    """Build or refresh a knowledge base; unchanged passages are not embedded again."""
    from assistants.knowledge.bases import build_breakout, build_chem, build_docs

    if (name == "docs") != (path is not None):
        raise fail("a path is required for docs and only for docs: tristage kb build docs PATH")
    if every and limit is not None:
        raise fail("--all and --limit exclude each other: the whole store, or a sample of N compounds")
    base = _base(name)
    columns = (TextColumn(f"[bold]{name}[/bold]"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
               RateColumn(), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    try:
        with Progress(*columns, console=err, transient=False) as bar:
            task = bar.add_task(name, total=None)

            def advance(n: int) -> None:
                bar.advance(task, n)

            def total(n: int) -> None:
                bar.update(task, total=n)

            if name == "chem":
                reports = [build_chem(base, None if every else limit or CHEM_SAMPLE, seed, advance, total)]
            elif name == "breakout":
                reports = [build_breakout(base, advance, total)]
            else:
                assert path is not None
                reports = build_docs(base, path, advance, total)
    except BadInput as exc:
        raise fail(str(exc)) from None
    except RetrievalUnavailable as exc:
        raise fail(str(exc), EXIT_INTERNAL) from None
    _print_reports(reports, base)


def _print_reports(reports: list[BuildReport], base: KnowledgeBase) -> None:
    upserted = sum(r.upserted for r in reports)
    unchanged = sum(r.unchanged for r in reports)
    deleted = sum(r.deleted for r in reports)
    out.print(f"{base.name}: {upserted:,} embedded, {unchanged:,} unchanged, {deleted:,} removed; "
              f"{base.count():,} passages in the {base.config.where}", highlight=False)


@kb_app.command("query")
def query_command(
    name: KbArg,
    text: Annotated[str, typer.Argument(help="What to look for")],
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="Passages to return")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """Show the passages closest to a text, as the assistants would see them."""
    if not text.strip():
        raise fail("the query is empty")
    try:
        passages = _base(name).retrieve(text, k)
    except RetrievalUnavailable as exc:
        raise fail(str(exc), EXIT_INTERNAL) from None
    if as_json:
        sys.stdout.write(json.dumps({"passages": [p.model_dump(mode="json") for p in passages]}, ensure_ascii=False) + "\n")
        return
    table = Table("id", "distance", "text")
    for p in passages:
        table.add_row(p.id, f"{p.score:.3f}" if p.score is not None else "", p.text)
    out.print(table)


@kb_app.command("stats")
def stats_command(as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False) -> None:
    """Passages per knowledge base, and where the store is."""
    config = KnowledgeConfig.from_settings()
    try:
        stats = {s.name: s.count for s in list_knowledge_bases(config)}
    except RetrievalUnavailable as exc:
        raise fail(str(exc), EXIT_INTERNAL) from None
    if as_json:
        sys.stdout.write(json.dumps({"store": config.where, "passages": stats}) + "\n")
        return
    table = Table("knowledge base", "passages", "contents", title=config.where)
    for name, description in DESCRIPTIONS.items():
        table.add_row(name, f"{stats[name]:,}" if name in stats else "not built", description)
    out.print(table)


@kb_app.command("drop")
def drop_command(name: KbArg) -> None:
    """Delete a knowledge base (rebuild it with `kb build`)."""
    try:
        dropped = _base(name).drop()
    except RetrievalUnavailable as exc:
        raise fail(str(exc), EXIT_INTERNAL) from None
    out.print(f"{name}: dropped" if dropped else f"{name}: was not built")
