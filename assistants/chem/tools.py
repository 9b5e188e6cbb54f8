"""Store-backed lookups as plain functions of plain arguments (for agents, builders and the UI)."""

from __future__ import annotations

from assistants.chem.resolve import MoleculeRecord, StructureName, Unresolved, resolve_cas, resolve_names, structure_to_name
from assistants.chem.store import get_store
from stages.config import get_settings


def name_to_structure(name: str) -> MoleculeRecord | Unresolved:
    """A compound name (common, IUPAC or synonym) to its structure: the store, then OPSIN, then PubChem
    when enabled; unknown names come back with near-miss suggestions.

    Args:
        name: the name as the user wrote it (casing matters to OPSIN).
    """
    return resolve_names([name], get_store(), online=get_settings().pubchem_online)[0]


def structure_name(smiles: str) -> StructureName:
    """IUPAC and common names for a SMILES from the compound store; says so when it is not there.

    Args:
        smiles: any valid SMILES.
    """
    return structure_to_name(smiles, get_store())


def cas_lookup(cas: str) -> MoleculeRecord | Unresolved:
    """A CAS registry number to the compound, with its names and measured properties.

    Args:
        cas: CAS number such as 64-17-5.
    """
    return resolve_cas(cas, get_store())
