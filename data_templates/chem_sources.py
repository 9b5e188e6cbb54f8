"""Compound records for the chem builder: the compound store, or CSV / JSONL / SDF files.

Sources stream rows in file order and never parse SMILES themselves (that is the workers'
job); a row without a structure becomes a `Malformed` entry that the manifest counts.
Column names are matched case-insensitively, so PubChem downloads work as they are.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from assistants.chem.store import MeasuredProperty
from data_templates.domain import Malformed

_SMILES_KEYS = ("smiles", "canonical_smiles", "isomeric_smiles", "canonicalsmiles", "isomericsmiles", "pubchem_smiles",
                "pubchem_openeye_can_smiles", "pubchem_openeye_iso_smiles", "connectivitysmiles")
_NAME_KEYS = ("iupac_name", "iupacname", "pubchem_iupac_name", "name")
_ID_KEYS = ("cid", "id", "pubchem_compound_cid", "cas")
_FORMULA_KEYS = ("formula", "molecular_formula", "molecularformula", "pubchem_molecular_formula")
_INCHIKEY_KEYS = ("inchikey", "inchi_key", "pubchem_iupac_inchikey")


class ChemRecord(BaseModel):
    """One compound as a source states it; the builder recomputes every fact from `smiles`."""

    source: str
    source_id: str
    smiles: str
    iupac_name: str = ""
    synonyms: list[str] = Field(default_factory=list)
    formula: str = Field("", description="the source's formula, cross-checked against the structure")
    inchikey: str = ""
    cas: str = Field("", description="the CAS number, which the hazard tables are keyed by")
    properties: list[MeasuredProperty] = Field(default_factory=list)


def store_records() -> Iterator[ChemRecord]:
    """Every compound of the store with its names and measured properties, in store order."""
    from assistants.chem.store import get_store

    for compound, names, properties in get_store().iter_entries():
        yield ChemRecord(
            source="store",
            source_id=str(compound.cid),
            smiles=compound.smiles,
            iupac_name=compound.iupac_name,
            synonyms=[n for n in names if n != compound.iupac_name],
            formula=compound.formula,
            inchikey=compound.inchikey,
            cas=compound.cas,
            properties=[p for p in properties if p.kind == "measured"],
        )


def _pick(row: dict[str, Any], keys: tuple[str, ...]) -> str:
    for key in keys:
        value = row.get(key)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def record_from_row(row: dict[str, Any], source: str, number: int) -> ChemRecord | Malformed:
    """A record from one table row (keys lower-cased); Malformed when it has no structure."""
    lowered = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
    source_id = _pick(lowered, _ID_KEYS) or str(number)
    smiles = _pick(lowered, _SMILES_KEYS)
    if not smiles:
        return Malformed(source=source, source_id=source_id, reason="missing SMILES", detail=f"row {number}")
    synonyms = lowered.get("synonyms") or lowered.get("synonym") or []
    if isinstance(synonyms, str):
        synonyms = [s.strip() for s in synonyms.replace("|", ";").split(";") if s.strip()]
    return ChemRecord(
        source=source,
        source_id=source_id,
        smiles=smiles,
        iupac_name=_pick(lowered, _NAME_KEYS),
        synonyms=[str(s) for s in synonyms],
        formula=_pick(lowered, _FORMULA_KEYS),
        inchikey=_pick(lowered, _INCHIKEY_KEYS),
    )


def csv_records(path: Path) -> Iterator[ChemRecord | Malformed]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=1):
            yield record_from_row(row, path.name, number)


def jsonl_records(path: Path) -> Iterator[ChemRecord | Malformed]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Malformed(source=path.name, source_id=str(number), reason="unreadable row", detail=str(exc))
                continue
            if not isinstance(row, dict):
                yield Malformed(source=path.name, source_id=str(number), reason="unreadable row", detail="not an object")
                continue
            yield record_from_row(row, path.name, number)


def sdf_records(path: Path) -> Iterator[ChemRecord | Malformed]:
    """SDF blocks streamed with RDKit; a block RDKit cannot read is counted as malformed."""
    from rdkit import Chem, rdBase

    with path.open("rb") as handle, rdBase.BlockLogs():
        for number, mol in enumerate(Chem.ForwardSDMolSupplier(handle, sanitize=False), start=1):
            if mol is None:
                yield Malformed(source=path.name, source_id=str(number), reason="unreadable structure",
                                detail=f"SDF block {number}")
                continue
            props = {k.lower(): v for k, v in mol.GetPropsAsDict().items()}
            if not _pick(props, _SMILES_KEYS):
                props["smiles"] = Chem.MolToSmiles(mol)
            props.setdefault("name", mol.GetProp("_Name") if mol.HasProp("_Name") else "")
            yield record_from_row(props, path.name, number)


_READERS = {".csv": csv_records, ".jsonl": jsonl_records, ".sdf": sdf_records}


def file_records(path: Path) -> Iterator[ChemRecord | Malformed]:
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise ValueError(f"{path.name}: unsupported compound file type (use {', '.join(_READERS)})")
    return reader(path)
