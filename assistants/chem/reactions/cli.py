"""`tristage reactions build|predict|retro|info`: the template library and its predictions from the shell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistants.chem.reactions.inputs import BadReactionInput, reactant_input, target_input
from stages.cli_exit import EXIT_INTERNAL, fail
from stages.config import get_settings

reactions_app = typer.Typer(help="Reaction templates: forward prediction and one-step retrosynthesis from precedent reactions.")
out = Console()
err = Console(stderr=True, soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the structured answer as JSON")]


def _bar() -> Progress:
    return Progress(TextColumn("[bold]templates[/bold]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err)


@reactions_app.command("build")
def build_command(
    source: Annotated[Path, typer.Option("--source", help="Atom-mapped reactions: reaction SMILES lines, CSV, USPTO-15K/50K files (.gz ok)")],
    shipped: Annotated[bool, typer.Option("--shipped/--no-shipped", help="Add the shipped USPTO training reactions")] = True,
) -> None:
    """Build a template library from your own mapped reactions and make it the current one."""
    from assistants.chem.reactions.library import build_from_source
    from assistants.chem.reactions.sources import SourceError

    try:
        with _bar() as bar:
            task = bar.add_task("templates", total=None)
            library, report = build_from_source(source, get_settings().cache_dir, shipped,
                                                lambda done, total: bar.update(task, completed=done, total=total))
    except SourceError as exc:
        raise fail(str(exc)) from None
    dropped = ", ".join(f"{n} {why}" for why, n in sorted(report.dropped.items())) or "none"
    out.print(f"{report.kept:,} of {report.read:,} reactions read from {source.name} (dropped: {dropped})")
    out.print(f"library: {library.meta['precedents']} precedents, {library.meta['templates']} templates ({library.meta['source']})")


def _print_answer(answer: object, as_json: bool) -> None:
    from assistants.chem.reactions.answer import ReactionAnswer, compose_reaction

    assert isinstance(answer, ReactionAnswer)
    if as_json:
        out.print_json(json.dumps(answer.model_dump(mode="json")))
    else:
        out.print(compose_reaction(answer), highlight=False)
    if answer.problem:
        raise typer.Exit(EXIT_INTERNAL)


@reactions_app.command("predict")
def predict_command(reactants: Annotated[str, typer.Argument(help="A.B, 'A + B', A.B>> or A.B>agents> (SMILES or names)")],
                    as_json: JsonOpt = False) -> None:
    """The main product of the reactants, with alternatives and the precedent behind it."""
    from assistants.chem.reactions.answer import answer_forward
    from assistants.chem.reactions.library import get_library

    try:
        molecules, agents = reactant_input(reactants)
    except BadReactionInput as exc:
        raise fail(str(exc)) from None
    _print_answer(answer_forward(get_library(), molecules + agents), as_json)


@reactions_app.command("retro")
def retro_command(target: Annotated[str, typer.Argument(help="The one molecule to make (SMILES or name)")],
                  as_json: JsonOpt = False) -> None:
    """One-step precursors of a target, each re-checked forward, with precedents."""
    from assistants.chem.reactions.answer import answer_retro
    from assistants.chem.reactions.library import get_library

    try:
        molecule = target_input(target)
    except BadReactionInput as exc:
        raise fail(str(exc)) from None
    _print_answer(answer_retro(get_library(), molecule), as_json)


@reactions_app.command("info")
def info_command() -> None:
    """The current library: where it came from and its size (built first if missing)."""
    from assistants.chem.reactions.library import current_path, get_library

    library = get_library()
    out.print(json.dumps({"path": str(current_path(get_settings().cache_dir)), **library.meta}, indent=2))
