"""Calculators of gases and acidity: the ideal-gas law (whichever of P, V, n, T is missing) and the
pH of strong acids and bases, or of a weak one whose Ka or Kb the question gives. Each states the
assumption it makes (ideal gas, full dissociation, Kw at 25 °C), since the answer holds only under it."""

from __future__ import annotations

import re

from assistants.chem.calc.amount_answers import formula_subjects, given_amounts, in_moles
from assistants.chem.calc.numbers import number_value
from assistants.chem.calc.parts import CELSIUS, Outcome, Part, Subjects, asked_kelvin, temperature_text
from assistants.chem.calc.physical import (
    GAS_CONSTANT, Acidity, acidity_from_hydrogen_ions, solve_ideal_gas, strong_acidity, weak_acidity,
)
from assistants.chem.calc.quantities import (
    PRESSURE_UNITS, VOLUME_UNITS, asked_unit, concentrations_molar, pressures_pa, volumes_litres, without_concentrations,
)
from assistants.chem.calc.results import Computed, NotComputed, Value
from assistants.chem.calc.stoichiometry import counts_of, molar_mass

_GAS_CONSTANT_GIVEN = re.compile(r"\bR\s*=\s*[\d.]+\s*[^.,;)\n]*(?:\.\d[^.,;)\n]*)?")
_STP = re.compile(r"\bstp\b|standard temperature and pressure", re.IGNORECASE)
_RELATIVE = 0.01  # the tolerance of a computed gas quantity: the question's own figures carry about 3 significant digits
_SHOWN_PRESSURE = ("atm", "kpa", "mmhg")
_UNIT_LABEL = {"atm": "atm", "kpa": "kPa", "mpa": "MPa", "pa": "Pa", "bar": "bar", "mbar": "mbar", "mmhg": "mmHg", "torr": "torr",
               "psi": "psi", "l": "L", "ml": "mL", "dm3": "dm³", "cm3": "cm³", "m3": "m³"}
_PRESSURE_WORDS = {"atmospheres": "atm", "kilopascals": "kpa", "pascals": "pa"}
_VOLUME_WORDS = {"litres": "l", "liters": "l", "millilitres": "ml", "milliliters": "ml"}
_ASKS = {"pressure": re.compile(r"\bpressure\b", re.IGNORECASE),
         "volume": re.compile(r"\bvolume\b|\boccup|\btake up\b|\bfill\b|\bhow much (?:space|room)\b", re.IGNORECASE),
         "temperature": re.compile(r"\btemp(?:erature)?\b|\bhow (?:hot|cold|warm)\b", re.IGNORECASE),
         "amount": re.compile(r"\bhow many (?:moles|mols?|grams|g)\b|\bamount\b|\bnumber of moles\b|\bmass\b|\bhow much gas\b|"
                              r"\bin moles\b", re.IGNORECASE)}
# The words that may ask for an ideal-gas quantity: any of the above (the calculator needs three of the four given).
_GAS_LAW = re.compile(r"\b(?:ideal|perfect) gas|\bpv\s*=\s*nrt\b|\bstp\b", re.IGNORECASE)
ASKS_GAS_QUANTITY = "|".join(f"(?:{pattern.pattern})" for pattern in (*_ASKS.values(), _GAS_LAW))


def _amount_moles(part: Part, subjects: Subjects) -> tuple[float, str] | None:
    """The amount of gas the text gives, in moles, and how it was written ("2.0 mol", "16 g of O2")."""
    for value, unit, (name, counts, _) in given_amounts(without_concentrations(part.text), formula_subjects(subjects)):
        return in_moles(value, unit, counts), f"{value:g} {unit} of {name}"
    bare = re.search(r"(?P<value>\d+(?:\.\d+)?)\s*(?:mol|moles?|mmol)\b", part.text, re.IGNORECASE)
    if bare is not None and (value := number_value(bare.group("value"))) is not None:
        return value / (1000 if bare.group(0).lower().endswith("mmol") else 1), bare.group(0)
    return None


def _shown(value: float, units: dict[str, float], order: list[str]) -> tuple[str, Value]:
    """A value given in SI in the first unit of `order`, the others beside it, and the value to check."""
    first, *rest = order
    said = f"{value / units[first]:.4g} {_UNIT_LABEL[first]}"
    if rest:
        said += " (" + ", ".join(f"{value / units[u]:.4g} {_UNIT_LABEL[u]}" for u in rest) + ")"
    checked = Value(kind="number", number=value / units[first], unit=_UNIT_LABEL[first], tolerance=_RELATIVE * value / units[first],
                    alternatives=[(value / units[u], _UNIT_LABEL[u], _RELATIVE * value / units[u]) for u in rest])
    return said, checked


def ideal_gas(part: Part, subjects: Subjects) -> Outcome:
    """PV = nRT for the one of pressure, volume, amount and temperature the question does not give."""
    text = _GAS_CONSTANT_GIVEN.sub("", part.text)  # "R = 0.0821 L atm/mol K" gives no volume
    stp = bool(_STP.search(text))
    pressures, volumes = pressures_pa(text), volumes_litres(text)
    pressure = pressures[0].value if pressures else (PRESSURE_UNITS["atm"] if stp else None)
    litres = volumes[0].value if volumes else None
    kelvin = asked_kelvin(text) or (CELSIUS if stp else None)
    amount = _amount_moles(part, subjects)
    moles = amount[0] if amount else None
    known = {"pressure": pressure, "volume": litres, "amount": moles, "temperature": kelvin}
    missing = [k for k, v in known.items() if v is None]
    if len(missing) != 1 or not (_ASKS[missing[0]].search(text) or _GAS_LAW.search(text)):
        return []
    asked = missing[0]
    given = [f"{pressure / PRESSURE_UNITS['atm']:.4g} atm" if pressure else "", f"{litres:g} L" if litres else "",
             amount[1] if amount else "", f"{kelvin:.2f} K" if kelvin else ""]
    assumption = "an ideal gas, R = 8.314 J/(mol·K)" + ("; STP taken as 0 °C and 1 atm" if stp else "")
    try:
        state = solve_ideal_gas(pressure, litres, moles, kelvin)
    except ValueError as exc:  # "-300 °C" is below absolute zero
        return [NotComputed(family="ideal_gas", subject="the gas", reason=str(exc), part=part.index)]
    if asked == "pressure":
        unit = asked_unit(text, PRESSURE_UNITS, _PRESSURE_WORDS) or "atm"
        said, checked = _shown(state.pressure_pa, PRESSURE_UNITS, [unit, *(u for u in _SHOWN_PRESSURE if u != unit)])
        sentence = f"The pressure is {said}"
    elif asked == "volume":
        unit = asked_unit(text, VOLUME_UNITS, _VOLUME_WORDS) or "l"
        said, checked = _shown(state.volume_l, VOLUME_UNITS, [unit, *(u for u in ("l", "m3") if u != unit)])
        sentence = f"The volume is {said}"
    elif asked == "temperature":
        said, checked = temperature_text(state.kelvin, part.unit, digits=1)
        sentence = f"The temperature is {said}"
    else:
        said = f"{state.moles:.4g} mol"
        checked = Value(kind="number", number=state.moles, unit="mol", tolerance=_RELATIVE * state.moles)
        items = formula_subjects(subjects)
        if items and re.search(r"\bmass\b|\bgrams?\b|\bhow many g\b", text, re.IGNORECASE):
            name, counts, _ = items[0]
            grams = state.moles * molar_mass(counts)
            said = f"{grams:.4g} g of {name} ({state.moles:.4g} mol)"
            checked = Value(kind="number", number=grams, unit="g", tolerance=_RELATIVE * grams)
        sentence = f"The amount of gas is {said}"
    return [Computed(family="ideal_gas", subject=", ".join(g for g in given if g),
                     sentence=f"{sentence}, from PV = nRT with {', '.join(g for g in given if g)} ({assumption}).",
                     facts=[f"Ideal-gas law: PV = nRT, R = {GAS_CONSTANT} J/(mol·K)"], values=[checked],
                     source="the ideal-gas law", part=part.index)]


# Strong acids and bases by name and formula, with the hydrogen or hydroxide ions each releases per formula unit.
STRONG_ACIDS = {"hydrochloric acid": ("HCl", 1), "hydrobromic acid": ("HBr", 1), "hydroiodic acid": ("HI", 1),
                "nitric acid": ("HNO3", 1), "perchloric acid": ("HClO4", 1), "chloric acid": ("HClO3", 1)}
STRONG_BASES = {"sodium hydroxide": ("NaOH", 1), "potassium hydroxide": ("KOH", 1), "lithium hydroxide": ("LiOH", 1),
                "rubidium hydroxide": ("RbOH", 1), "caesium hydroxide": ("CsOH", 1), "cesium hydroxide": ("CsOH", 1),
                "calcium hydroxide": ("Ca(OH)2", 2), "strontium hydroxide": ("Sr(OH)2", 2), "barium hydroxide": ("Ba(OH)2", 2)}
_WEAK_NAMED = re.compile(r"\b(?:acetic|ethanoic|formic|methanoic|hydrofluoric|carbonic|phosphoric|benzoic|citric|lactic|"
                         r"hypochlorous|nitrous|sulfuric|sulphuric)\s+acid\b|\bammonia\b|\bNH3\b|\bCH3COOH\b|\bHF\b|\bH2SO4\b|"
                         r"\bH3PO4\b|\bHCOOH\b|\bHNO2\b|\bHClO\b|\bH2CO3\b")
_CONSTANT = re.compile(r"\b(?P<kind>pK[ab]|K[ab])\s*(?:=|of|is|:)?\s*(?P<value>\d+(?:\.\d+)?(?:\s*[x×]\s*10\^?\s*[-−]?\d+|e[-−]?\d+)?)")
_ASKS_POH = re.compile(r"\bpoh\b", re.IGNORECASE)
_ASKS_PH = re.compile(r"\bph\b", re.IGNORECASE)


def _species(text: str) -> tuple[str, str, int, bool] | None:
    """The strong acid or base the text names: (name, formula, ions released per unit, whether a base)."""
    lowered = text.lower()
    for table, base in ((STRONG_ACIDS, False), (STRONG_BASES, True)):
        for name, (formula, count) in table.items():
            flags = re.IGNORECASE if len(formula) > 2 else 0  # "hcl" in chat; but "hi" is a greeting, not HI
            if name in lowered or re.search(rf"(?<![\w(]){re.escape(formula)}(?![\w)])", text, flags):
                return name, formula, count, base
    return None


def _made_up(text: str, species: tuple[str, str, int, bool] | None) -> float | None:
    """The concentration of a strong acid or base "dissolved in water to make 4.5 L of solution", in mol/L."""
    volumes = volumes_litres(text)
    if species is None or not volumes:
        return None
    name, formula, _, _ = species
    amounts = given_amounts(text, [(name, counts_of(formula), formula)])
    return in_moles(amounts[0][0], amounts[0][1], counts_of(formula)) / volumes[-1].value if amounts else None


def _ph_outcome(part: Part, what: str, acidity: Acidity, facts: list[str], source: str) -> Outcome:
    if _ASKS_POH.search(part.text) and not _ASKS_PH.search(part.text):
        said, value = f"The pOH of {what} is {acidity.poh:.2f} (pH {acidity.ph:.2f})", acidity.poh
    else:
        said, value = f"The pH of {what} is {acidity.ph:.2f} (pOH {acidity.poh:.2f})", acidity.ph
    return [Computed(family="ph", subject=what, sentence=f"{said}: hydrogen ions {acidity.hydrogen_ions:.3g} mol/L, hydroxide ions "
                                                          f"{acidity.hydroxide_ions:.3g} mol/L, with Kw = 1.0e-14 at 25 °C.",
                     facts=facts, values=[Value(kind="number", number=round(value, 4), unit="", tolerance=0.02)],
                     source=source, part=part.index)]


def ph(part: Part, subjects: Subjects) -> Outcome:
    """The pH (or pOH) of a solution: a strong acid or base fully dissociated (water's own ions counted,
    so very dilute solutions tend to 7), or a weak one from the Ka, Kb or pKa the question gives."""
    text = part.text
    concentrations = concentrations_molar(text)
    given_h = re.search(r"\[\s*h(?:3o)?\s*\+\s*\]\s*(?:=|is|of)\s*", text, re.IGNORECASE)
    if given_h is not None and (direct := concentrations_molar(text[given_h.end():])):
        return _ph_outcome(part, f"a solution {direct[0].value:.3g} mol/L in hydrogen ions", acidity_from_hydrogen_ions(direct[0].value), [],
                           "the definition pH = -log10 of the hydrogen-ion concentration")
    species = _species(text)
    c = concentrations[0].value if concentrations else _made_up(text, species)
    if c is None:
        return []
    constant = _CONSTANT.search(text)
    if constant is not None:
        value = number_value(constant.group("value"))
        if value is None:
            return []
        kind = constant.group("kind")
        base = kind.endswith("b")
        try:
            acidity = weak_acidity(c, 10 ** -value if kind.startswith("p") else value, base)
        except ValueError as exc:  # "Ka = 0"
            return [NotComputed(family="ph", subject="the solution", reason=str(exc), part=part.index)]
        named = _WEAK_NAMED.search(text)
        what = f"{c:g} M {named.group(0) if named else 'weak ' + ('base' if base else 'acid')} ({kind} = {constant.group('value')})"
        return _ph_outcome(part, what, acidity, [f"Weak {'base' if base else 'acid'}: x²/(c − x) = {kind[-2:]}, solved exactly"],
                           "the dissociation equilibrium, solved exactly")
    if species is None:
        weak = _WEAK_NAMED.search(text)
        subject = weak.group(0) if weak else ", ".join(s[0] for s in formula_subjects(subjects)) or "the solution"
        return [NotComputed(family="ph", subject=subject, part=part.index,
                            reason="the tools compute the pH of strong acids and bases, fully dissociated, and of a weak acid or "
                                   "base whose Ka or Kb the question gives; this question gives neither")]
    name, formula, count, base = species
    what = f"{c:.3g} M {name} ({formula})"
    released = f"{count} {'hydroxide' if base else 'hydrogen'} ion{'s' if count > 1 else ''} per formula unit"
    return _ph_outcome(part, what, strong_acidity(c, count, base),
                       [f"{name} ({formula}): a strong {'base' if base else 'acid'}, fully dissociated, {released}"],
                       "full dissociation of a strong acid or base")
