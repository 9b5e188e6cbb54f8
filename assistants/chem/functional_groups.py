"""Functional groups by SMARTS: a small table, matched with RDKit substructure search."""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel
from rdkit import Chem

from assistants.chem.molecule import cached_mol

# (name, SMARTS); more specific groups first so captions read naturally.
GROUPS: tuple[tuple[str, str], ...] = (
    ("carboxylic acid", "[CX3](=O)[OX2H1]"),
    ("carboxylate", "[CX3](=O)[OX1-]"),
    ("ester", "[#6][CX3](=O)[OX2H0][#6]"),
    ("amide", "[NX3][CX3](=[OX1])[#6]"),
    ("acyl halide", "[CX3](=[OX1])[F,Cl,Br,I]"),
    ("anhydride", "[CX3](=[OX1])[OX2][CX3](=[OX1])"),
    ("aldehyde", "[CX3H1](=O)[#6]"),
    ("ketone", "[#6][CX3](=O)[#6]"),
    ("alcohol", "[OX2H][CX4]"),
    ("phenol", "[OX2H]c"),
    ("ether", "[OD2;!$(O[CX3]=O)]([#6])[#6]"),
    ("primary amine", "[NX3;H2;!$(NC=O)][#6]"),
    ("secondary amine", "[NX3;H1;!$(NC=O)]([#6])[#6]"),
    ("tertiary amine", "[NX3;H0;!$(NC=O);!$(N=*);!$(N#*);!$([N+])]([#6])([#6])[#6]"),
    ("nitrile", "[NX1]#[CX2]"),
    ("nitro", "[$([NX3](=O)=O),$([NX3+](=O)[O-])]"),
    ("thiol", "[#16X2H]"),
    ("sulfide", "[#16X2H0]([#6])[#6]"),
    ("sulfonamide", "[SX4](=O)(=O)[NX3]"),
    ("sulfonic acid", "[SX4](=O)(=O)[OX2H]"),
    ("phosphate or phosphonate", "[PX4](=O)([OX2])"),
    ("alkene", "[CX3]=[CX3]"),
    ("alkyne", "[CX2]#[CX2]"),
    ("aromatic ring", "a1aaaaa1"),
    ("heteroaromatic ring", "[a;!c]"),
    ("halide", "[CX4][F,Cl,Br,I]"),
    ("aryl halide", "c[F,Cl,Br,I]"),
)


class GroupMatch(BaseModel):
    name: str
    count: int


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, Chem.Mol]]:
    return [(name, Chem.MolFromSmarts(smarts)) for name, smarts in GROUPS]


def functional_groups(smiles: str) -> list[GroupMatch]:
    """Functional groups present in the molecule, with how many times each occurs.

    Args:
        smiles: any valid SMILES.
    """
    mol = cached_mol(smiles)
    found = []
    for name, pattern in _patterns():
        matches = mol.GetSubstructMatches(pattern)
        if matches:
            found.append(GroupMatch(name=name, count=len(matches)))
    return found
