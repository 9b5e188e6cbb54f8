"""The shipped table of shown names is what the naming function decides today (a stale table fails)."""

from __future__ import annotations

import random

from assistants.chem.molecule import InvalidSmiles, inchi_key
from assistants.chem.name_table import shown_names
from assistants.chem.naming import checked_name
from assistants.chem.store import CompoundStore


def test_the_table_covers_the_store_and_agrees_with_the_naming_function(store: CompoundStore) -> None:
    table = shown_names()
    compounds = [c for c in store.iter_compounds() if c.inchikey]
    assert len(table) >= 0.95 * len(compounds)
    checked = 0
    for compound in random.Random(7).sample(compounds, 40):
        try:
            shown = table.get(inchi_key(compound.smiles))
        except InvalidSmiles:
            continue
        if shown is not None:
            assert shown == (checked_name(compound.smiles, compound.iupac_name or None).name or ""), compound.smiles
            checked += 1
    assert checked >= 30
