"""The external-names benchmark: its scoring reads the reply text, and bad data is one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import names_dev
from benchmarks.trust_common import part_of, sub_formula
from assistants.chem.formulas import formula_counts

STEROID_ACETATE = "CC(=O)OC1CCC2(C)C(=CCC3C2CCC2(C)C(=O)CCC32)C1"  # dehydroepiandrosterone acetate


def test_a_piece_of_the_named_molecule_is_a_fragment() -> None:
    assert part_of("CC(=O)[O-]", STEROID_ACETATE)
    assert part_of("CCOCCS(=O)(=O)N(CC)CC(=O)[O-]", "CCOCCS(=O)(=O)N(CC)CC(=O)OCC")
    assert not part_of(STEROID_ACETATE, STEROID_ACETATE)
    assert not part_of("CCCCCCCCCCCCCCCCCC", "c1ccccc1")


def test_a_formula_inside_the_named_formula_is_a_fragment() -> None:
    assert sub_formula(formula_counts("C8H16NO5S"), formula_counts("C10H21NO5S"))
    assert not sub_formula(formula_counts("C10H21NO5S"), formula_counts("C10H21NO5S"))
    assert not sub_formula(formula_counts("C2H3Cl"), formula_counts("C10H21NO5S"))


def _csv(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    lines = ["CID,smiles,iupac,formula", *(",".join(f'"{cell}"' for cell in row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_store_names_are_scored_from_the_reply_text(tmp_path: Path) -> None:
    data = _csv(tmp_path / "names.csv", [
        ("2244", "CC(=O)OC1=CC=CC=C1C(=O)O", "2-acetyloxybenzoic acid", "C9H8O4"),
        ("2519", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "1,3,7-trimethylpurine-2,6-dione", "C8H10N4O2"),
        ("702", "CCO", "2-acetyloxybenzoic acid", "C2H6O"),  # a deliberately wrong truth: must score wrong
    ])
    out = tmp_path / "out.json"
    assert names_dev.main(["--data", str(data), "--phrasings", "all", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    outcomes = report["outcomes"]
    assert len(outcomes) == 3 * len(names_dev.PHRASINGS)
    right = [o for o in outcomes if o["cid"] in ("2244", "2519")]
    wrong = [o for o in outcomes if o["cid"] == "702"]
    assert right and wrong
    assert all(o["structure_right"] is not False and o["formula_right"] is not False for o in right)
    assert not any(o["structure_right"] or o["formula_right"] for o in wrong)
    assert report["summary"]["right"]["count"] == len(right)


def test_missing_data_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert names_dev.main(["--data", str(tmp_path / "absent.csv")]) == 2
    assert capsys.readouterr().err.strip().startswith("error: no data file at")
    bad = tmp_path / "bad.csv"
    bad.write_text("CID,name\n1,x\n")
    assert names_dev.main(["--data", str(bad)]) == 2
    assert "lacks the columns" in capsys.readouterr().err
