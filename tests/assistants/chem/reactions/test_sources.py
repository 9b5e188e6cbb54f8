"""Reading mapped reactions from the USPTO formats, reaction SMILES and CSV; refusing unmapped sources."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from assistants.chem.reactions.chemistry import canonical
from assistants.chem.reactions.shipped import (
    DATA_DIR,
    forward_heldout,
    heldout_products,
    retro_heldout,
    training_reactions,
    unmapped_precedents,
)
from assistants.chem.reactions.sources import ReadReport, SourceError, normalise, product_from_edits, read_source

AMIDE = "[CH3:1][C:2](=[O:3])Cl.[CH3:4][CH2:5][NH2:6]>>[CH3:1][C:2](=[O:3])[NH:6][CH2:5][CH3:4]"


def test_a_uspto15k_line_gets_its_product_mapped_from_the_bond_edits() -> None:
    line = gzip.open(DATA_DIR / "uspto15k_train.txt.gz", "rt").readline()
    reaction_smiles, edits = line.split()
    reactants, _, product = reaction_smiles.split(">")
    mapped = product_from_edits(reactants, product, edits)
    assert mapped is not None and ":" in mapped
    assert canonical(mapped) == canonical(product)


def test_wrong_edits_give_no_product() -> None:
    assert product_from_edits("[CH3:1][OH:2]", "CC", ";;1-2-1.0;") is None


def test_leaving_groups_are_unmapped_and_spectators_become_reagents() -> None:
    reactants, _, product = AMIDE.split(">")
    reaction = normalise("r1", reactants + ".[Na+:9].[Cl-:10]", product)
    assert not isinstance(reaction, str)
    assert reaction.reagents == ("[Cl-]", "[Na+]")
    assert "Cl" in reaction.reactants and "Cl:" not in reaction.reactants


def test_an_unmapped_product_is_refused() -> None:
    assert normalise("r1", "CC(=O)Cl.CCN", "CCNC(C)=O") == "no atom maps"


def test_csv_and_line_sources(tmp_path: Path) -> None:
    csv_file = tmp_path / "mine.csv"
    csv_file.write_text(f"id,class,rxn_smiles\nUS1,2,{AMIDE}\nUS2,2,not a reaction\n")
    report = ReadReport()
    [reaction] = list(read_source(csv_file, report))
    assert (reaction.id, reaction.reaction_class) == ("US1", 2)
    assert report.read == 2 and report.dropped == {"not a reaction SMILES": 1}
    lines = tmp_path / "mine.smi"
    lines.write_text(f"# mapped\n{AMIDE}\n")
    assert [r.product for r in read_source(lines)] == [reaction.product]


def test_a_source_without_atom_maps_is_refused_in_one_line(tmp_path: Path) -> None:
    source = tmp_path / "plain.smi"
    source.write_text("CC(=O)Cl.CCN>>CCNC(C)=O\n" * 3)
    with pytest.raises(SourceError, match="no atom-mapped reactions"):
        list(read_source(source))
    ord_export = tmp_path / "x.pb.gz"
    ord_export.write_bytes(b"")
    with pytest.raises(SourceError, match="ORD protocol-buffer"):
        list(read_source(ord_export))
    with pytest.raises(SourceError, match="no such reaction source"):
        list(read_source(tmp_path / "missing.csv"))


@pytest.mark.slow
def test_no_training_reaction_has_a_held_out_product() -> None:
    banned = heldout_products()
    assert len(forward_heldout()) > 1400 and 900 < len(retro_heldout()) < 1100  # a few 15K edits do not rebuild
    assert not {canonical(r.product) for r in training_reactions()} & banned
    pairs = list(unmapped_precedents())
    assert len(pairs) > 35_000 and not {p.product for p in pairs} & banned


def test_mapped_uspto50k_train_rows_are_a_template_source_and_not_also_unmapped() -> None:
    mapped = list(read_source(DATA_DIR / "uspto50k_train_mapped.csv.gz"))
    assert mapped and all(r.id.startswith("uspto50k-train-") and r.reaction_class for r in mapped)
    ids = {r.id for r in mapped}
    assert not ids & {p.id for p in unmapped_precedents(ids)}
