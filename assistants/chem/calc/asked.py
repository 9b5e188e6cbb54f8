"""Which calculation a question asks for, and its answer: the words of one asked part pick a
calculator (hazards, thermochemistry, stoichiometry, structure), the molecules and formulas detect
resolved are its subjects, and the result is a sentence with the values a reply must state.

A part the words match but the tools cannot answer (no table lists it, the equation does not balance)
comes back as NotComputed with the reason, so the reply says what it did not answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction

from pydantic import BaseModel

from assistants.chem.calc import hazards, structure, thermo
from assistants.chem.calc.equations import EQUATION, EquationError, balance_equation
from assistants.chem.calc.results import Computed, NotComputed, Value
from assistants.chem.calc.stoichiometry import (
    AVOGADRO, FormulaError, combustion_oxygen, composition, counts_of, empirical, empirical_from_percent, hill, molar_mass,
    oxidation_states, shown_state,
)
from assistants.chem.intent import COMPARATIVE, DIFFERENCE
from assistants.chem.molecule import InvalidSmiles
from assistants.chem.request import Unit
from assistants.chem.resolve import MoleculeRecord, label


CELSIUS = hazards.CELSIUS_OFFSET
ELEMENT_NAMES = {"hydrogen": "H", "carbon": "C", "nitrogen": "N", "oxygen": "O", "fluorine": "F", "chlorine": "Cl",
                 "bromine": "Br", "iodine": "I", "sulfur": "S", "sulphur": "S", "phosphorus": "P", "sodium": "Na",
                 "potassium": "K", "calcium": "Ca", "magnesium": "Mg", "iron": "Fe", "manganese": "Mn", "chromium": "Cr",
                 "copper": "Cu", "zinc": "Zn", "silicon": "Si", "boron": "B", "aluminium": "Al", "aluminum": "Al",
                 "lithium": "Li", "nickel": "Ni", "cobalt": "Co", "silver": "Ag", "lead": "Pb", "tin": "Sn", "barium": "Ba"}
_ELEMENT = r"(?P<element>" + "|".join(ELEMENT_NAMES) + r"|[A-Z][a-z]?)"
_TEMPERATURE = re.compile(r"(?P<value>[-−]?\d+(?:\.\d+)?)\s*(?:°\s*|º\s*|degrees?\s+|deg\s*)?(?P<unit>celsius|fahrenheit|kelvin|[CFK])\b")
_AMOUNT = re.compile(r"(?P<value>\d+(?:\.\d+)?(?:\s*[x×]\s*10\^?\s*[-−]?\d+|e[-−]?\d+)?)\s*-?\s*"
                     r"(?P<unit>mmol|moles?|mols?|kg|mg|grams?|gms?|g|molecules)\b", re.IGNORECASE)
_PERCENT = re.compile(r"(?P<value>\d+(?:\.\d+)?)\s*%\s*(?:of\s+)?" + _ELEMENT + r"|" + _ELEMENT.replace("element", "element2") +
                      r"\s*[:=]?\s*(?P<value2>\d+(?:\.\d+)?)\s*%")
_HIGHER = re.compile(r"\b(?:more|higher|larger|greater|highest|most|bigger)\b", re.IGNORECASE)
_LOWER = re.compile(r"\b(?:less|lower|smaller|least|lowest|fewer)\b", re.IGNORECASE)


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


def _counts(molecule: MoleculeRecord) -> dict[str, int]:
    return counts_of(molecule.formula)


def _temperature(kelvin: float, unit: Unit | None, digits: int = 0) -> tuple[str, Value]:
    """A temperature as a reply writes it (the unit asked first) and the value a reply must give."""
    celsius, fahrenheit = kelvin - CELSIUS, (kelvin - CELSIUS) * 9 / 5 + 32
    shown = {"C": f"{celsius:.{digits}f} °C", "K": f"{kelvin:.2f} K", "F": f"{fahrenheit:.{digits}f} °F"}
    order = [unit or "C", *(u for u in ("C", "K", "F") if u != (unit or "C"))]
    text = f"{shown[order[0]]} ({', '.join(shown[u] for u in order[1:])})"
    value = Value(kind="number", number=round(celsius, 2), unit="°C", tolerance=1.0,
                  alternatives=[(round(kelvin, 2), "K", 1.0), (round(fahrenheit, 2), "°F", 2.0)])
    return text, value


def _no_table(family: str, what: str, subject: str, part: Part) -> NotComputed:
    return NotComputed(family=family, subject=subject, reason=f"the tables list no {what} for {subject}", part=part.index)


def _needs_cas(family: str, what: str, molecule: MoleculeRecord, part: Part) -> NotComputed | None:
    if molecule.cas:
        return None
    return NotComputed(family=family, subject=label(molecule), part=part.index,
                       reason=f"{label(molecule)} has no CAS number in the compound store, and the {what} tables are keyed by it")


def _hazards_of(molecule: MoleculeRecord) -> hazards.HazardData:
    return hazards.hazard_data(molecule.cas or "")


def _boiling(molecule: MoleculeRecord) -> float | None:
    return next((p.value for p in molecule.properties if p.key == "boiling_point"), None)


def _melting(molecule: MoleculeRecord) -> float | None:
    return next((p.value for p in molecule.properties if p.key == "melting_point"), None)


HazardAnswer = Callable[[MoleculeRecord, hazards.HazardData, Part], Computed | NotComputed]


def _hazard(family: str, what: str, answer: HazardAnswer) -> Calculator:
    """A calculator that reads each molecule's hazard data by its CAS number."""

    def calculate(part: Part, subjects: Subjects) -> Outcome:
        return [_needs_cas(family, what, m, part) or answer(m, _hazards_of(m), part) for m in subjects.molecules]

    return calculate


def _limits(m: MoleculeRecord, data: hazards.HazardData, part: Part) -> Computed | NotComputed:
    lower, upper = data.lower_flammability_limit, data.upper_flammability_limit
    if lower is None:
        return _no_table("flammability_limits", "flammability limits", label(m), part)
    values = [Value(kind="number", number=round(lower.value * 100, 3), unit="%", tolerance=0.05)]
    said = f"{lower.value * 100:.3g} % by volume in air (lower limit)"
    if upper is not None:
        values.append(Value(kind="number", number=round(upper.value * 100, 3), unit="%", tolerance=0.05))
        said = f"{lower.value * 100:.3g} % (lower) to {upper.value * 100:.3g} % (upper) by volume in air"
    return Computed(family="flammability_limits", subject=label(m), sentence=f"The flammability limits of {label(m)} are {said}.",
                    facts=[f"Flammability limits of {label(m)}: {said} (source: {lower.source})"], values=values,
                    source=lower.source, part=part.index)


def _flammable(m: MoleculeRecord, data: hazards.HazardData, part: Part) -> Computed | NotComputed:
    verdict = hazards.flammability(data, _boiling(m))
    if verdict.flammable is None:
        return NotComputed(family="flammable", subject=label(m), part=part.index,
                           reason=f"{verdict.reason.replace('for it', f'for {label(m)}')}, so the tools cannot say")
    found = data.flash_point or data.lower_flammability_limit
    source = found.source if found is not None else "chemicals: incombustible materials"
    said = "Yes" if verdict.flammable else "No"
    words = "flammable" if verdict.flammable else "not a flammable liquid"
    return Computed(family="flammable", subject=label(m), sentence=f"{said}: {label(m)} is {words}; {verdict.reason}.",
                    facts=[f"Flammability of {label(m)}: {verdict.reason} (source: {source})"],
                    values=[Value(kind="yes_no", yes=verdict.flammable)], source=source, part=part.index)


def _exposure(m: MoleculeRecord, data: hazards.HazardData, part: Part) -> Computed | NotComputed:
    if not data.exposure_limits:
        return _no_table("exposure_limit", "occupational exposure limit", label(m), part)
    said = ", ".join(f"{limit.value:g} {limit.unit} ({limit.kind})" for limit in data.exposure_limits)
    skin = "; skin notation: absorbed through the skin" if data.skin else ""
    first = data.exposure_limits[0]
    return Computed(family="exposure_limit", subject=label(m),
                    sentence=f"The occupational exposure limits of {label(m)} are {said}{skin} ({first.source}).",
                    facts=[f"Exposure limits of {label(m)}: {said}{skin} (source: {first.source})"],
                    values=[Value(kind="number", number=first.value, unit=first.unit, tolerance=first.value * 0.01)],
                    source=first.source, part=part.index)


def _carcinogen(m: MoleculeRecord, data: hazards.HazardData, part: Part) -> Computed | NotComputed:
    if not data.carcinogen:
        return NotComputed(family="carcinogen", subject=label(m), part=part.index,
                           reason=f"{label(m)} is not on the IARC or NTP lists the tools hold; not being listed does not show it is safe")
    listed = "; ".join(f"{source}: {words}" for source, words in data.carcinogen.items())
    yes = hazards.listed_carcinogen(data)
    lead = f"Yes: {label(m)} is listed as a carcinogen" if yes else f"No: {label(m)} is not classified as carcinogenic"
    return Computed(family="carcinogen", subject=label(m), sentence=f"{lead} ({listed}).",
                    facts=[f"Carcinogen classifications of {label(m)}: {listed} (source: chemicals)"],
                    values=[Value(kind="yes_no", yes=yes)], source="chemicals: IARC and NTP lists", part=part.index)


def _toxic(m: MoleculeRecord, data: hazards.HazardData, part: Part) -> Computed | NotComputed:
    """"Is X toxic / dangerous?": what the tables hold (exposure limits, carcinogen lists); a listed limit
    or classification is a health hazard, and nothing listed is not read as safe."""
    bits = [f"an occupational exposure limit of {limit.value:g} {limit.unit} ({limit.kind})" for limit in data.exposure_limits]
    bits += [f"{source}: {words}" for source, words in data.carcinogen.items()]
    if not bits:
        return NotComputed(family="toxic", subject=label(m), part=part.index,
                           reason=f"the tables list no exposure limit or carcinogen classification for {label(m)}; "
                                  "that does not show it is safe")
    return Computed(family="toxic", subject=label(m),
                    sentence=f"Yes: {label(m)} is a health hazard: it has {'; '.join(bits)}. Toxicity depends on dose and "
                             "exposure; the tools hold no LD50.",
                    facts=[f"Health hazard data of {label(m)}: {'; '.join(bits)} (source: chemicals)"],
                    values=[Value(kind="yes_no", yes=True)], source="chemicals: exposure limits and carcinogen lists",
                    part=part.index)


flammability_limits = _hazard("flammability_limits", "flammability", _limits)
flammable = _hazard("flammable", "flammability", _flammable)
exposure_limits = _hazard("exposure_limit", "exposure-limit", _exposure)
carcinogen = _hazard("carcinogen", "carcinogen", _carcinogen)
toxicity = _hazard("toxic", "hazard", _toxic)


Shown = Callable[[float, Part], tuple[str, Value]]


def _fixed(unit: str, tolerance: float, digits: int) -> Shown:
    def show(value: float, part: Part) -> tuple[str, Value]:
        return f"{value:.{digits}f} {unit}", Value(kind="number", number=round(value, 6), unit=unit, tolerance=tolerance)

    return show


KCAL = 4.184  # kJ per kcal (thermochemical calorie)


def _energy(value: float, part: Part) -> tuple[str, Value]:
    """kJ/mol, with kcal/mol beside it (first when the question asks in kcal)."""
    kcal = value / KCAL
    checked = Value(kind="number", number=round(value, 3), unit="kJ/mol", tolerance=max(abs(value) * 0.01, 0.5),
                    alternatives=[(round(kcal, 3), "kcal/mol", max(abs(kcal) * 0.01, 0.12))])
    if re.search(r"\bkcal", part.text, re.IGNORECASE):
        return f"{kcal:.1f} kcal/mol ({value:.1f} kJ/mol)", checked
    return f"{value:.1f} kJ/mol ({kcal:.1f} kcal/mol)", checked


def _numeric(family: str, what: str, read: Callable[[MoleculeRecord, Part], tuple[float, str] | None], show: Shown) -> Calculator:
    """A calculator for one numeric property per molecule (read in its table's unit), with a ranking
    first when the part compares."""

    def calculate(part: Part, subjects: Subjects) -> Outcome:
        out: Outcome = []
        valued: list[tuple[MoleculeRecord, float]] = []
        for m in subjects.molecules:
            if (missing := _needs_cas(family, what, m, part)) is not None:
                out.append(missing)
                continue
            found = read(m, part)
            if found is None:
                out.append(_no_table(family, what, label(m), part))
                continue
            value, source = found
            valued.append((m, value))
            said, checked = show(value, part)
            out.append(Computed(family=family, subject=label(m), sentence=f"The {what} of {label(m)} is {said}.",
                                facts=[f"{what[:1].upper()}{what[1:]} of {label(m)}: {said} (source: {source})"],
                                values=[checked], source=source, part=part.index))
        if len(valued) >= 2 and len(valued) == len(subjects.molecules) and COMPARATIVE.search(part.text):
            out.insert(0, _ranking(family, what, show, valued, part))
        elif family == "dipole_moment" and part.yes_no:
            polar = bool(re.search(r"\bpolar\b", part.text, re.IGNORECASE))
            out = [_polar(c, v, polar) for c, (_, v) in zip([o for o in out if isinstance(o, Computed)], valued)] + \
                [o for o in out if isinstance(o, NotComputed)]
        return out

    return calculate




def _polar(computed: Computed, debye: float, polar: bool) -> Computed:
    """"Is X polar?" or "Does X have a dipole moment?" answered from its dipole moment."""
    if not polar:
        has = debye > thermo.NONPOLAR_DEBYE / 2
        verdict = f"{'Yes' if has else 'No'}: {computed.subject} has {'a' if has else 'no'} net dipole moment"
        return computed.model_copy(update={"sentence": f"{verdict} ({debye:.2f} D).",
                                           "values": [Value(kind="yes_no", yes=has), *computed.values]})
    if debye >= thermo.POLAR_DEBYE:
        verdict, values = f"Yes: {computed.subject} is polar", [Value(kind="yes_no", yes=True)]
    elif debye <= thermo.NONPOLAR_DEBYE:
        verdict, values = f"No: {computed.subject} is nonpolar", [Value(kind="yes_no", yes=False)]
    else:
        verdict, values = f"{computed.subject[:1].upper()}{computed.subject[1:]} is only weakly polar", []
    return computed.model_copy(update={"sentence": f"{verdict} (dipole moment {debye:.2f} D).", "values": values + computed.values})


def _ranking(family: str, what: str, show: Shown, valued: list[tuple[MoleculeRecord, float]], part: Part) -> Computed:
    lower = bool(_LOWER.search(part.text)) and not _HIGHER.search(part.text)
    ordered = sorted(valued, key=lambda mv: mv[1], reverse=not lower)
    words = "lower" if lower else "higher"
    if family == "dipole_moment" and re.search(r"\bpolar", part.text, re.IGNORECASE):
        head = f"{label(ordered[0][0])} is {'less' if lower else 'more'} polar"
    else:
        head = f"{label(ordered[0][0])} has the {words} {what}"
    rest = ", ".join(f"{show(v, part)[0]} for {label(m)}" for m, v in ordered[1:])
    first, shown = show(ordered[0][1], part)
    values = [Value(kind="first", text=label(ordered[0][0]), among=[label(m) for m, _ in valued], yes=not lower)]
    sentence = f"{head[:1].upper()}{head[1:]}: {first} against {rest}"
    if DIFFERENCE.search(part.text):  # "by how much?": the gap between the first two
        delta = abs(ordered[0][1] - ordered[1][1])
        gap = _gap(delta, shown)
        sentence += f", a difference of {gap[0]}"
        values.append(gap[1])
    return Computed(family=f"{family}_ranking", subject=", ".join(label(m) for m, _ in valued), sentence=f"{sentence}.",
                    values=values, source="a ranking of the values below", part=part.index)


def _gap(delta: float, shown: Value) -> tuple[str, Value]:
    """A difference in the unit the values are shown in; a temperature difference is the same in °C and K."""
    if shown.unit == "°C":
        return f"{delta:.1f} °C ({delta:.1f} K)", Value(kind="number", number=round(delta, 3), unit="°C", tolerance=shown.tolerance,
                                                        alternatives=[(round(delta, 3), "K", shown.tolerance),
                                                                      (round(delta * 9 / 5, 3), "°F", 2 * shown.tolerance)])
    return f"{delta:.3g} {shown.unit}", Value(kind="number", number=round(delta, 6), unit=shown.unit, tolerance=shown.tolerance)


def _temperature_shown(kelvin: float, part: Part) -> tuple[str, Value]:
    return _temperature(kelvin, part.unit)


def _hazard_temperature(key: str) -> Callable[[MoleculeRecord, Part], tuple[float, str] | None]:
    def read(m: MoleculeRecord, part: Part) -> tuple[float, str] | None:
        found = getattr(_hazards_of(m), key)
        return (found.value, found.source) if found is not None else None

    return read


def _dipole(m: MoleculeRecord, part: Part) -> tuple[float, str] | None:
    found = thermo.dipole_moment(m.cas or "")
    return (found.value, found.source) if found is not None else None


_PHASES = (("g", re.compile(r"\bgas(?:eous)?\b|\(g\)|\bvapou?r\b", re.IGNORECASE)),
           ("l", re.compile(r"\bliquid\b|\(l\)", re.IGNORECASE)), ("s", re.compile(r"\bsolid\b|\(s\)|\bcrystal", re.IGNORECASE)))


def _formation(m: MoleculeRecord, part: Part) -> tuple[float, str] | None:
    """In the phase the question names, else the substance's state at 25 °C."""
    asked = next((phase for phase, words in _PHASES if words.search(part.text)), None)
    phase = asked or thermo.standard_phase(_melting(m), _boiling(m))
    found = thermo.enthalpy_of_formation(m.cas or "", phase)
    if found is None and asked is None:
        found, phase = thermo.enthalpy_of_formation(m.cas or "", "g"), "g"
    if found is None:
        return None
    return found.value / 1000, f"{found.source}, {_PHASE_WORDS[phase]}"


_PHASE_WORDS = {"g": "gas", "l": "liquid", "s": "solid"}


def _combustion(m: MoleculeRecord, part: Part) -> tuple[float, str] | None:
    phase = thermo.standard_phase(_melting(m), _boiling(m))
    formation = thermo.enthalpy_of_formation(m.cas or "", phase)
    if formation is None or not {"C", "H"} & set(_counts(m)):
        return None
    found = thermo.combustion_enthalpy(_counts(m), formation)
    return found.value / 1000, found.source


def _vaporisation(m: MoleculeRecord, part: Part) -> tuple[float, str] | None:
    at_298, at_tb = thermo.enthalpy_of_vaporisation(m.cas or "")
    found = at_tb or at_298
    if found is None:
        return None
    where = "at the normal boiling point" if at_tb is not None else "at 25 °C"
    return found.value / 1000, f"{found.source}, {where}"


flash_point = _numeric("flash_point", "flash point", _hazard_temperature("flash_point"), _temperature_shown)
autoignition = _numeric("autoignition", "autoignition temperature", _hazard_temperature("autoignition"), _temperature_shown)
dipole_moment = _numeric("dipole_moment", "dipole moment", _dipole, _fixed("D", 0.05, 2))
enthalpy_of_formation = _numeric("enthalpy_formation", "standard enthalpy of formation", _formation, _energy)
enthalpy_of_combustion = _numeric("enthalpy_combustion", "standard enthalpy of combustion", _combustion, _energy)
enthalpy_of_vaporisation = _numeric("enthalpy_vaporisation", "enthalpy of vaporisation", _vaporisation, _energy)


def _asked_kelvin(text: str) -> float | None:
    match = _TEMPERATURE.search(text)
    if match is None:
        return None
    value, unit = float(match.group("value").replace("−", "-")), match.group("unit")[0].upper()
    return value + CELSIUS if unit == "C" else (value - 32) * 5 / 9 + CELSIUS if unit == "F" else value


TemperatureAnswer = Callable[[MoleculeRecord, float, str, Part], Computed | None]


def _at_temperature(family: str, what: str, answer: TemperatureAnswer) -> Calculator:
    """A calculator for a property at the temperature the part asks (25 °C, said so, when it asks none)."""

    def calculate(part: Part, subjects: Subjects) -> Outcome:
        kelvin = _asked_kelvin(part.text)
        at = kelvin if kelvin is not None else thermo.STANDARD_K
        assumed = "" if kelvin is not None else " (no temperature was given; 25 °C assumed)"
        return [_needs_cas(family, what, m, part) or answer(m, at, assumed, part)
                or NotComputed(family=family, subject=label(m), part=part.index,
                               reason=f"no {what} correlation in the tables covers {label(m)} at {at - CELSIUS:.0f} °C")
                for m in subjects.molecules]

    return calculate


def _vapor_pressure(m: MoleculeRecord, at: float, assumed: str, part: Part) -> Computed | None:
    found = thermo.vapor_pressure(m.cas or "", at)
    if found is None:
        return None
    kpa, mmhg = found.pascal / 1000, found.pascal / 133.322
    said = f"{kpa:.3g} kPa ({mmhg:.3g} mmHg, {found.pascal / 101325:.3g} atm)"
    return Computed(family="vapor_pressure", subject=label(m),
                    sentence=f"The vapor pressure of {label(m)} at {at - CELSIUS:.0f} °C is {said}{assumed}.",
                    facts=[f"Vapor pressure of {label(m)} at {at - CELSIUS:.0f} °C: {said} (source: {found.source})"],
                    values=[Value(kind="number", number=round(kpa, 4), unit="kPa", tolerance=max(0.02 * kpa, 0.001),
                                  alternatives=[(round(mmhg, 3), "mmHg", 0.02 * mmhg), (round(found.pascal, 1), "Pa", 0.02 * found.pascal)])],
                    source=found.source, part=part.index)


def _density(m: MoleculeRecord, at: float, assumed: str, part: Part) -> Computed | None:
    found = thermo.liquid_density(m.cas or "", at, _melting(m))
    if found is None:
        return None
    grams_per_ml = found.kg_per_m3 / 1000
    said = f"{grams_per_ml:.4g} g/mL ({found.kg_per_m3:.4g} kg/m³)"
    return Computed(family="density", subject=label(m),
                    sentence=f"The density of liquid {label(m)} at {at - CELSIUS:.0f} °C is {said}{assumed}.",
                    facts=[f"Liquid density of {label(m)} at {at - CELSIUS:.0f} °C: {said} (source: {found.source})"],
                    values=[Value(kind="number", number=round(grams_per_ml, 5), unit="g/mL", tolerance=0.01 * grams_per_ml,
                                  alternatives=[(round(found.kg_per_m3, 2), "kg/m3", 0.01 * found.kg_per_m3)])],
                    source=found.source, part=part.index)


vapor_pressure = _at_temperature("vapor_pressure", "vapor-pressure", _vapor_pressure)
density = _at_temperature("density", "liquid-density", _density)


# ---------------------------------------------------------------- stoichiometry


def _formula_subjects(subjects: Subjects) -> list[tuple[str, dict[str, int], str]]:
    """(label, element counts, the text the question wrote it as) for every molecule and formula."""
    found = []
    for m in subjects.molecules:
        try:
            found.append((label(m), _counts(m), m.query))
        except FormulaError:
            continue
    for written in subjects.formulas:
        try:
            counts = counts_of(written)
        except FormulaError:
            continue
        if all(counts != known for _, known, _ in found):  # "water (H2O)" is one substance
            found.append((written, counts, written))
    return found


def _with_formula(written: str, counts: dict[str, int]) -> str:
    """"phosphoric acid (H3O4P)"; a formula the user wrote stays as written."""
    return written if _looks_like_formula(written) else f"{written} ({hill(counts)})"


def _looks_like_formula(text: str) -> bool:
    return bool(re.fullmatch(r"(?:[A-Z][a-z]?\d*|\(|\)\d*)+", text))


def _number(text: str) -> float:
    text = text.replace("−", "-").replace("×", "x")
    if "x" in text:
        mantissa, exponent = re.split(r"\s*x\s*10\^?\s*", text)
        return float(mantissa) * 10 ** float(exponent)
    return float(text)


def _amounts(text: str, subjects: list[tuple[str, dict[str, int], str]]) -> list[tuple[float, str, tuple[str, dict[str, int], str]]]:
    """Each amount the text gives ("2 moles of NaCl", "10 g water") with the substance written after it."""
    found = []
    lowered = text.lower()
    for match in _AMOUNT.finditer(text):
        after = lowered[match.end():]
        positions = [(after.find(w.lower()), s) for s in subjects for w in (s[2], s[0]) if after.find(w.lower()) >= 0]
        if positions:
            found.append((_number(match.group("value")), match.group("unit").lower(), min(positions, key=lambda p: p[0])[1]))
        elif len(subjects) == 1:  # "the number of moles of water in 10 g"
            found.append((_number(match.group("value")), match.group("unit").lower(), subjects[0]))
    return found


def _in_moles(value: float, unit: str, counts: dict[str, int]) -> float:
    if unit.startswith("mol") and unit != "molecules":  # mol, mols, mole, moles
        return value
    if unit == "mmol":
        return value / 1000
    if unit == "molecules":
        return value / AVOGADRO
    grams = value * {"kg": 1000, "mg": 0.001}.get(unit, 1)
    return grams / molar_mass(counts)


_WANTS_GRAMS = re.compile(r"\bhow many (?:grams|g|kilograms|milligrams)\b|\bwhat (?:is the )?mass\b|\bmass in grams\b|\bweigh|"
                          r"\bin grams\b|\bgrams\?|\bhow much (?:does|do|would)\b", re.IGNORECASE)
_WANTS_MOLES = re.compile(r"\bhow many (?:moles|mol|mmol)\b|\bnumber of moles\b|\bamount of substance\b|\bin moles\b|\bmoles\?",
                          re.IGNORECASE)
_WANTS_MOLECULES = re.compile(r"\bhow many (?:molecules|particles|formula units)\b|\bnumber of molecules\b", re.IGNORECASE)


def grams_moles(part: Part, subjects: Subjects) -> Outcome:
    items = _formula_subjects(subjects)
    amounts = _amounts(part.text, items)
    if not amounts:
        return []
    value, unit, (name, counts, _) = amounts[0]
    moles = _in_moles(value, unit, counts)
    mass = molar_mass(counts)
    given = f"{value:g} {unit} of {name}"
    wants_grams = bool(_WANTS_GRAMS.search(part.text)) and not _WANTS_MOLES.search(part.text)
    if unit in ("g", "gram", "grams", "gm", "gms", "kg", "mg"):  # a mass given asks for moles, unless grams of something else
        wants_grams = False
    if _WANTS_MOLECULES.search(part.text):
        n = moles * AVOGADRO
        said = f"{n:.4g} molecules"
        values = [Value(kind="number", number=n, unit="molecules", tolerance=0.005 * n)]
    elif wants_grams or (unit.startswith("mol") and not _WANTS_MOLES.search(part.text)):
        grams = moles * mass
        said = f"{grams:.4g} g"
        values = [Value(kind="number", number=round(grams, 6), unit="g", tolerance=max(0.005 * grams, 0.01))]
    else:
        said = f"{moles:.4g} mol"
        values = [Value(kind="number", number=round(moles, 8), unit="mol", tolerance=max(0.005 * moles, 1e-6))]
    return [Computed(family="grams_moles", subject=name, sentence=f"{given} is {said} (molar mass of {hill(counts)}: {mass:.3f} g/mol).",
                     facts=[f"Molar mass of {hill(counts)}: {mass:.3f} g/mol (standard atomic weights)"], values=values,
                     source="stoichiometry with standard atomic weights", part=part.index)]


_PRODUCT_WORD = re.compile(r"\b(?:to form|forms?|forming|to produce|produces?|producing|to give|gives?|to make|makes?|yields?)\b", re.IGNORECASE)


def limiting_reagent(part: Part, subjects: Subjects) -> Outcome:
    """Which reactant runs out first, and the theoretical yield: from the equation the text writes, or
    from the reactants it gives amounts of and the product(s) it names after "to form"."""
    items = _formula_subjects(subjects)
    amounts = _amounts(part.text, items)
    reactant_labels = {s[0] for _, _, s in amounts}
    if len(reactant_labels) < 2:
        return []
    if (match := EQUATION.search(part.text)) is not None:
        written = match.group(0).rstrip(". ")
    else:
        after = _PRODUCT_WORD.search(part.text)
        tail = part.text[after.end():].lower() if after else ""
        products = [s for s in items if s[0] not in reactant_labels and (s[2].lower() in tail or s[0].lower() in tail)]
        if not products:
            return [NotComputed(family="limiting_reagent", subject=", ".join(sorted(reactant_labels)), part=part.index,
                                reason="the question names no product and writes no equation, so the reaction is not known")]
        reactants = list({s[0]: s for _, _, s in amounts}.values())
        written = " + ".join(hill(s[1]) for s in reactants) + " -> " + " + ".join(hill(s[1]) for s in products)
    try:
        balanced = balance_equation(written)
    except EquationError as exc:
        return [NotComputed(family="limiting_reagent", subject=written, reason=str(exc), part=part.index)]
    coefficient = {hill(s.counts): c for s, c in zip(balanced.reactants + balanced.products, balanced.coefficients)}
    runs: list[tuple[float, str, dict[str, int]]] = []
    for value, unit, (name, counts, _) in amounts:
        if hill(counts) in coefficient and any(hill(r.counts) == hill(counts) for r in balanced.reactants):
            runs.append((_in_moles(value, unit, counts) / coefficient[hill(counts)], name, counts))
    if len(runs) < 2:
        return []
    extent, limiting, _ = min(runs, key=lambda r: r[0])
    yields = [(p, extent * c * molar_mass(p.counts)) for p, c in zip(balanced.products, balanced.coefficients[len(balanced.reactants):])]
    said_yield = ", ".join(f"{grams:.4g} g of {p.written}" for p, grams in yields)
    values = [Value(kind="text", text=limiting)]
    if re.search(r"\byield|\bhow (?:many|much)\b[^?]*\b(?:form|produc|obtain|made|make)", part.text, re.IGNORECASE):
        values += [Value(kind="number", number=round(grams, 5), unit="g", tolerance=0.01 * grams) for _, grams in yields[:1]]
    moles = "; ".join(f"{r[1]}: {r[0] * coefficient[hill(r[2])]:.4g} mol" for r in runs)
    return [Computed(family="limiting_reagent", subject=", ".join(r[1] for r in runs),
                     sentence=f"{limiting[:1].upper()}{limiting[1:]} is the limiting reagent; the theoretical yield is {said_yield} "
                              f"({balanced.text()}).",
                     facts=[f"Reaction: {balanced.text()}", f"Moles given: {moles}"], values=values,
                     source="the balanced equation and standard atomic weights", part=part.index)]


def mass_percent(part: Part, subjects: Subjects) -> Outcome:
    element_match = (re.search(rf"(?:of|is)\s+{_ELEMENT}\s+(?:\w+\s+)?(?:in|of|by)\b", part.text)
                     or re.search(rf"\b(?P<element>{'|'.join(ELEMENT_NAMES)})\b", part.text, re.IGNORECASE))
    out: Outcome = []
    asked_element = element_match.group("element").lower() if element_match else ""
    for name, counts, _ in [s for s in _formula_subjects(subjects) if s[0].lower() != asked_element and s[2].lower() != asked_element]:
        found = composition(counts)
        element = ELEMENT_NAMES.get(element_match.group("element").lower(), element_match.group("element")) if element_match else None
        if element is not None and element in found.mass_percent:
            share = found.mass_percent[element]
            out.append(Computed(family="mass_percent", subject=name,
                                sentence=f"{element} is {share:.2f} % of {name} ({hill(counts)}) by mass.",
                                facts=[f"Mass composition of {hill(counts)}: " + ", ".join(f"{e} {p:.2f} %" for e, p in found.mass_percent.items())],
                                values=[Value(kind="number", number=share, unit="%", tolerance=0.1)],
                                source="stoichiometry with standard atomic weights", part=part.index))
        elif element is None:
            said = ", ".join(f"{e} {p:.2f} %" for e, p in found.mass_percent.items())
            out.append(Computed(family="mass_percent", subject=name, sentence=f"The mass composition of {name} ({hill(counts)}) is {said}.",
                                values=[Value(kind="number", number=p, unit="%", tolerance=0.1) for p in found.mass_percent.values()],
                                source="stoichiometry with standard atomic weights", part=part.index))
    return out


def empirical_formula(part: Part, subjects: Subjects) -> Outcome:
    percents = {}
    for match in _PERCENT.finditer(part.text):
        element = match.group("element") or match.group("element2")
        value = match.group("value") or match.group("value2")
        percents[ELEMENT_NAMES.get(element.lower(), element)] = float(value)
    if len(percents) >= 2:
        try:
            formula = hill(empirical_from_percent(percents))
        except FormulaError as exc:
            return [NotComputed(family="empirical_formula", subject="the composition", reason=str(exc), part=part.index)]
        given = ", ".join(f"{e} {p:g} %" for e, p in percents.items())
        return [Computed(family="empirical_formula", subject=given, sentence=f"The empirical formula for {given} by mass is {formula}.",
                         values=[Value(kind="text", text=formula)], source="mole ratios from standard atomic weights", part=part.index)]
    out: Outcome = []
    for name, counts, _ in _formula_subjects(subjects):
        formula = hill(empirical(counts))
        out.append(Computed(family="empirical_formula", subject=name,
                            sentence=f"The empirical formula of {name} ({hill(counts)}) is {formula}.",
                            values=[Value(kind="text", text=formula)], source="the molecular formula divided by its greatest common divisor",
                            part=part.index))
    return out


def combustion(part: Part, subjects: Subjects) -> Outcome:
    out: Outcome = []
    items = [s for s in _formula_subjects(subjects) if s[1] not in ({"O": 2},)]
    amounts = {s[0]: (v, u) for v, u, s in _amounts(part.text, items)}
    for name, counts, _ in items:
        if "C" not in counts and "H" not in counts:
            continue
        per_mole = combustion_oxygen(counts)
        equation = balance_equation(f"{hill(counts)} + O2 -> " + " + ".join(p for p in ("CO2", "H2O") if (p[0] == "C") == ("C" in counts) or p == "H2O" and "H" in counts))
        if name in amounts:
            value, unit = amounts[name]
            moles = _in_moles(value, unit, counts) * per_mole
            grams = moles * molar_mass({"O": 2})
            wants_grams = bool(_WANTS_GRAMS.search(part.text))
            said = f"{grams:.4g} g of O2 ({moles:.4g} mol)" if wants_grams else f"{moles:.4g} mol of O2 ({grams:.4g} g)"
            values = [Value(kind="number", number=grams if wants_grams else moles, unit="g" if wants_grams else "mol",
                            tolerance=0.005 * (grams if wants_grams else moles))]
            sentence = f"Burning {value:g} {unit} of {name} completely takes {said}: {equation.text()}."
        else:
            said = f"{per_mole:g} mol of O2 per mole of {name}"
            values = [Value(kind="number", number=per_mole, unit="mol", tolerance=0.01)]
            sentence = f"Complete combustion of {name} takes {said}: {equation.text()}."
        out.append(Computed(family="combustion_oxygen", subject=name, sentence=sentence, values=values,
                            facts=[f"Combustion of {name}: {equation.text()}"], source="the balanced combustion equation",
                            part=part.index))
    return out


_WORD_ARROW = re.compile(r"<?-+>|→|⟶|\s=\s|\byields?\b|\bgives?\b|\bproduces?\b|\bforms?\b")


def _word_equation(text: str, subjects: Subjects) -> tuple[str, str] | None:
    """An equation written in names ("methane + oxygen -> carbon dioxide + water"): the molecules before
    the arrow are the reactants, those after it the products, as formulas; and the names as written."""
    arrow = _WORD_ARROW.search(text)
    if arrow is None:
        return None
    lowered = text.lower()
    placed = sorted((at, m) for m in subjects.molecules if (at := lowered.find(m.query.lower())) >= 0)
    left = [m for at, m in placed if at < arrow.start()]
    right = [m for at, m in placed if at >= arrow.end()]
    if not left or not right:
        return None
    formulas = " -> ".join(" + ".join(hill(_counts(m)) for m in side) for side in (left, right))
    names = " → ".join(" + ".join(m.query for m in side) for side in (left, right))
    return formulas, names


def balance(part: Part, subjects: Subjects) -> Outcome:
    if ">>" in part.text:  # a reaction SMILES: the reaction tools check its element balance
        return []
    match = next(reversed(list(EQUATION.finditer(part.text))), None)  # a prompt's worked example comes before the asked one
    words = _word_equation(part.text, subjects) if match is None else None
    if match is None and words is None:
        return []
    written = match.group(0).rstrip(". ") if match is not None else words[0]  # type: ignore[index]
    try:
        balanced = balance_equation(written)
    except EquationError as exc:
        return [NotComputed(family="balance_equation", subject=written, reason=str(exc), part=part.index)]
    coefficients = ", ".join(str(c) for c in balanced.coefficients)
    named = f" ({words[1]})" if words is not None else ""
    return [Computed(family="balance_equation", subject=written, sentence=f"The balanced equation is {balanced.text()}{named}.",
                     facts=[f"Balanced: {balanced.text()} (coefficients {coefficients}; atoms and charge conserved)"],
                     values=[Value(kind="text", text=balanced.text())], source="a linear solve for the coefficients",
                     part=part.index)]


def reaction_enthalpy(part: Part, subjects: Subjects) -> Outcome:
    """ΔH of a written equation from enthalpies of formation (each species in its state at 25 °C; an
    element in its standard state counts zero)."""
    match = next(reversed(list(EQUATION.finditer(part.text))), None)
    if match is None:
        return []
    written = match.group(0).rstrip(". ")
    try:
        balanced = balance_equation(written)
    except EquationError as exc:
        return [NotComputed(family="reaction_enthalpy", subject=written, reason=str(exc), part=part.index)]
    by_counts = {hill(_counts(m)): m for m in subjects.molecules}
    total, missing, lines = 0.0, [], []
    sign = [-1] * len(balanced.reactants) + [1] * len(balanced.products)
    for species, coefficient, direction in zip(balanced.reactants + balanced.products, balanced.coefficients, sign):
        formula = hill(species.counts)
        if len(species.counts) == 1 and not species.charge:
            lines.append(f"{formula}: 0 kJ/mol (an element in its standard state)")
            continue
        molecule = by_counts.get(formula)
        found = _formation(molecule, Part(text="", index=part.index)) if molecule is not None and molecule.cas else None
        if found is None:
            missing.append(formula)
            continue
        total += direction * coefficient * found[0]
        lines.append(f"{formula}: {found[0]:.1f} kJ/mol ({found[1]})")
    if missing:
        return [NotComputed(family="reaction_enthalpy", subject=written, part=part.index,
                            reason=f"the tables give no enthalpy of formation for {', '.join(missing)} as one known compound")]
    said, checked = _energy(total, part)
    return [Computed(family="reaction_enthalpy", subject=written,
                     sentence=f"The enthalpy change of {balanced.text()} is {said} (from enthalpies of formation).",
                     facts=[f"Enthalpies of formation: {'; '.join(lines)}"], values=[checked],
                     source="enthalpies of formation from the chemicals tables", part=part.index)]


def oxidation_state(part: Part, subjects: Subjects) -> Outcome:
    asked = re.search(rf"\b(?:of|for)\s+(?:the\s+)?{_ELEMENT}\b(?:\s+atoms?)?\s+(?:in|of)\b", part.text)
    element = ELEMENT_NAMES.get(asked.group("element").lower(), asked.group("element")) if asked else None
    out: Outcome = []
    ion = re.search(r"\b([A-Z][A-Za-z0-9()]*?)\s*(?:\^\s*)?\(?(\d?)([+-])\)?(?=\s|\?|$|,)", part.text)
    for name, counts, written in _formula_subjects(subjects) or ([(ion.group(1), counts_of(ion.group(1)), ion.group(1))] if ion else []):
        charge = 0
        if ion and ion.group(1) == written:
            charge = (int(ion.group(2)) if ion.group(2) else 1) * (1 if ion.group(3) == "+" else -1)
        try:
            states = oxidation_states(counts, charge)
        except FormulaError as exc:
            out.append(NotComputed(family="oxidation_state", subject=name, reason=str(exc), part=part.index))
            continue
        if element is not None and element not in states:
            continue
        shown = {e: shown_state(s) for e, s in states.items()}
        if element is not None:
            state = states[element]
            average = " (an average over its atoms)" if state.denominator != 1 else ""
            sentence = f"The oxidation state of {element} in {_with_formula(name, counts)} is {shown[element]}{average}."
            values = [Value(kind="number", number=float(state), unit="", tolerance=0.01)]
        else:
            sentence = f"The oxidation states in {_with_formula(name, counts)} are " + ", ".join(f"{e} {s}" for e, s in shown.items()) + "."
            values = [Value(kind="number", number=float(s), unit="", tolerance=0.01) for s in states.values() if s != Fraction(0)]
        out.append(Computed(family="oxidation_state", subject=name, sentence=sentence, values=values,
                            facts=["Oxidation states in " + hill(counts) + ": " + ", ".join(f"{e} {s}" for e, s in shown.items())],
                            source="the oxidation-state rules, the last element balancing the charge", part=part.index))
    return out


# ---------------------------------------------------------------- structure


def _structure(family: str, answer: Callable[[MoleculeRecord, Part], tuple[str, list[Value]] | None]) -> Calculator:
    def calculate(part: Part, subjects: Subjects) -> Outcome:
        out: Outcome = []
        for m in subjects.molecules:
            try:
                found = answer(m, part)
            except InvalidSmiles:
                continue
            if found is not None:
                out.append(Computed(family=family, subject=label(m), sentence=found[0], values=found[1],
                                    source=f"RDKit on the structure {m.smiles}", part=part.index))
        return out

    return calculate


_ELEMENT_WORD = re.compile(r"\b(" + "|".join(ELEMENT_NAMES) + r")s?\b", re.IGNORECASE)
_ELEMENT_SYMBOL = re.compile(r"\b([A-Z][a-z]?)\s+atoms?\b|\batoms?\s+of\s+(?:the\s+)?(?:element\s+)?([A-Z][a-z]?)\b")


def _asked_element(text: str) -> str | None:
    """The element a count asks for: a name ("carbons", "oxygen atoms") or a symbol ("N atoms", "atoms of element O")."""
    from chemicals.elements import periodic_table

    if (word := _ELEMENT_WORD.search(text)) is not None:
        return ELEMENT_NAMES[word.group(1).lower()]
    for match in _ELEMENT_SYMBOL.finditer(text):
        symbol = match.group(1) or match.group(2)
        if symbol in periodic_table:
            return symbol
    return None


def _atom_count(m: MoleculeRecord, part: Part) -> tuple[str, list[Value]] | None:
    counts = structure.element_counts(m.smiles)
    if re.search(r"\bheavy atoms?\b|\bnon-?hydrogen atoms?\b", part.text, re.IGNORECASE):
        heavy = sum(n for e, n in counts.items() if e != "H")
        return f"{label(m)} ({m.formula}) has {heavy} heavy atoms (atoms other than hydrogen).", [Value(kind="number", number=heavy, unit="atoms")]
    element = _asked_element(part.text.replace(m.query, " "))
    if element is not None:
        n = counts.get(element, 0)
        return f"{label(m)} ({m.formula}) has {n} {element} atom{'s' if n != 1 else ''}.", [Value(kind="number", number=n, unit="atoms")]
    total = sum(counts.values())
    each = ", ".join(f"{n} {e}" for e, n in counts.items())
    return f"{label(m)} ({m.formula}) has {total} atoms: {each}.", [Value(kind="number", number=total, unit="atoms")]


_DESCRIPTORS = (("hbd", "hydrogen-bond donors", r"(?:hydrogen|h)[- ]?bond donors?|\bhbd\b"),
                ("hba", "hydrogen-bond acceptors", r"(?:hydrogen|h)[- ]?bond acceptors?|\bhba\b"),
                ("rotatable_bonds", "rotatable bonds", r"rotatable bonds?"),
                ("tpsa", "topological polar surface area (Å²)", r"\btpsa\b|polar surface area"),
                ("logp", "logP (Crippen)", r"\blogp\b|\blog p\b|octanol[- ]water partition"))


def _descriptor(m: MoleculeRecord, part: Part) -> tuple[str, list[Value]] | None:
    if m.descriptors is None:
        return None
    for key, words, pattern in _DESCRIPTORS:
        if re.search(pattern, part.text, re.IGNORECASE):
            value = getattr(m.descriptors, key)
            unit = {"hbd": "donors", "hba": "acceptors", "rotatable_bonds": "bonds"}.get(key, "")
            tolerance = {"tpsa": 0.5, "logp": 0.05}.get(key, 0.0)
            said = f"{label(m)} has {value} {words}" if unit else f"The {words} of {label(m)} is {value}"
            return f"{said}.", [Value(kind="number", number=float(value), unit=unit, tolerance=tolerance)]
    return None


def _rings(m: MoleculeRecord, part: Part) -> tuple[str, list[Value]] | None:
    rings = structure.ring_counts(m.smiles)
    if re.search(r"aromatic", part.text, re.IGNORECASE):
        n = rings["aromatic_rings"]
        if part.yes_no and not re.search(r"how many|number", part.text, re.IGNORECASE):
            return (f"{'Yes' if n else 'No'}: {label(m)} has {n} aromatic ring{'s' if n != 1 else ''}.",
                    [Value(kind="yes_no", yes=n > 0)])
        return f"{label(m)} has {n} aromatic ring{'s' if n != 1 else ''} ({rings['rings']} rings in all).", [Value(kind="number", number=n, unit="rings")]
    n = rings["rings"]
    return f"{label(m)} has {n} ring{'s' if n != 1 else ''} ({rings['aromatic_rings']} aromatic).", [Value(kind="number", number=n, unit="rings")]


def _stereocentres(m: MoleculeRecord, part: Part) -> tuple[str, list[Value]] | None:
    n = structure.stereo_facts(m.smiles).stereocentres
    return f"{label(m)} has {n} stereocentre{'s' if n != 1 else ''} (chiral centres).", [Value(kind="number", number=n, unit="stereocentres")]


def _stereoisomers(m: MoleculeRecord, part: Part) -> tuple[str, list[Value]] | None:
    facts = structure.stereo_facts(m.smiles)
    if not facts.counted:
        return (f"{label(m)} has {facts.stereocentres} stereocentres and {facts.stereo_bonds} stereogenic double bonds: at most "
                f"{facts.stereoisomers} stereoisomers (too many to enumerate here).", [Value(kind="number", number=facts.stereoisomers, unit="stereoisomers")])
    meso = f", {facts.meso_or_achiral_isomers} of them achiral (meso forms counted once)" if facts.meso_or_achiral_isomers and facts.stereocentres else ""
    return (f"{label(m)} has {facts.stereoisomers} stereoisomer{'s' if facts.stereoisomers != 1 else ''} "
            f"({facts.stereocentres} stereocentres, {facts.stereo_bonds} stereogenic double bonds{meso}).",
            [Value(kind="number", number=facts.stereoisomers, unit="stereoisomers")])


def _chiral(m: MoleculeRecord, part: Part) -> tuple[str, list[Value]] | None:
    facts = structure.stereo_facts(m.smiles)
    if facts.chiral is None:
        return (f"{label(m)} as written leaves its stereochemistry open: {facts.chiral_isomers} of its {facts.stereoisomers} "
                f"stereoisomers are chiral and {facts.meso_or_achiral_isomers} (meso) are not.", [])
    centres = f"{facts.stereocentres} stereocentre{'s' if facts.stereocentres != 1 else ''}"
    if facts.chiral:
        return f"Yes: {label(m)} is chiral ({centres}; it is not superimposable on its mirror image).", [Value(kind="yes_no", yes=True)]
    why = "it is a meso form" if facts.stereocentres else "it is superimposable on its mirror image"
    return f"No: {label(m)} is not chiral ({centres}; {why}).", [Value(kind="yes_no", yes=False)]


def _hybridisation(m: MoleculeRecord, part: Part) -> tuple[str, list[Value]] | None:
    match = re.search(_ELEMENT, part.text.split("hybridi")[-1]) or re.search(rf"\b{_ELEMENT}\b", part.text)
    words = match.group("element") if match else "carbon"
    element = ELEMENT_NAMES.get(words.lower(), words if words in ELEMENT_NAMES.values() else "C")
    found = structure.hybridisations(m.smiles, element)
    if not found:
        return None
    atoms = {h: f"{n} atom{'s' if n != 1 else ''}" for h, n in found.items()}
    if len(found) == 1:
        (kind, many), = atoms.items()
        return f"The {element} atoms of {label(m)} are {kind}-hybridised ({many}).", [Value(kind="text", text=kind)]
    return f"The {element} atoms of {label(m)} are " + " and ".join(f"{h} ({n})" for h, n in atoms.items()) + ".", []


def _bonds(m: MoleculeRecord, part: Part) -> tuple[str, list[Value]] | None:
    counts = structure.bond_counts(m.smiles)
    kind = re.search(r"\b(sigma|σ|pi|π|double|triple|single)\b", part.text, re.IGNORECASE)
    key = {"σ": "sigma", "π": "pi"}.get(kind.group(1), kind.group(1).lower()) if kind else None
    said = f"{counts['sigma']} sigma and {counts['pi']} pi bonds ({counts['single']} single, {counts['double']} double, {counts['triple']} triple, H included)"
    if key is None:
        return f"{label(m)} has {said}.", []
    return f"{label(m)} has {counts[key]} {key} bond{'s' if counts[key] != 1 else ''}: {said}.", [
        Value(kind="number", number=counts[key], unit="bonds")]


def _drug_likeness(m: MoleculeRecord, part: Part) -> tuple[str, list[Value]] | None:
    rules = structure.drug_likeness(m.smiles)
    asked = [r for r in rules if re.search(r.rule.split("'")[0], part.text, re.IGNORECASE)] or rules[:1]
    bits, values = [], []
    for rule in asked:
        judged = ", ".join(f"{k} {v:g}" for k, v in rule.values.items())
        broken = f"; violations: {', '.join(rule.violations)}" if rule.violations else "; no violations"
        bits.append(f"{'passes' if rule.passed else 'fails'} {rule.rule} ({judged}{broken})")
        values.append(Value(kind="yes_no", yes=rule.passed))
    lead = "Yes" if all(r.passed for r in asked) else "No"
    return f"{lead}: {label(m)} {'; '.join(bits)}.", values


atom_count = _structure("atom_count", _atom_count)
descriptor = _structure("descriptor", _descriptor)
ring_count = _structure("ring_count", _rings)
stereocentres = _structure("stereocentres", _stereocentres)
stereoisomers = _structure("stereoisomers", _stereoisomers)
chiral = _structure("chiral", _chiral)
hybridisation = _structure("hybridisation", _hybridisation)
bonds = _structure("bonds", _bonds)
drug_likeness = _structure("lipinski", _drug_likeness)

# Which words ask for which calculator, in the order they are tried: the first that matches a part answers it.
CALCULATORS: tuple[tuple[str, re.Pattern[str], Calculator], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE), calculator) for name, pattern, calculator in (
        ("reaction_enthalpy", r"enthalpy (?:change|of (?:the )?reaction)|heat of (?:the )?reaction|reaction enthalpy|"
                              r"(?:ΔH|delta ?h)(?:_?r(?:xn)?)?\s*(?:°|o)?\s*(?:for|of)\s+(?:the\s+)?(?:reaction|[A-Z])", reaction_enthalpy),
        ("balance_equation", r"\bbalanc|\bcoefficients\b|\bboth sides\b", balance),
        ("oxidation_state", r"oxidation (?:state|number)", oxidation_state),
        ("empirical_formula", r"empirical formula|simplest formula", empirical_formula),
        ("combustion_oxygen", r"\b(?:oxygen|o2)\b[^?]*\b(?:burn|combust|reacts? (?:completely )?with)|"
                              r"\b(?:burn|combust)\w*[^?]*\b(?:oxygen|o2)\b", combustion),
        ("enthalpy_combustion", r"(?:enthalpy|heat) of combustion|combustion enthalpy|heating value|\bhhv\b|ΔH_?c\b", enthalpy_of_combustion),
        ("enthalpy_formation", r"(?:enthalpy|heat) of formation|formation enthalpy|(?:\b[dΔ]|\bdelta ?)\s?h_?f", enthalpy_of_formation),
        ("enthalpy_vaporisation", r"(?:enthalpy|heat) of vapou?ri[sz]ation|\bhvap\b|ΔH_?vap|latent heat", enthalpy_of_vaporisation),
        ("vapor_pressure", r"vapou?r pressure", vapor_pressure),
        ("flash_point", r"flash\s?point", flash_point),
        ("autoignition", r"auto-?\s?ignit|self-?ignit|ignition temperature|ignites? (?:on its own|by itself|spontaneously)|"
                         r"spontaneous(?:ly)? (?:ignit|combust)", autoignition),
        ("flammability_limits", r"flam+ab\w*\s+(?:limit|range)|explosive\s+(?:limit|range)|\b(?:lel|uel|lfl|ufl)\b|"
                                r"concentrations?\b[^?]*\b(?:explode|explosive|burn|ignite)", flammability_limits),
        ("exposure_limit", r"exposure limit|\btwa\b|\bstel\b|\bpel\b|\btlv\b|permissible exposure|occupational", exposure_limits),
        ("carcinogen", r"carcinogen|cancer|\biarc\b", carcinogen),
        ("flammable", r"\b(?:in)?flam+able|\b(?:combustible|catch(?:es)? fire|ignite|fire (?:hazard|risk))\b|"
                      r"^\s*(?:does|do|can|will|would)\b[^?]*\bburn\b|"
                      r"\bflammability\b(?!\s+(?:limit|range))", flammable),
        ("toxic", r"\btoxic|\bpoison|\bdangerous|\bhazard|\bharmful|\bsafe to (?:touch|handle|breathe|drink)", toxicity),
        ("dipole_moment", r"dipole|\bpolar(?:ity)?\b(?!\s+surface)", dipole_moment),
        ("mass_percent", r"percent(?:age)? (?:composition|by mass)|mass percent|% by mass|mass fraction|percent(?:age)? of \w+ (?:in|by)|"
                         r"\bby mass\b[^?]*\bpercent|\bpercent\b[^?]*\bby mass\b|mass\s*%|%\s*(?:by\s+)?mass|fraction of the mass|"
                         r"\bwhat (?:%|percent(?:age)?)\b|(?:%|percent(?:age)?)\s+(?:of\s+)?\w+\s+(?:in|is)\b", mass_percent),
        ("limiting_reagent", r"limiting (?:reagent|reactant)|theoretical yield|excess (?:reagent|reactant)|percent(?:age)? yield", limiting_reagent),
        ("density", r"\bdensity\b", density),
        ("grams_moles", r"\d\s*-?\s*(?:mols?|moles?|mmol|g|gms?|grams?|kg|mg|molecules)\b", grams_moles),
        ("stereoisomers", r"stereoisomers?|optical isomers?|how many (?:enantiomers|diastereomers)", stereoisomers),
        ("stereocentres", r"stereo-?(?:centers?|centres?)|chiral (?:centers?|centres?|carbons?|atoms?)|stereogenic|asymmetric carbons?", stereocentres),
        ("chiral", r"\bchiral\b|optically active|\b(?:have|has|form|exist as) (?:an? )?enantiomers?\b|superimposable|mirror image", chiral),
        ("hybridisation", r"hybridi[sz]", hybridisation),
        ("bonds", r"\b(?:sigma|σ|pi|π|double|triple|single)\s+bonds?\b", bonds),
        ("ring_count", r"\brings?\b|\baromatic\b", ring_count),
        ("atom_count", r"\b(?:how many|number of|count)\b[^?]*\batoms?\b|\batoms in\b|\batom count\b|\b(?:how many|number of)\s+(?:"
                       + "|".join(ELEMENT_NAMES) + r")s\b", atom_count),
        ("lipinski", r"lipinski|rule of (?:five|5)|drug-?like|veber|ghose|oral(?:ly)? (?:bio)?availab", drug_likeness),
        ("descriptor", r"^(?!.*\b(?:more|fewer|less|higher|lower|most|least|than|compare)\b).*(?:(?:hydrogen|h)[- ]?bond (?:donor|acceptor)|"
                       r"\bhb[da]\b|rotatable bonds?|\btpsa\b|polar surface area|\blog ?p\b|octanol[- ]water)", descriptor),
    )
)


def _calculator_for(text: str) -> tuple[str, Calculator] | None:
    return next(((name, calc) for name, pattern, calc in CALCULATORS if pattern.search(text)), None)


def calculator_name(text: str) -> str | None:
    """The calculation a part's words ask for, if any."""
    found = _calculator_for(text)
    return found[0] if found else None


def compute(part: Part, subjects: Subjects) -> Outcome:
    """The answers to one asked part (empty when no calculator is asked for, or none applies)."""
    found = _calculator_for(part.text)
    if found is None:
        return []
    name, calculator = found
    if name not in _FORMULA_CALCULATIONS and not subjects.molecules and subjects.ambiguous:
        return [NotComputed(family=name, subject=formula, part=part.index,
                            reason=f"{formula} is the formula of several compounds ({', '.join(names)}); name the one meant")
                for formula, names in subjects.ambiguous.items()]
    return calculator(part, subjects)


# Calculations a formula alone settles; the others need the one compound a formula stands for.
_FORMULA_CALCULATIONS = frozenset({"balance_equation", "reaction_enthalpy", "oxidation_state", "empirical_formula", "combustion_oxygen", "mass_percent",
                                   "grams_moles", "limiting_reagent"})
