"""Exit codes and the failure line shared by every `tristage` command."""

from __future__ import annotations

import typer
from rich.console import Console

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

_err = Console(stderr=True)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    """Print `message` in red on stderr, as written (no rich markup: paths and SMILES keep their
    brackets), and return the exit to raise: `raise fail(...) from None`."""
    _err.print(message, style="red", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code)
