"""Building a library from a user's source, and the reactions CLI's answers and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistants.chem.reactions.library import CURRENT_POINTER, build_from_source, load_library
from assistants.chem.reactions.shipped import DATA_DIR
from assistants.chem.reactions.sources import SourceError
from serve.cli import app

runner = CliRunner()


def _mapped_source(tmp_path: Path, rows: int = 30) -> Path:
    import gzip

    lines = gzip.open(DATA_DIR / "uspto50k_valid.csv.gz", "rt").read().splitlines()[: rows + 1]
    source = tmp_path / "mine.csv"
    source.write_text("\n".join(lines) + "\n")
    return source


def test_a_user_source_becomes_the_current_library(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    library, report = build_from_source(_mapped_source(tmp_path), cache, include_shipped=False)
    assert report.kept == 30 and len(library) >= 25 and len(library.templates) <= len(library)
    assert (cache / "chem" / CURRENT_POINTER).is_file()
    assert load_library(cache).ids == library.ids
    assert not list((cache / "chem").glob(".*.tmp"))


def test_an_unmapped_source_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    source = tmp_path / "plain.smi"
    source.write_text("CC(=O)Cl.CCN>>CCNC(C)=O\n")
    with pytest.raises(SourceError):
        build_from_source(source, cache)
    assert not cache.exists() or not any(cache.rglob("*"))
    monkeypatch.setenv("TRISTAGE_CACHE_DIR", str(cache))
    result = runner.invoke(app, ["reactions", "build", "--source", str(source)])
    assert result.exit_code == 2 and "no atom-mapped reactions" in result.output
    assert not cache.exists() or not any(cache.rglob("*"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["predict", "CC(C"], "not valid SMILES"),
        (["predict", "CCO>CC"], "not reaction SMILES"),
        (["predict", "CC(=O)Cl.CCN>>CCNC(C)=O"], "already names its products"),
        (["predict", ".".join(["C"] * 50)], "50 molecules"),
        (["retro", "CC(=O)Cl.CCN>>"], "a reaction was given"),
        (["retro", "CCO.CCN"], "several molecules"),
        (["predict", "flubbergaster + ethanol"], "neither valid SMILES nor a known molecule name"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["reactions", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_predict_and_retro_answer_first_with_a_precedent() -> None:
    forward = runner.invoke(app, ["reactions", "predict", "CC(=O)Cl.CCN>>"])
    assert forward.exit_code == 0, forward.output
    assert forward.output.startswith("Product: CCNC(C)=O") and "precedents, e.g. " in forward.output
    retro = runner.invoke(app, ["reactions", "retro", "CCNC(C)=O"])
    assert retro.exit_code == 0, retro.output
    assert retro.output.startswith("Reactants: ") and "re-checked forward" in retro.output
