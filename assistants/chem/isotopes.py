"""Store values of isotope-labelled compounds held against their unlabelled parent.

Isotopologues boil and melt within a few kelvin of each other (D2O 101.4 °C, H2O 100.0 °C); a store
value far from the parent's ("chloroform-d boils at 0.5 °C" against 61.2 °C) is a data error, so it is
set aside and reported instead of being vouched for.
"""

from __future__ import annotations

from pydantic import BaseModel

from assistants.chem.molecule import InvalidSmiles, canonical_smiles, inchi_key, parse_smiles
from assistants.chem.store import TEMPERATURE_KEYS, CompoundStore, MeasuredProperty

ISOTOPOLOGUE_SPREAD_K = 10.0


class DoubtfulValue(BaseModel):
    """A store value that disagrees with the unlabelled parent's."""

    value: MeasuredProperty
    parent: str
    parent_value: MeasuredProperty


def unlabelled_smiles(smiles: str) -> str | None:
    """The same structure with every isotope label removed; None when there were none."""
    from rdkit import Chem

    mol = Chem.Mol(parse_smiles(smiles))
    labelled = [atom for atom in mol.GetAtoms() if atom.GetIsotope()]
    if not labelled:
        return None
    for atom in labelled:
        atom.SetIsotope(0)
    return canonical_smiles(Chem.MolToSmiles(mol))


def doubtful_values(smiles: str, properties: list[MeasuredProperty], store: CompoundStore) -> list[DoubtfulValue]:
    """Temperatures of a labelled compound more than ISOTOPOLOGUE_SPREAD_K from its parent's."""
    try:
        parent_smiles = unlabelled_smiles(smiles)
        parent = store.by_inchikey(inchi_key(parent_smiles)) if parent_smiles else None
    except InvalidSmiles:
        return []
    if parent is None:
        return []
    theirs = {p.key: p for p in store.properties(parent) if p.key in TEMPERATURE_KEYS}
    name = parent.common_name or parent.iupac_name
    return [DoubtfulValue(value=p, parent=name, parent_value=theirs[p.key]) for p in properties
            if p.key in theirs and abs(p.value - theirs[p.key].value) > ISOTOPOLOGUE_SPREAD_K]
