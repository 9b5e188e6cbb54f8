"""Compound records of the real store as passages."""

from __future__ import annotations

import pytest

from assistants.chem.store import CompoundStore, get_store
from assistants.knowledge.chem import MAX_SYNONYMS, chosen_compounds, compound_passage, title


@pytest.fixture(scope="module")
def store() -> CompoundStore:
    return get_store()


def test_a_compound_passage_leads_with_its_names_then_identifiers_and_properties(store: CompoundStore) -> None:
    ethanol = store.by_name("ethanol")
    assert ethanol is not None
    passage = compound_passage(store, ethanol)
    assert passage.id == "chem:64-17-5"
    assert passage.text.startswith("ethanol. Also known as: ")
    listed = passage.text.split("Also known as: ")[1].split(". Formula")[0].split("; ")
    assert listed[:2] == ["ethyl alcohol", "alcohol"]  # the names with most variants lead
    assert not any(name[0].isdigit() or name.startswith("(") for name in listed)  # no codes or registry numbers
    assert "Formula C2H6O, molecular weight 46.07 g/mol, CAS 64-17-5, PubChem CID 702." in passage.text
    assert "SMILES CCO. InChIKey LFQSCWFLJHTTHZ-UHFFFAOYSA-N." in passage.text
    assert "Normal boiling point 351." in passage.text and "K (measured" in passage.text
    assert passage.metadata == {"kind": "compound", "cas": "64-17-5", "cid": 702, "formula": "C2H6O", "name": "ethanol"}
    assert 0 < len(listed) <= MAX_SYNONYMS and "ethanol" not in listed


def test_a_cas_number_in_place_of_a_common_name_is_not_a_title(store: CompoundStore) -> None:
    compound = store.by_cas("45296-12-6")
    assert compound is not None and compound.common_name == compound.cas
    assert title(compound) == compound.iupac_name


def test_a_seeded_sample_is_reproducible_and_in_store_order(store: CompoundStore) -> None:
    first = chosen_compounds(store, limit=25, seed=3)
    assert [c.cas for c in first] == [c.cas for c in chosen_compounds(store, limit=25, seed=3)]
    assert [c.cas for c in first] != [c.cas for c in chosen_compounds(store, limit=25, seed=4)]
    assert len(first) <= 25 and len({c.cas for c in first}) == len(first)
