"""Compound records of the store as passages: names and synonyms first, identifiers, properties.

MiniLM reads at most 256 word pieces, so the names a user may ask by come first and the list of
synonyms is capped; the id is the CAS number (unique in the store), so rebuilds are idempotent.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

from assistants.chem.store import Compound, CompoundStore, MeasuredProperty
from stages.retrieval import Passage

SOURCE = "chemicals package (PubChem-derived compound store)"
MAX_SYNONYMS = 10
MAX_NAMES = 5000
_WORD = re.compile(r"[a-z]{4,}", re.IGNORECASE)  # a name, not a code, has a word in it
_CODE = re.compile(r"\d{2,}-\d{2}-\d|[0-9a-f]{8}-[0-9a-f]{4}|\b[a-z]*\d+[a-z]+\d|\.npa|^\W", re.IGNORECASE)


def passage_id(compound: Compound) -> str:
    return f"chem:{compound.cas}"


def title(compound: Compound) -> str:
    """The common name, unless the store has only the CAS number there."""
    common = compound.common_name if compound.common_name != compound.cas else ""
    return common or compound.iupac_name or compound.formula


def _variants(name: str, names: list[str]) -> int:
    """How many other names start with this one as a whole word (`aspirin [usan]`, `ethyl alcohol, 95%`)."""
    size = len(name)
    return sum(1 for other in names if len(other) > size and other.startswith(name) and not other[size].isalnum())


def typed_names(compound: Compound, names: list[str]) -> list[str]:
    """The names a person would type, most common first.

    The store keeps synonyms in alphabetical order, among them registry numbers, depositor codes
    and hashes; those go, and so do variants of the compound's own names. A name the sources list
    in many variants (with a grade, a pharmacopoeia tag, a language) is a common one, so names
    with the most variants come first, then digit-free ones, then shorter ones."""
    main = {compound.common_name.lower(), compound.iupac_name.lower(), compound.cas.lower()}
    wordy = [n for n in names if n.lower() not in main and _WORD.search(n) and not _CODE.search(n)
             and not any(_variants(m, [n]) for m in main if m)]
    return sorted(wordy, key=lambda n: (-_variants(n, names), any(ch.isdigit() for ch in n), len(n), n))


def synonyms(compound: Compound, names: list[str]) -> list[str]:
    """The synonyms a passage lists: the first MAX_SYNONYMS typed names."""
    return typed_names(compound, names)[:MAX_SYNONYMS]


def _property(p: MeasuredProperty) -> str:
    unit = f" {p.unit}" if p.unit else ""
    return f"{p.label} {p.value:.6g}{unit} ({p.kind}, {p.method})"


def compound_text(compound: Compound, names: list[str], properties: list[MeasuredProperty]) -> str:
    parts = [f"{title(compound)}."]
    if compound.iupac_name and compound.iupac_name != title(compound):
        parts.append(f"IUPAC name: {compound.iupac_name}.")
    also = synonyms(compound, names)
    if also:
        parts.append(f"Also known as: {'; '.join(also)}.")
    cid = f", PubChem CID {compound.cid}" if compound.cid and compound.cid > 0 else ""
    parts.append(f"Formula {compound.formula}, molecular weight {compound.mw:.2f} g/mol, CAS {compound.cas}{cid}.")
    parts.append(f"SMILES {compound.smiles}. InChIKey {compound.inchikey}.")
    if properties:
        parts.append("; ".join(_property(p) for p in properties) + ".")
    return " ".join(parts)


def compound_passage(store: CompoundStore, compound: Compound) -> Passage:
    return Passage(
        id=passage_id(compound),
        text=compound_text(compound, store.names_of(compound, MAX_NAMES), store.properties(compound)),
        source=SOURCE,
        metadata={"kind": "compound", "cas": compound.cas, "cid": compound.cid or -1, "formula": compound.formula,
                  "name": title(compound)},
    )


def chosen_compounds(store: CompoundStore, limit: int | None = None, seed: int = 0) -> list[Compound]:
    """All compounds, or a seeded random `limit` of them in store order."""
    compounds = list(store.iter_compounds())
    if limit is None or limit >= len(compounds):
        return compounds
    keep = set(random.Random(seed).sample(range(len(compounds)), limit))
    return [c for i, c in enumerate(compounds) if i in keep]


def compound_passages(store: CompoundStore, compounds: list[Compound]) -> Iterator[Passage]:
    for compound in compounds:
        yield compound_passage(store, compound)
