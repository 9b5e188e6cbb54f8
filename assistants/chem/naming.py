"""Structure → IUPAC name as chemists write it, for any structure, checked by reading it back.

openclatura (a deterministic Blue Book namer) writes the name; OPSIN parses it back; the name is a
checked fact only when OPSIN's structure has the same InChIKey as the one named (stereo, isotopes
and charge included). A name that does not come back is withheld, with the reason: openclatura
drops isotope labels ("methanol" for CD3OH) and has no name for some species, and a withheld name
is never shown as a fact. A mixture or salt the namer cannot name whole is named component by
component, in PubChem's "A;B" form, and checked the same way.

The same round trip checks a name anyone else wrote (a model's draft, a stored name): `names_reading_as`,
and `checked_readings` in the checks, which run after the run's budget is spent.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel

from assistants.chem.molecule import InvalidSmiles, inchi_key
from assistants.chem.names import parse_names
from assistants.chem.opsin import OpsinUnavailable, opsin_smiles
from stages.stage import BudgetExceeded


_MULTIPLIED = {"bis": "di", "tris": "tri", "tetrakis": "tetra", "pentakis": "penta", "hexakis": "hexa"}
# PubChem's substituent style → the conventional prefix, and its cations; the counted forms first.
_STYLE = [
    (re.compile(r"\b(bis|tris|tetrakis|pentakis|hexakis)\((fluor|chlor|brom|iod)anyl\)"),
     lambda m: f"{_MULTIPLIED[m[1]]}{m[2]}o"),
    (re.compile(r"\b(bis|tris|tetrakis|pentakis|hexakis)\(oxidanylidene\)"), lambda m: f"{_MULTIPLIED[m[1]]}oxo"),
    (re.compile(r"\b(bis|tris|tetrakis|pentakis|hexakis)\(oxidanyl\)"), lambda m: f"{_MULTIPLIED[m[1]]}hydroxy"),
    (re.compile(r"\b(bis|tris|tetrakis|pentakis|hexakis)\(azanyl\)"), lambda m: f"{_MULTIPLIED[m[1]]}amino"),
    (re.compile(r"(fluor|chlor|brom|iod)anyl"), lambda m: f"{m[1]}o"),
    (re.compile(r"oxidanylidene"), lambda _m: "oxo"),
    (re.compile(r"oxidanyl(?!idene)"), lambda _m: "hydroxy"),
    (re.compile(r"azanyl"), lambda _m: "amino"),
    (re.compile(r"\bazanium\b"), lambda _m: "ammonium"),
    # PubChem lower-cases everything: stereodescriptors in brackets, indicated hydrogen, N- locants
    (re.compile(r"(?<=[(,])(\d*[a-z]?)([rsez])(?=[,)])"), lambda m: f"{m[1]}{m[2].upper()}"),
    (re.compile(r"(?<=\d)h-"), lambda _m: "H-"),
    (re.compile(r"(?<![\w-])n(?=[,-])"), lambda _m: "N"),
]


def restyled(name: str) -> str:
    """A stored name in the conventional style ("1,1-bis(chloranyl)ethane" → "1,1-dichloroethane",
    "(2s)-2-azanylpropanoic acid" → "(2S)-2-aminopropanoic acid"). A candidate only: it is shown
    only after OPSIN reads it back to the same structure, because re-casing can change meaning."""
    for pattern, replace in _STYLE:
        name = pattern.sub(replace, name)
    return name


class CheckedName(BaseModel):
    """A structure's name and whether OPSIN read it back to the same structure."""

    smiles: str
    name: str | None  # the checked name; None when there is none to show
    written: str | None = None  # what the namer wrote, kept even when it did not come back
    checked: bool = False
    note: str = ""  # why there is no checked name


def _key(smiles: str) -> str | None:
    try:
        return inchi_key(smiles)
    except InvalidSmiles:
        return None


def _one_name(smiles: str) -> str:
    import openclatura

    try:
        return openclatura.name_smiles(smiles).strip()
    except Exception:  # the namer raises assorted errors on species it does not handle
        return ""


def _candidates(smiles: str) -> list[str]:
    """openclatura's name for the whole structure, then (several parts) its parts' names joined
    PubChem's way: a salt reads back whole ("sodium acetate"), a mixture only part by part."""
    whole = _one_name(smiles)
    parts = list(dict.fromkeys(smiles.split(".")))
    named = [_one_name(p) for p in parts] if len(parts) > 1 else []
    joined = ";".join(named) if named and all(named) else ""
    return [n for n in dict.fromkeys((whole, joined)) if n]


def name_structures(names: list[str]) -> dict[str, str]:
    """The InChIKey OPSIN reads each name as, in one batch ("A;B" names part by part); names it
    cannot read, or that read as unparsable structures, are left out."""
    try:
        parsed = parse_names(names, opsin_smiles)
    except OpsinUnavailable:
        return {}
    keys = {name: _key(smiles) for name, smiles in parsed.items()}
    return {name: key for name, key in keys.items() if key}


def checked_readings(names: list[str]) -> dict[str, str]:
    """`name_structures` for the checks, which run after the run's budget is spent: then no name is read,
    and a name not read matches nothing (the draft is corrected from the tools' facts, the turn does not fail).
    Never behind a cache: a reading cut short is no reading."""
    try:
        return name_structures(names)
    except BudgetExceeded:
        return {}


def names_reading_as(names: list[str], inchikeys: set[str]) -> dict[str, bool]:
    """For each name, whether OPSIN reads it to a structure with one of `inchikeys` (one batch)."""
    keys = name_structures(names)
    return {name: keys.get(name) in inchikeys for name in names}


@lru_cache(maxsize=8192)
def checked_name(smiles: str, stored: str | None = None) -> CheckedName:
    """The structure's conventional name when OPSIN reads it back to the same InChIKey: the namer's,
    else the `stored` name restyled, else as stored."""
    key = _key(smiles)
    candidates = _candidates(smiles) if key else []
    if key and stored:
        candidates += [n for n in dict.fromkeys((restyled(stored), stored)) if n not in candidates]
    if not candidates:
        return CheckedName(smiles=smiles, name=None, note="the namer has no name for this structure")
    verdicts = names_reading_as(candidates, {key} if key else set())
    name = next((n for n in candidates if verdicts[n]), None)
    if name is not None:
        return CheckedName(smiles=smiles, name=name, written=name, checked=True)
    whose = "the namer's" if candidates[0] != stored else "the compound store's"
    return CheckedName(smiles=smiles, name=None, written=candidates[0],
                       note=f"{whose} '{candidates[0]}' does not read back to this structure in OPSIN")
