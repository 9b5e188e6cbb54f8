"""Entities to molecules: name → structure (store, OPSIN, PubChem) and structure → name.

A molecule record carries only what the tools established. Its IUPAC name is one OPSIN reads back to
the same structure (`assistants.chem.naming`: the namer's, else the store's), else none, so nothing
downstream can invent one; the store's names stay synonyms.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from assistants.chem.isotopes import DoubtfulValue, doubtful_values
from assistants.chem.molecule import DescriptorSet, InvalidSmiles, MoleculeFacts, descriptors, inchi_key, molecule_facts
from assistants.chem.name_table import shown_names
from assistants.chem.naming import checked_name
from assistants.chem.opsin import OpsinUnavailable, opsin_smiles
from assistants.chem.pubchem import PubChemUnavailable, pubchem_smiles
from assistants.chem.store import Compound, CompoundStore, MeasuredProperty

Source = Literal["store", "opsin", "smiles", "pubchem"]
StoreMatch = Literal["exact", "skeleton", "none"]


class MoleculeRecord(MoleculeFacts):
    """One resolved molecule: identifiers computed by RDKit, names and properties from the store."""

    query: str
    source: Source
    name: str | None = Field(None, description="IUPAC name that OPSIN reads back to this structure; None when none does")
    name_note: str = Field("", description="Why there is no name")
    common_name: str | None = None
    cid: int | None = None
    cas: str | None = None
    store_match: StoreMatch = "none"
    store_note: str = ""
    properties: list[MeasuredProperty] = Field(default_factory=list)
    doubtful: list[DoubtfulValue] = Field(default_factory=list, description="store values set aside: far from the unlabelled parent's")
    descriptors: DescriptorSet | None = None


def label(molecule: MoleculeRecord) -> str:
    """The molecule as replies name it: its common name, else its IUPAC name, else what the user wrote."""
    return molecule.common_name or molecule.name or molecule.query


def shown_name(smiles: str, store_name: str | None) -> tuple[str | None, str]:
    """The IUPAC name replies show, and why there is none: a name OPSIN reads back to this structure
    (the namer's, else the store's restyled or as stored). A store name that does not read back stays
    a synonym, found by lookup, but is not shown as the structure's name. Store species are looked up
    in the shipped table of these decisions (`name_table`); anything else is decided now."""
    try:
        decided = shown_names().get(inchi_key(smiles))  # a store species, whatever the caller matched
    except InvalidSmiles:
        decided = None
    if decided is not None:
        return (decided, "") if decided else (None, "no checked name: no name for it reads back to this "
                                                    "structure in OPSIN")
    checked = checked_name(smiles, store_name)
    return (checked.name, "") if checked.checked else (None, f"no checked name: {checked.note}")


def compound_name(compound: Compound) -> str | None:
    """A store compound's shown IUPAC name (see `shown_name`)."""
    return shown_name(compound.smiles, compound.iupac_name or None)[0]


def _vetted(record: MoleculeRecord, store: CompoundStore) -> MoleculeRecord:
    """The record with store values an isotope label cannot explain set aside as doubtful."""
    if not record.isotopes or not record.properties:
        return record
    doubtful = doubtful_values(record.smiles, record.properties, store)
    if not doubtful:
        return record
    keys = {d.value.key for d in doubtful}
    return record.model_copy(update={"properties": [p for p in record.properties if p.key not in keys], "doubtful": doubtful})


class Unresolved(BaseModel):
    """An entity the tools could not turn into a molecule, with the reason and near misses."""

    query: str
    kind: Literal["name", "smiles", "cas"]
    problem: str
    message: str
    suggestions: list[str] = Field(default_factory=list)


def record_from_smiles(smiles: str, query: str, source: Source, store: CompoundStore) -> MoleculeRecord:
    """Facts for a parsable SMILES, with the store's names when its InChIKey is known."""
    facts = molecule_facts(smiles)
    compound = store.by_inchikey(facts.inchikey)
    match: StoreMatch = "exact" if compound else "none"
    note = ""
    if compound is None:
        near = store.by_skeleton(facts.inchikey, limit=1)
        if near:
            match, compound = "skeleton", near[0]
            note = (
                f"The store has {shown_name(near[0].smiles, near[0].iupac_name)[0] or near[0].common_name or near[0].iupac_name} with the "
                "same connectivity but a "
                "different stereo, isotope or charge layer; its name is not this exact species."
            )
    exact = compound if match == "exact" else None
    name, name_note = shown_name(facts.smiles, exact.iupac_name if exact else None)
    return _vetted(MoleculeRecord(
        query=query,
        source=source,
        **facts.model_dump(),
        name=name,
        name_note=name_note,
        common_name=(exact.common_name or None) if exact else None,
        cid=exact.cid if exact else None,
        cas=exact.cas if exact else None,
        store_match=match,
        store_note=note,
        properties=store.properties(exact) if exact else [],
        descriptors=descriptors(smiles),
    ), store)


def _from_compound(compound: Compound, query: str, store: CompoundStore) -> MoleculeRecord | Unresolved:
    try:
        record = record_from_smiles(compound.smiles, query, "store", store)
    except InvalidSmiles as exc:
        return Unresolved(query=query, kind="name", problem="store_smiles", message=f"The store's structure for '{query}' does not parse: {exc}")
    if record.store_match != "exact":  # RDKit's InChIKey differs from PubChem's: keep the store's identity
        name, name_note = shown_name(compound.smiles, compound.iupac_name)
        record = record.model_copy(
            update={
                "name": name,
                "name_note": name_note,
                "common_name": compound.common_name or None,
                "cid": compound.cid,
                "cas": compound.cas,
                "store_match": "exact",
                "store_note": "",
                "properties": store.properties(compound),
            }
        )
        record = _vetted(record, store)
    return record


def resolve_smiles(smiles: str, store: CompoundStore) -> MoleculeRecord | Unresolved:
    try:
        return record_from_smiles(smiles, smiles, "smiles", store)
    except InvalidSmiles as exc:
        return Unresolved(query=smiles, kind="smiles", problem=exc.problem, message=str(exc))


def resolve_cas(cas: str, store: CompoundStore) -> MoleculeRecord | Unresolved:
    compound = store.by_cas(cas)
    if compound is None:
        return Unresolved(query=cas, kind="cas", problem="unknown", message=f"CAS number {cas} is not in the compound store.")
    return _from_compound(compound, cas, store)


def resolve_names(
    names: list[str], store: CompoundStore, use_opsin: bool = True, online: bool = False,
    parsed: dict[str, str] | None = None, tried: dict[str, list[str]] | None = None,
) -> list[MoleculeRecord | Unresolved]:
    """Store first, then OPSIN on the rest in one batch (the user's casing), then PubChem if enabled.

    `parsed`: what OPSIN already made of these names while they were found in the text; OPSIN is
    then not asked again. `tried`: the spans tried for a name nothing resolved, said in its message.
    """
    results: list[MoleculeRecord | Unresolved | None] = []
    for name in names:
        compound = store.by_name(name)
        results.append(_from_compound(compound, name, store) if compound else None)
    pending = [i for i, r in enumerate(results) if r is None]
    notes: dict[int, str] = {}
    if parsed is not None:
        found: list[str | None] = [parsed.get(names[i]) for i in pending]
    elif pending and use_opsin:
        try:
            found = opsin_smiles([names[i] for i in pending])
        except OpsinUnavailable as exc:
            found = [None] * len(pending)
            notes = {i: str(exc) for i in pending}
    else:
        found = [None] * len(pending)
    for i, smiles in zip(pending, found, strict=True):
        if smiles:
            results[i] = _opsin_record(smiles, names[i], store)
    for i, result in enumerate(results):
        if result is None and online:
            result = _pubchem_record(names[i], store, notes)
        if result is None:
            result = _unknown_name(names[i], store, notes.get(i, ""), (tried or {}).get(names[i], []))
        results[i] = result
    return [r for r in results if r is not None]


def _opsin_record(smiles: str, name: str, store: CompoundStore) -> MoleculeRecord | Unresolved:
    try:
        return record_from_smiles(smiles, name, "opsin", store)
    except InvalidSmiles as exc:
        return Unresolved(query=name, kind="name", problem="opsin_structure", message=f"OPSIN's structure for '{name}' is not valid: {exc}")


def _pubchem_record(name: str, store: CompoundStore, notes: dict[int, str]) -> MoleculeRecord | Unresolved | None:
    try:
        smiles = pubchem_smiles(name)
    except PubChemUnavailable as exc:
        return _unknown_name(name, store, str(exc), [])
    if smiles is None:
        return None
    try:
        return record_from_smiles(smiles, name, "pubchem", store)
    except InvalidSmiles as exc:
        return Unresolved(query=name, kind="name", problem="pubchem_structure", message=f"PubChem's structure for '{name}' is not valid: {exc}")


def _unknown_name(name: str, store: CompoundStore, note: str, tried: list[str]) -> Unresolved:
    suggestions = store.suggest(name)
    hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
    extra = f" ({note})" if note else ""
    others = [t for t in tried if t != name][:5]
    words = f" Also tried: {', '.join(repr(t) for t in others)}." if others else ""
    return Unresolved(
        query=name,
        kind="name",
        problem="unknown",
        message=f"'{name}' is not in the compound store and OPSIN cannot parse it as a systematic name{extra}.{words}{hint}",
        suggestions=suggestions,
    )


class StructureName(BaseModel):
    """Structure → name: the checked or stored name, the store's synonyms, or a plain statement that there is none."""

    smiles: str
    inchikey: str
    iupac_name: str | None
    common_name: str | None
    synonyms: list[str] = Field(default_factory=list)
    in_store: bool
    message: str


def structure_to_name(smiles: str, store: CompoundStore) -> StructureName:
    record = record_from_smiles(smiles, smiles, "smiles", store)
    in_store = record.store_match == "exact"
    compound = store.by_inchikey(record.inchikey) if in_store else None
    synonyms = store.names_of(compound, limit=10) if compound else []
    if record.name:
        checked = "" if in_store else " (not in the compound store; OPSIN reads this name back to the same structure)"
        return StructureName(smiles=record.smiles, inchikey=record.inchikey, iupac_name=record.name,
                             common_name=record.common_name, synonyms=synonyms, in_store=in_store,
                             message=f"IUPAC name: {record.name}{checked}")
    message = f"I cannot give a verified name for this structure: {record.name_note.removeprefix('no checked name: ')}."
    if record.store_note:
        message = f"{message} {record.store_note}"
    return StructureName(smiles=record.smiles, inchikey=record.inchikey, iupac_name=None, common_name=None,
                         synonyms=synonyms, in_store=in_store, message=message)
