"""Lenient reading of a model's draft: labelled lines (`SMILES: ...`) plus chemistry mentioned anywhere.

A 135M model cannot be trusted to write JSON, so the draft format is a few labelled lines; what
does not parse is kept as raw text and still checked for SMILES, formulas and masses.
"""

from __future__ import annotations

import re

from typing import Literal

from pydantic import BaseModel, Field

from assistants.chem.entities import looks_like_formula
from assistants.chem.molecule import InvalidSmiles, parse_smiles
from stages.choices import without_answer_tags

LABELS = (
    "SMILES", "Name", "IUPAC name", "Common name", "Formula", "Molecular weight", "Monoisotopic mass",
    "Boiling point", "Melting point", "Critical temperature", "Product", "Valid", "Answer",
)
_LABEL_LINE = re.compile(
    r"^\s*[-*]?\s*\**(" + "|".join(re.escape(label) for label in LABELS) + r")\**\s*[:=]\s*(.*?)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_STRUCTURAL = re.compile(r"[=#()\[\]@/\\]|[A-Za-z\]]\d")
_SMILES_TOKEN = re.compile(r"(?:\[[^\]\s]{1,40}\]|Br|Cl|[BCNOPSFI]|[bcnops]|[=#\-+\\/().%0-9@:~*$])+")
_MASS = re.compile(r"(\d+(?:\.\d+)?)\s*(g\s*/\s*mol|g\s*mol(?:-1|⁻¹|\^-1)|da\b|dalton|amu\b|u\b)", re.IGNORECASE)
# What a stated mass is called decides what it must match: a molecular weight is the average mass,
# an exact mass the monoisotopic one; a mass the text does not name could be either.
_MASS_WORDS = re.compile(
    r"(?P<mono>monoisotopic|\bexact\b|accurate mass)|(?P<average>molecular weight|molar mass|formula weight|\bmw\b)",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[.;,]\s|\n")
_PROPERTY_WORDS = re.compile(
    r"(?P<boiling_point>boiling point|boils\b|boil at|\bb\.?p\b)"
    r"|(?P<melting_point>melting point|melts\b|melt at|freezing point|freezes at|\bm\.?p\b)"
    r"|(?P<critical_temperature>critical temperature|\bTc\b)",
    re.IGNORECASE,
)
# A temperature after these words is a difference or a comparison, not the property's value.
_RELATIVE_WORDS = re.compile(r"\b(?:differ\w*|by|than|above|below|higher|lower|warmer|colder|comparison)\b", re.IGNORECASE)
_TEMPERATURE = re.compile(r"(?<![\d.])([-−]?\d+(?:\.\d+)?)\s*(°\s*C|° ?F|degrees? C\w*|K\b|kelvin)", re.IGNORECASE)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


class Temperature(BaseModel):
    kelvin: float
    text: str


class StatedTemperature(BaseModel):
    key: str | None = Field(description="boiling_point, melting_point, critical_temperature, or None when unnamed")
    temperature: Temperature


MassKind = Literal["average", "monoisotopic", "either"]


class StatedMass(BaseModel):
    value: float
    kind: MassKind = Field(description="what the draft called it: molecular weight, exact mass, or no name")


class ParsedDraft(BaseModel):
    labels: dict[str, str] = Field(default_factory=dict)
    smiles: list[str] = Field(default_factory=list)
    formulas: list[str] = Field(default_factory=list)
    masses: list[StatedMass] = Field(default_factory=list)
    temperatures: dict[str, Temperature] = Field(default_factory=dict, description="labelled lines")
    temperature_mentions: list[StatedTemperature] = Field(default_factory=list, description="anywhere in the text")


def _to_kelvin(value: float, unit: str) -> float:
    unit = unit.lower().replace(" ", "")
    if unit.startswith("k"):
        return value
    if "f" in unit:
        return (value - 32) * 5 / 9 + 273.15
    return value + 273.15


def _temperature(match: re.Match[str]) -> Temperature:
    value = float(match.group(1).replace("−", "-"))  # U+2212, the typographic minus
    return Temperature(kelvin=round(_to_kelvin(value, match.group(2)), 3), text=match.group(0))


def temperature(text: str) -> Temperature | None:
    match = _TEMPERATURE.search(text)
    return None if match is None else _temperature(match)


def _tokens(text: str) -> list[str]:
    """Whitespace tokens without surrounding punctuation or unbalanced brackets from the prose."""
    tokens = []
    for token in text.split():
        token = token.strip(",;:?!\"'`*").rstrip(".")
        while token.startswith("(") and token.count("(") > token.count(")"):
            token = token[1:]
        while token.endswith(")") and token.count(")") > token.count("("):
            token = token[:-1]
        tokens.append(token[1:-1] if token.startswith("(") and token.endswith(")") else token)
    return tokens


def smiles_mentions(text: str, labelled: list[str]) -> list[str]:
    """Labelled SMILES values as given, plus tokens elsewhere that can only be SMILES."""
    found: list[str] = []
    for value in labelled:
        token = value.strip().strip("`*\"'").split(" ")[0].rstrip(".,;")
        if token and token.lower() not in {"none", "n/a", "unknown", "-"} and token not in found:
            found.append(token)
    for token in _tokens(text):
        if token in found or not _SMILES_TOKEN.fullmatch(token) or not _STRUCTURAL.search(token):
            continue
        if not re.search(r"[A-Za-z]", token):
            continue
        if looks_like_formula(token):
            continue
        try:
            parse_smiles(token)
        except InvalidSmiles:
            if len(re.findall(r"[BCNOPSFI]|[bcnops]", token)) < 2 or not re.search(r"[=#\[\]@]", token):
                continue
        found.append(token)
    return found


def _clause_before(raw: str, start: int, previous_end: int) -> str:
    """The words leading up to `start` in its clause, not reaching back past the previous quantity."""
    before = raw[previous_end:start]
    clauses = list(_CLAUSE_END.finditer(before))
    return before[clauses[-1].end() :] if clauses else before


def _last(words: re.Pattern[str], text: str) -> re.Match[str] | None:
    found = list(words.finditer(text))
    return found[-1] if found else None


def stated_temperatures(raw: str) -> list[StatedTemperature]:
    """Every temperature in the text, with the property the words before it in its clause name
    (boiling, melting, critical), unless it is a difference or comparison ("22 K lower than");
    one written right after another, as "309 K (36 °C)", belongs to the same property."""
    stated: list[StatedTemperature] = []
    previous_end = 0
    for match in _TEMPERATURE.finditer(raw):
        context = _clause_before(raw, match.start(), previous_end)
        named = _last(_PROPERTY_WORDS, context)
        key: str | None = None
        if stated and not raw[previous_end : match.start()].strip(" ()[]/=~≈"):
            key = stated[-1].key  # "309 K (36 °C)": the same value in another unit
        elif named is not None and not _RELATIVE_WORDS.search(context[named.end() :]):
            key = next(k for k, v in named.groupdict().items() if v)
        stated.append(StatedTemperature(key=key, temperature=_temperature(match)))
        previous_end = match.end()
    return stated


def stated_masses(raw: str) -> list[StatedMass]:
    """Every number with a mass unit, with what the words just before it (in the same clause, after
    any earlier mass) call it; an unnamed mass may be either kind."""
    masses: list[StatedMass] = []
    previous_end = 0
    for match in _MASS.finditer(raw):
        named = _last(_MASS_WORDS, _clause_before(raw, match.start(), previous_end))
        if named:
            kind: MassKind = "monoisotopic" if named.group("mono") else "average"
        else:
            kind = "either"
        masses.append(StatedMass(value=float(match.group(1)), kind=kind))
        previous_end = match.end()
    return masses


def parse_draft(raw: str) -> ParsedDraft:
    raw = without_answer_tags(raw)  # "[ANSWER]C[/ANSWER]" names an option; it is no SMILES
    labels: dict[str, str] = {}
    for match in _LABEL_LINE.finditer(raw):
        key = match.group(1).lower()
        labels.setdefault(key, match.group(2).strip())
    labelled_smiles = [labels[k] for k in ("smiles", "product") if labels.get(k)]
    formulas = []
    if labels.get("formula"):
        token = labels["formula"].split(" ")[0].strip("`*.,")
        if token:
            formulas.append(token)
    for token in _tokens(raw):
        if token not in formulas and looks_like_formula(token) and any(ch.isdigit() for ch in token):
            formulas.append(token)
    masses = stated_masses(raw)
    for key, kind in (("molecular weight", "average"), ("monoisotopic mass", "monoisotopic")):
        number = _NUMBER.search(labels.get(key, ""))
        if number and all(m.value != float(number.group(0)) for m in masses):
            masses.append(StatedMass(value=float(number.group(0)), kind=kind))
    temperatures = {}
    for key in ("boiling point", "melting point", "critical temperature"):
        if labels.get(key) and (found := temperature(labels[key])) is not None:
            temperatures[key.replace(" ", "_")] = found
    return ParsedDraft(
        labels=labels, smiles=smiles_mentions(raw, labelled_smiles), formulas=formulas, masses=masses,
        temperatures=temperatures, temperature_mentions=stated_temperatures(raw),
    )
