"""What a calculator reads of one asked part: its text, its subjects (the molecules and formulas it
names), and the shared readers of temperatures, tables and units every calculator uses."""

from __future__ import annotations

import re
from collections.abc import Callable

from pydantic import BaseModel

from assistants.chem.calc import hazards
from assistants.chem.calc.results import Computed, NotComputed, Value
from assistants.chem.calc.stoichiometry import counts_of
from assistants.chem.request import Unit
from assistants.chem.resolve import MoleculeRecord, label

CELSIUS = hazards.CELSIUS_OFFSET
ELEMENT_NAMES = {"hydrogen": "H", "carbon": "C", "nitrogen": "N", "oxygen": "O", "fluorine": "F", "chlorine": "Cl",
                 "bromine": "Br", "iodine": "I", "sulfur": "S", "sulphur": "S", "phosphorus": "P", "sodium": "Na",
                 "potassium": "K", "calcium": "Ca", "magnesium": "Mg", "iron": "Fe", "manganese": "Mn", "chromium": "Cr",
                 "copper": "Cu", "zinc": "Zn", "silicon": "Si", "boron": "B", "aluminium": "Al", "aluminum": "Al",
                 "lithium": "Li", "nickel": "Ni", "cobalt": "Co", "silver": "Ag", "lead": "Pb", "tin": "Sn", "barium": "Ba"}
ELEMENT = r"(?P<element>" + "|".join(ELEMENT_NAMES) + r"|[A-Z][a-z]?)"
_TEMPERATURE = re.compile(r"(?P<value>[-−]?\d+(?:\.\d+)?)\s*(?:°\s*|º\s*|degrees?\s+|deg\s*)?(?P<unit>celsius|fahrenheit|kelvin|[CFK])\b")
HIGHER = re.compile(r"\b(?:more|higher|larger|greater|highest|most|bigger)\b", re.IGNORECASE)
LOWER = re.compile(r"\b(?:less|lower|smaller|least|lowest|fewer)\b", re.IGNORECASE)


class Subjects(BaseModel):
    molecules: list[MoleculeRecord]
    formulas: list[str]
    ambiguous: dict[str, list[str]] = {}  # a formula that is several compounds: the ones the store holds


class Part(BaseModel):
    """One asked part as a calculator reads it."""

    text: str
    index: int
    unit: Unit | None = None
    yes_no: bool = False


Outcome = list[Computed | NotComputed]
Calculator = Callable[[Part, Subjects], Outcome]


def molecule_counts(molecule: MoleculeRecord) -> dict[str, int]:
    return counts_of(molecule.formula)


def temperature_text(kelvin: float, unit: Unit | None, digits: int = 0) -> tuple[str, Value]:
    """A temperature as a reply writes it (the unit asked first) and the value a reply must give."""
    celsius, fahrenheit = kelvin - CELSIUS, (kelvin - CELSIUS) * 9 / 5 + 32
    shown = {"C": f"{celsius:.{digits}f} °C", "K": f"{kelvin:.2f} K", "F": f"{fahrenheit:.{digits}f} °F"}
    order = [unit or "C", *(u for u in ("C", "K", "F") if u != (unit or "C"))]
    text = f"{shown[order[0]]} ({', '.join(shown[u] for u in order[1:])})"
    value = Value(kind="number", number=round(celsius, 2), unit="°C", tolerance=1.0,
                  alternatives=[(round(kelvin, 2), "K", 1.0), (round(fahrenheit, 2), "°F", 2.0)])
    return text, value


def no_table(family: str, what: str, subject: str, part: Part) -> NotComputed:
    return NotComputed(family=family, subject=subject, reason=f"the tables list no {what} for {subject}", part=part.index)


def needs_cas(family: str, what: str, molecule: MoleculeRecord, part: Part) -> NotComputed | None:
    if molecule.cas:
        return None
    return NotComputed(family=family, subject=label(molecule), part=part.index,
                       reason=f"{label(molecule)} has no CAS number in the compound store, and the {what} tables are keyed by it")


def hazards_of(molecule: MoleculeRecord) -> hazards.HazardData:
    return hazards.hazard_data(molecule.cas or "")


def boiling_point(molecule: MoleculeRecord) -> float | None:
    return next((p.value for p in molecule.properties if p.key == "boiling_point"), None)


def melting_point(molecule: MoleculeRecord) -> float | None:
    return next((p.value for p in molecule.properties if p.key == "melting_point"), None)

def asked_kelvin(text: str) -> float | None:
    match = _TEMPERATURE.search(text.replace("℃", "°C").replace("℉", "°F"))
    if match is None:
        return None
    value, unit = float(match.group("value").replace("−", "-")), match.group("unit")[0].upper()
    return value + CELSIUS if unit == "C" else (value - 32) * 5 / 9 + CELSIUS if unit == "F" else value
