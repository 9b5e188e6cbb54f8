"""Lenient reading of a model's draft: labelled lines (`SMILES: ...`) plus chemistry mentioned anywhere.

A 135M model cannot be trusted to write JSON, so the draft format is a few labelled lines; what
does not parse is kept as raw text and still checked for SMILES, formulas and masses.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from assistants.chem.entities import looks_like_formula
from assistants.chem.molecule import InvalidSmiles, parse_smiles

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
_MASS = re.compile(r"(\d+(?:\.\d+)?)\s*(?:g\s*/\s*mol|g\s*mol(?:-1|⁻¹|\^-1)|da\b|dalton|amu\b|u\b)", re.IGNORECASE)
_TEMPERATURE = re.compile(r"(-?\d+(?:\.\d+)?)\s*(°\s*C|° ?F|degrees? C\w*|K\b|kelvin)", re.IGNORECASE)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


class Temperature(BaseModel):
    kelvin: float
    text: str


class ParsedDraft(BaseModel):
    labels: dict[str, str] = Field(default_factory=dict)
    smiles: list[str] = Field(default_factory=list)
    formulas: list[str] = Field(default_factory=list)
    masses: list[float] = Field(default_factory=list)
    temperatures: dict[str, Temperature] = Field(default_factory=dict)


def _to_kelvin(value: float, unit: str) -> float:
    unit = unit.lower().replace(" ", "")
    if unit.startswith("k"):
        return value
    if "f" in unit:
        return (value - 32) * 5 / 9 + 273.15
    return value + 273.15


def temperature(text: str) -> Temperature | None:
    match = _TEMPERATURE.search(text)
    if match is None:
        return None
    return Temperature(kelvin=round(_to_kelvin(float(match.group(1)), match.group(2)), 3), text=match.group(0))


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


def parse_draft(raw: str) -> ParsedDraft:
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
    masses = [float(m.group(1)) for m in _MASS.finditer(raw)]
    for key in ("molecular weight", "monoisotopic mass"):
        number = _NUMBER.search(labels.get(key, ""))
        if number and float(number.group(0)) not in masses:
            masses.append(float(number.group(0)))
    temperatures = {}
    for key in ("boiling point", "melting point", "critical temperature"):
        if labels.get(key) and (found := temperature(labels[key])) is not None:
            temperatures[key.replace(" ", "_")] = found
    return ParsedDraft(
        labels=labels, smiles=smiles_mentions(raw, labelled_smiles), formulas=formulas, masses=masses, temperatures=temperatures
    )
