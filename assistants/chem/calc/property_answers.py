"""Calculators of measured properties by CAS number: hazards (flash point, flammability, exposure
limits, carcinogen lists, toxicity), dipole moments and polarity, enthalpies, vapor pressure and
density, each ranked when the part compares and with the gap when it asks by how much."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistants.chem.calc import hazards, thermo
from assistants.chem.calc.parts import (
    CELSIUS, HIGHER, LOWER, Calculator, Outcome, Part, Subjects, asked_kelvin, boiling_point, hazards_of, melting_point,
    molecule_counts, needs_cas, no_table, temperature_text,
)
from assistants.chem.calc.results import Computed, NotComputed, Value
from assistants.chem.intent import COMPARATIVE, DIFFERENCE
from assistants.chem.resolve import MoleculeRecord, label

HazardAnswer = Callable[[MoleculeRecord, hazards.HazardData, Part], Computed | NotComputed]


def _hazard(family: str, what: str, answer: HazardAnswer) -> Calculator:
    """A calculator that reads each molecule's hazard data by its CAS number."""

    def calculate(part: Part, subjects: Subjects) -> Outcome:
        return [needs_cas(family, what, m, part) or answer(m, hazards_of(m), part) for m in subjects.molecules]

    return calculate


def _limits(m: MoleculeRecord, data: hazards.HazardData, part: Part) -> Computed | NotComputed:
    lower, upper = data.lower_flammability_limit, data.upper_flammability_limit
    if lower is None:
        return no_table("flammability_limits", "flammability limits", label(m), part)
    values = [Value(kind="number", number=round(lower.value * 100, 3), unit="%", tolerance=0.05)]
    said = f"{lower.value * 100:.3g} % by volume in air (lower limit)"
    if upper is not None:
        values.append(Value(kind="number", number=round(upper.value * 100, 3), unit="%", tolerance=0.05))
        said = f"{lower.value * 100:.3g} % (lower) to {upper.value * 100:.3g} % (upper) by volume in air"
    return Computed(family="flammability_limits", subject=label(m), sentence=f"The flammability limits of {label(m)} are {said}.",
                    facts=[f"Flammability limits of {label(m)}: {said} (source: {lower.source})"], values=values,
                    source=lower.source, part=part.index)


# "Is it safe …?", "… ok?", "Is it ok to …?", "Can I heat X over a flame?": asks whether it is safe to do.
_SAFETY = re.compile(r"\bsafe(?:ly)?\b|\b(?:ok|okay|alright|all right|fine)\s*(?:\?|to\b)|^\s*(?:can|may|could|should)\s+(?:i|we|you)\b",
                     re.IGNORECASE)


def hazard_lead(part: Part, hazardous: bool, hazard: str) -> tuple[str, bool]:
    """The yes or no a hazard answer starts with, and the one a reply must give: "Is X flammable?" is
    answered yes for a hazard, "Is it safe near an open flame?" no. A claim checked against the tools
    ("It is not toxic and is safe to drink.") is read as a hazard claim: its "not" is the no."""
    if _SAFETY.search(part.text) and part.text.rstrip().endswith("?"):
        return ("No, not safe" if hazardous else f"Yes, as far as {hazard} goes"), not hazardous
    return ("Yes" if hazardous else "No"), hazardous


def _flammable(m: MoleculeRecord, data: hazards.HazardData, part: Part) -> Computed | NotComputed:
    verdict = hazards.flammability(data, boiling_point(m))
    if verdict.flammable is None:
        return NotComputed(family="flammable", subject=label(m), part=part.index,
                           reason=f"{verdict.reason.replace('for it', f'for {label(m)}')}, so the tools cannot say")
    found = data.flash_point or data.lower_flammability_limit
    source = found.source if found is not None else "chemicals: incombustible materials"
    said, yes = hazard_lead(part, verdict.flammable, "fire")
    words = "flammable" if verdict.flammable else "not a flammable liquid"
    return Computed(family="flammable", subject=label(m), sentence=f"{said}: {label(m)} is {words}; {verdict.reason}.",
                    facts=[f"Flammability of {label(m)}: {verdict.reason} (source: {source})"],
                    values=[Value(kind="yes_no", yes=yes, text=r"flam|combust|burn|ignit|fire")], source=source, part=part.index)


def _exposure(m: MoleculeRecord, data: hazards.HazardData, part: Part) -> Computed | NotComputed:
    if not data.exposure_limits:
        return no_table("exposure_limit", "occupational exposure limit", label(m), part)
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
    values = [Value(kind="yes_no", yes=yes, text=r"carcinogen|cancer")]
    group = hazards.iarc_group(data)
    if group is not None:
        lead += f", IARC Group {group}"
        if re.search(r"\bgroup\b|\bclassif|\bcategor", part.text, re.IGNORECASE):  # "… and in which group?"
            values.append(Value(kind="text", text=f"group {group}"))
    return Computed(family="carcinogen", subject=label(m), sentence=f"{lead} ({listed}).",
                    facts=[f"Carcinogen classifications of {label(m)}: {listed} (source: chemicals)"],
                    values=values, source="chemicals: IARC and NTP lists", part=part.index)


def _toxic(m: MoleculeRecord, data: hazards.HazardData, part: Part) -> Computed | NotComputed:
    """"Is X toxic / dangerous?": what the tables hold (exposure limits, carcinogen lists); a listed limit
    or classification is a health hazard, and nothing listed is not read as safe."""
    bits = [f"an occupational exposure limit of {limit.value:g} {limit.unit} ({limit.kind})" for limit in data.exposure_limits]
    bits += [f"{source}: {words}" for source, words in data.carcinogen.items()]
    if not bits:
        return NotComputed(family="toxic", subject=label(m), part=part.index,
                           reason=f"the tables list no exposure limit or carcinogen classification for {label(m)}; "
                                  "that does not show it is safe")
    said, yes = hazard_lead(part, True, "health")
    return Computed(family="toxic", subject=label(m),
                    sentence=f"{said}: {label(m)} is a health hazard: it has {'; '.join(bits)}. Toxicity depends on dose and "
                             "exposure; the tools hold no LD50.",
                    facts=[f"Health hazard data of {label(m)}: {'; '.join(bits)} (source: chemicals)"],
                    values=[Value(kind="yes_no", yes=yes, text=r"toxic|hazard|harm|poison|danger")], source="chemicals: exposure limits and carcinogen lists",
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


def energy_text(value: float, part: Part) -> tuple[str, Value]:
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
            if (missing := needs_cas(family, what, m, part)) is not None:
                out.append(missing)
                continue
            found = read(m, part)
            if found is None:
                out.append(no_table(family, what, label(m), part))
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
                                           "values": [Value(kind="yes_no", yes=has, text=r"dipole|polar"), *computed.values]})
    if debye >= thermo.POLAR_DEBYE:
        verdict, values = f"Yes: {computed.subject} is polar", [Value(kind="yes_no", yes=True, text=r"polar")]
    elif debye <= thermo.NONPOLAR_DEBYE:
        verdict, values = f"No: {computed.subject} is nonpolar", [Value(kind="yes_no", yes=False, text=r"polar")]
    else:
        verdict, values = f"{computed.subject[:1].upper()}{computed.subject[1:]} is only weakly polar", []
    return computed.model_copy(update={"sentence": f"{verdict} (dipole moment {debye:.2f} D).", "values": values + computed.values})


def _ranking(family: str, what: str, show: Shown, valued: list[tuple[MoleculeRecord, float]], part: Part) -> Computed:
    lower = bool(LOWER.search(part.text)) and not HIGHER.search(part.text)
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
    return temperature_text(kelvin, part.unit)


def _hazard_temperature(key: str) -> Callable[[MoleculeRecord, Part], tuple[float, str] | None]:
    def read(m: MoleculeRecord, part: Part) -> tuple[float, str] | None:
        found = getattr(hazards_of(m), key)
        return (found.value, found.source) if found is not None else None

    return read


def _dipole(m: MoleculeRecord, part: Part) -> tuple[float, str] | None:
    found = thermo.dipole_moment(m.cas or "")
    return (found.value, found.source) if found is not None else None


_PHASES = (("g", re.compile(r"\bgas(?:eous)?\b|\(g\)|\bvapou?r\b", re.IGNORECASE)),
           ("l", re.compile(r"\bliquid\b|\(l\)", re.IGNORECASE)), ("s", re.compile(r"\bsolid\b|\(s\)|\bcrystal", re.IGNORECASE)))


def formation_enthalpy(m: MoleculeRecord, part: Part) -> tuple[float, str] | None:
    """In the phase the question names, else the substance's state at 25 °C."""
    asked = next((phase for phase, words in _PHASES if words.search(part.text)), None)
    phase = asked or thermo.standard_phase(melting_point(m), boiling_point(m))
    found = thermo.enthalpy_of_formation(m.cas or "", phase)
    if found is None and asked is None:
        found, phase = thermo.enthalpy_of_formation(m.cas or "", "g"), "g"
    if found is None:
        return None
    return found.value / 1000, f"{found.source}, {_PHASE_WORDS[phase]}"


_PHASE_WORDS = {"g": "gas", "l": "liquid", "s": "solid"}


def _combustion(m: MoleculeRecord, part: Part) -> tuple[float, str] | None:
    phase = thermo.standard_phase(melting_point(m), boiling_point(m))
    formation = thermo.enthalpy_of_formation(m.cas or "", phase)
    if formation is None or not {"C", "H"} & set(molecule_counts(m)):
        return None
    found = thermo.combustion_enthalpy(molecule_counts(m), formation)
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
enthalpy_of_formation = _numeric("enthalpy_formation", "standard enthalpy of formation", formation_enthalpy, energy_text)
enthalpy_of_combustion = _numeric("enthalpy_combustion", "standard enthalpy of combustion", _combustion, energy_text)
enthalpy_of_vaporisation = _numeric("enthalpy_vaporisation", "enthalpy of vaporisation", _vaporisation, energy_text)




TemperatureAnswer = Callable[[MoleculeRecord, float, str, Part], Computed | None]


def _at_temperature(family: str, what: str, answer: TemperatureAnswer) -> Calculator:
    """A calculator for a property at the temperature the part asks (25 °C, said so, when it asks none)."""

    def calculate(part: Part, subjects: Subjects) -> Outcome:
        kelvin = asked_kelvin(part.text)
        at = kelvin if kelvin is not None else thermo.STANDARD_K
        assumed = "" if kelvin is not None else " (no temperature was given; 25 °C assumed)"
        return [needs_cas(family, what, m, part) or answer(m, at, assumed, part)
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
    found = thermo.liquid_density(m.cas or "", at, melting_point(m))
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


# Pressures in the units chemists ask in, per pascal; the asked one ("… in bar") is written first.
PRESSURE_UNITS = {"MPa": 1e6, "bar": 1e5, "atm": 101325.0, "kPa": 1e3, "psi": 6894.757, "mmHg": 133.322, "Pa": 1.0}
_ASKED_PRESSURE = re.compile(r"\bin\s+(mpa|kpa|pa|bar|atm|atmospheres|psi|mmhg|torr)\b", re.IGNORECASE)


def pressure_text(pascal: float, part: Part) -> tuple[str, Value]:
    asked = _ASKED_PRESSURE.search(part.text)
    first = next((u for u in PRESSURE_UNITS if asked and u.lower() == asked.group(1).lower().replace("atmospheres", "atm")
                  .replace("torr", "mmhg")), "MPa")
    units = [first, *(u for u in ("MPa", "bar", "atm") if u != first)]
    shown = [f"{pascal / PRESSURE_UNITS[u]:.4g} {u}" for u in units]
    checked = Value(kind="number", number=round(pascal / 1e6, 6), unit="MPa", tolerance=0.01 * pascal / 1e6,
                    alternatives=[(pascal / f, u, 0.01 * pascal / f) for u, f in PRESSURE_UNITS.items() if u != "MPa"])
    return f"{shown[0]} ({', '.join(shown[1:])})", checked


def volume_text(cubic_metres: float, part: Part) -> tuple[str, Value]:
    cm3 = cubic_metres * 1e6
    return f"{cm3:.4g} cm³/mol ({cubic_metres:.3g} m³/mol)", Value(kind="number", number=round(cm3, 4), unit="cm³/mol",
                                                                   tolerance=0.01 * cm3,
                                                                   alternatives=[(cubic_metres, "m³/mol", 0.01 * cubic_metres)])


def plain_text(value: float, part: Part) -> tuple[str, Value]:
    return f"{value:.3f}", Value(kind="number", number=round(value, 4), tolerance=0.005)


def _store_property(key: str) -> Callable[[MoleculeRecord, Part], tuple[float, str] | None]:
    """A property the compound store keeps for the molecule (its critical constants), with its source."""
    def read(m: MoleculeRecord, part: Part) -> tuple[float, str] | None:
        found = next((p for p in m.properties if p.key == key), None)
        return (float(found.value), f"chemicals/{found.method}, {found.kind}") if found is not None else None

    return read


critical_pressure = _numeric("critical_pressure", "critical pressure", _store_property("critical_pressure"), pressure_text)
critical_volume = _numeric("critical_volume", "critical volume", _store_property("critical_volume"), volume_text)
acentric_factor = _numeric("acentric_factor", "acentric factor", _store_property("acentric_factor"), plain_text)
