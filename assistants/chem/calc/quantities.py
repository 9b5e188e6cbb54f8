"""Measured quantities as questions write them: pressures, volumes and concentrations with their units,
read into SI (Pa, m³, mol/L), and the unit a question asks its answer in."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from assistants.chem.calc.numbers import number_value

_NUMBER = r"(?P<value>\d+(?:\.\d+)?(?:\s*[x×]\s*10\^?\s*[-−]?\d+|e[-−]?\d+)?)"

# Pascals per unit, litres per unit: the unit words each quantity is written with.
PRESSURE_UNITS = {"atm": 101325.0, "kpa": 1000.0, "mpa": 1e6, "pa": 1.0, "bar": 1e5, "mbar": 100.0, "mmhg": 133.322387415,
                  "torr": 101325.0 / 760, "psi": 6894.757293}
_PRESSURE_WORDS = {"atmosphere": "atm", "atmospheres": "atm", "mm hg": "mmhg", "mm of hg": "mmhg", "kilopascal": "kpa",
                   "kilopascals": "kpa", "pascal": "pa", "pascals": "pa", "bars": "bar"}
VOLUME_UNITS = {"l": 1.0, "ml": 1e-3, "dm3": 1.0, "cm3": 1e-3, "m3": 1000.0}
_VOLUME_WORDS = {"litre": "l", "litres": "l", "liter": "l", "liters": "l", "millilitre": "ml", "millilitres": "ml",
                 "milliliter": "ml", "milliliters": "ml", "cc": "cm3"}

_PRESSURE = re.compile(_NUMBER + r"\s*(?P<unit>atmospheres?|atm|kilopascals?|kpa|mpa|mbar|bars?|pascals?|pa|mm\s*(?:of\s+)?hg|torr|psi)\b",
                       re.IGNORECASE)
_VOLUME = re.compile(_NUMBER + r"\s*-?\s*(?P<unit>millilit(?:re|er)s?|lit(?:re|er)s?|ml|cc|(?:dm|cm|m)\s*(?:\^\s*)?[3³]|l)(?![\w^])",
                     re.IGNORECASE)
_CONCENTRATION = re.compile(_NUMBER + r"\s*(?P<unit>(?i:m?mol\s*(?:/\s*(?:l|dm\^?3)|l\s*\^?\s*[-−]1|dm\s*\^?\s*[-−]\s*3|per\s+lit(?:re|er))|"
                            r"millimolar|molar)|mM|M)(?![\w^])")


def _unit_key(written: str, words: dict[str, str]) -> str:
    key = re.sub(r"\s+|\^", "", written.lower()).replace("³", "3")
    return words.get(written.lower(), words.get(key, key))


class Quantity(NamedTuple):
    """A quantity the text gives: its value in SI (Pa, L, mol/L), the unit it was written in, and where."""

    value: float
    unit: str
    start: int
    end: int


def _read(pattern: re.Pattern[str], text: str, scale: Callable[[str], float | None]) -> list[Quantity]:
    found = []
    for match in pattern.finditer(text):
        factor = scale(match.group("unit"))
        if (value := number_value(match.group("value"))) and factor is not None:  # "0 mL" measures nothing
            found.append(Quantity(value * factor, match.group("unit"), match.start(), match.end()))
    return found


def pressures_pa(text: str) -> list[Quantity]:
    """Each pressure the text gives, in Pa."""
    return _read(_PRESSURE, text, lambda unit: PRESSURE_UNITS.get(_unit_key(unit, _PRESSURE_WORDS)))


def volumes_litres(text: str) -> list[Quantity]:
    """Each volume the text gives, in litres."""
    return _read(_VOLUME, text, lambda unit: VOLUME_UNITS.get(_unit_key(unit, _VOLUME_WORDS)))


def concentrations_molar(text: str) -> list[Quantity]:
    """Each amount concentration the text gives, in mol/L."""
    return _read(_CONCENTRATION, text,
                 lambda unit: 1e-3 if unit.lower().startswith(("mmol", "millimolar")) or unit == "mM" else 1.0)


def without_concentrations(text: str) -> str:
    """The text with its concentrations blanked, so "0.1 mol/L" is not read as an amount of 0.1 mol."""
    return _CONCENTRATION.sub(lambda m: " " * len(m.group(0)), text)


def asked_unit(text: str, units: dict[str, float], words: dict[str, str]) -> str | None:
    """The unit a question asks its answer in: "in atm", "(in kPa)", "the unit of the answer is atm"."""
    names = sorted({*units, *words}, key=len, reverse=True)
    pattern = r"(?:\bin|\bunits? of the answer is|\bunits?:?)\s*\(?\s*(" + "|".join(re.escape(n) for n in names) + r")\b"
    match = re.search(pattern, text, re.IGNORECASE)
    return _unit_key(match.group(1), words) if match else None
