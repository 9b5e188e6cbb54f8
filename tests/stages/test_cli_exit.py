"""The failure line every command ends with: the message as written, in red on stderr, and its code."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from stages.cli_exit import EXIT_BAD_INPUT, EXIT_INTERNAL, fail

app = typer.Typer()


@app.command()
def broken(internal: bool = False) -> None:
    raise fail("cannot read [Na+].[Cl-] from /data/[x].csv", EXIT_INTERNAL if internal else EXIT_BAD_INPUT)


def test_fail_prints_the_message_verbatim_and_exits_with_its_code() -> None:
    runner = CliRunner()
    result = runner.invoke(app, [])
    assert result.exit_code == EXIT_BAD_INPUT == 2
    assert "cannot read [Na+].[Cl-] from /data/[x].csv" in result.stderr
    assert result.stdout == ""
    assert runner.invoke(app, ["--internal"]).exit_code == EXIT_INTERNAL == 1
