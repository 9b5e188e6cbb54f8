"""Calculators of solutions: the molarity of a solute made up to a volume, the mass (or moles) of solute
a volume of a given molarity needs, and dilutions (c1·V1 = c2·V2) for whichever quantity is missing."""

from __future__ import annotations

import re

from assistants.chem.calc.amount_answers import (
    WANTS_GRAMS, WANTS_MOLES, formula_subjects, given_amounts, in_moles, written_as_formula,
)
from assistants.chem.calc.parts import Outcome, Part, Subjects
from assistants.chem.calc.physical import solve_dilution
from assistants.chem.calc.quantities import Quantity, concentrations_molar, volumes_litres, without_concentrations
from assistants.chem.calc.results import Computed, NotComputed, Value
from assistants.chem.calc.stoichiometry import hill, molar_mass

_RELATIVE = 0.01  # the questions' figures carry about three significant digits
_WANTS_MILLILITRES = re.compile(r"\b(?:ml|millilit(?:re|er)s?|cm3|cm\^3)\b", re.IGNORECASE)


def _volume_said(volume: Quantity) -> str:
    """A given volume as the question wrote it: mL stays mL, anything else is shown in litres."""
    return f"{volume.value * 1000:.4g} mL" if volume.unit.lower().startswith(("m", "c")) else f"{volume.value:.4g} L"


def _nearest(quantity: Quantity, others: list[Quantity]) -> Quantity:
    return min(others, key=lambda o: min(abs(o.start - quantity.end), abs(quantity.start - o.end)))


_STOCK = re.compile(r"\bstock\b|\bconcentrated\b", re.IGNORECASE)
_TARGET = re.compile(r"\bto make\b|\bmake\b|\bprepare\b|\bdiluted? (?:it )?to\b|\bfinal\b|\bfor\b|\bto get\b", re.IGNORECASE)


def _roles(text: str, concentrations: list[Quantity]) -> tuple[Quantity, Quantity]:
    """(stock, diluted) of two concentrations, by the words around them: the one nearest "stock", else
    the one right after "to make" / "diluted to" is the diluted one; with neither, the higher is the stock.
    A stock weaker than its target is kept as written, so the dilution is refused, never reinterpreted."""
    first, second = concentrations
    if (stock_word := _STOCK.search(text)) is not None:
        stock = min(concentrations, key=lambda q: min(abs(q.start - stock_word.end()), abs(stock_word.start() - q.end)))
        return stock, (second if stock is first else first)
    targets = [m.end() for m in _TARGET.finditer(text)]
    after = [(q.start - max(t for t in targets if t <= q.start), q) for q in concentrations if any(t <= q.start for t in targets)]
    if after:
        diluted = min(after, key=lambda pair: pair[0])[1]
        return (second if diluted is first else first), diluted
    return (first, second) if first.value >= second.value else (second, first)


def _litres_text(litres: float, millilitres: bool) -> tuple[str, Value]:
    if millilitres:
        return (f"{litres * 1000:.4g} mL ({litres:.4g} L)",
                Value(kind="number", number=litres * 1000, unit="mL", tolerance=_RELATIVE * litres * 1000,
                      alternatives=[(litres, "L", _RELATIVE * litres)]))
    return (f"{litres:.4g} L ({litres * 1000:.4g} mL)",
            Value(kind="number", number=litres, unit="L", tolerance=_RELATIVE * litres,
                  alternatives=[(litres * 1000, "mL", _RELATIVE * litres * 1000)]))


_WATER_ASKED = re.compile(r"\b(?:how much|what volume of|how many (?:ml|millilit\w+|l|lit\w+) of)\s+(?:distilled\s+)?water\b|"
                          r"\bwater\b[^?]*\b(?:must|should|needs? to) be added\b", re.IGNORECASE)
_DILUTED = re.compile(r"\b(?:to make|make|prepare|diluted? (?:it )?to|to get|to obtain|obtain|produces?|gives?|final|for)\s+"
                      r"(?:a\s+|an\s+|the\s+)?(?:[\d.,]+\s*(?:ml|l|mL|L)\s+of\s+(?:a\s+)?)?$", re.IGNORECASE)
_STOCK_ASKED = re.compile(r"\b(?:molarity|concentration) of (?:the )?(?:stock|original|concentrated|initial)\b", re.IGNORECASE)


def _is_water(text: str, volume: Quantity) -> bool:
    """ "50.0 mL of water", "25 mL of distilled water": water added, not a solution's volume."""
    return re.match(r"\s*(?:of\s+)?(?:distilled\s+|deionized\s+|pure\s+)?water\b", text[volume.end:], re.IGNORECASE) is not None


def _is_diluted(text: str, concentration: Quantity) -> bool:
    """Whether a lone concentration is the diluted solution's ("to make 650 mL of 0.60 M", "produces a 0.186 M")."""
    return bool(_DILUTED.search(text[max(0, concentration.start - 40):concentration.start])) or bool(_STOCK_ASKED.search(text))


def _molar(value: float) -> Value:
    return Value(kind="number", number=value, unit="M", tolerance=_RELATIVE * value, alternatives=[(value, "mol/L", _RELATIVE * value)])


def _dilution(part: Part, concentrations: list[Quantity], volumes: list[Quantity]) -> Outcome:
    """Two concentrations and a volume, or a concentration and two volumes: the one left out; water
    added or asked for is the difference of the two volumes."""
    text = part.text
    try:
        if len(concentrations) == 2 and len(volumes) == 1:
            stock, diluted = _roles(text, concentrations)
            volume = volumes[0]
            if _nearest(volume, concentrations) is stock:  # "50 mL of 2 M … diluted to 0.5 M": the final volume
                found = solve_dilution(stock.value, volume.value, diluted.value, None)
            else:  # "how much 12 M stock makes 250 mL of 1 M": the stock's volume
                found = solve_dilution(stock.value, None, diluted.value, volume.value)
            millilitres = bool(_WANTS_MILLILITRES.search(text)) or volume.unit.lower().startswith(("m", "c"))
            if _WATER_ASKED.search(text):
                water = found.diluted_volume_l - found.stock_volume_l
                said, checked = _litres_text(water, millilitres)
                sentence = (f"Add {said} of water to {found.stock_volume_l * 1000:.4g} mL of {stock.value:g} M to make "
                            f"{found.diluted_volume_l * 1000:.4g} mL of {diluted.value:g} M")
            elif _nearest(volume, concentrations) is stock:
                said, checked = _litres_text(found.diluted_volume_l, millilitres)
                sentence = f"Diluting {_volume_said(volume)} of {stock.value:g} M to {diluted.value:g} M gives {said} of solution"
            else:
                said, checked = _litres_text(found.stock_volume_l, millilitres or found.stock_volume_l < 1)
                sentence = (f"Take {said} of the {stock.value:g} M stock and dilute it to {_volume_said(volume)} "
                            f"to make {diluted.value:g} M")
        elif len(concentrations) == 1 and len(volumes) == 2:
            given = concentrations[0]
            water = [v for v in volumes if _is_water(text, v)]
            if water:
                sample = next(v for v in volumes if v is not water[0])
                first, final_l = sample, sample.value + water[0].value
            else:
                near = _nearest(given, volumes)
                other = next(v for v in volumes if v is not near)
                first, final_l = (other, near.value) if _is_diluted(text, given) else (near, other.value)
            if _is_diluted(text, given):
                found = solve_dilution(None, first.value, given.value, final_l)
                sentence = (f"The stock is {found.stock_molar:.4g} M: {_volume_said(first)} of it made up to "
                            f"{final_l * 1000:.4g} mL gives {given.value:g} M")
                checked = _molar(found.stock_molar)
            else:
                found = solve_dilution(given.value, first.value, None, final_l)
                sentence = (f"Diluting {_volume_said(first)} of {given.value:g} M to {final_l * 1000:.4g} mL gives "
                            f"{found.diluted_molar:.4g} M")
                checked = _molar(found.diluted_molar)
        else:
            return []
    except ValueError as exc:
        return [NotComputed(family="dilution", subject="the dilution", reason=str(exc), part=part.index)]
    return [Computed(family="dilution", subject="the dilution", sentence=f"{sentence} (c1·V1 = c2·V2).", values=[checked],
                     facts=["Dilution: the moles of solute stay the same, c1·V1 = c2·V2"], source="the dilution equation",
                     part=part.index)]


_NEUTRALISATION = re.compile(r"\bneutrali[sz]|\btitrat|\bequivalence point\b|\bend ?point\b", re.IGNORECASE)


def solution(part: Part, subjects: Subjects) -> Outcome:
    """Molarity from a solute's amount and the solution's volume; the solute a volume of a molarity
    needs; or a dilution."""
    text = part.text
    concentrations, volumes = concentrations_molar(text), volumes_litres(text)
    if _NEUTRALISATION.search(text):  # c1·V1 = c2·V2 ignores how many protons each acid gives (H3PO4: three)
        return [NotComputed(family="solution", subject=", ".join(s[0] for s in formula_subjects(subjects)) or "the solutions",
                            part=part.index, reason="a neutralisation or titration needs the reaction's stoichiometry, "
                                                    "which the solution tools do not take")]
    if re.search(r"\bdilut|\bstock\b", text, re.IGNORECASE) or len(concentrations) + len(volumes) >= 3:
        return _dilution(part, concentrations, volumes)
    items = formula_subjects(subjects)
    if len(concentrations) == 1 and len(volumes) == 1:
        if not items:
            return []
        name, counts, written = items[0]
        formula = written if written_as_formula(written) else hill(counts)  # "NaCl" as the user wrote it, not Hill's "ClNa"
        moles = concentrations[0].value * volumes[0].value
        mass = molar_mass(counts)
        made = f"{_volume_said(volumes[0])} of {concentrations[0].value:g} M {name}"
        if WANTS_MOLES.search(text) and not WANTS_GRAMS.search(text):
            said, checked = f"{moles:.4g} mol", Value(kind="number", number=moles, unit="mol", tolerance=_RELATIVE * moles)
        else:
            grams = moles * mass
            said = f"{grams:.4g} g ({moles:.4g} mol)"
            checked = Value(kind="number", number=grams, unit="g", tolerance=_RELATIVE * grams)
        return [Computed(family="solution", subject=name, sentence=f"{made[0].upper()}{made[1:]} contains {said} of {name} "
                                                                    f"(molar mass of {formula}: {mass:.3f} g/mol).",
                         values=[checked], facts=[f"Moles = molarity × volume; molar mass of {formula}: {mass:.3f} g/mol"],
                         source="molarity and standard atomic weights", part=part.index)]
    amounts = given_amounts(without_concentrations(text), items)
    if not concentrations and len(volumes) == 1 and amounts:
        value, unit, (name, counts, written) = amounts[0]
        formula = written if written_as_formula(written) else hill(counts)
        molar = in_moles(value, unit, counts) / volumes[0].value
        return [Computed(family="solution", subject=name,
                         sentence=f"{value:g} {unit} of {name} in {_volume_said(volumes[0])} of solution is {molar:.4g} M "
                                  f"({molar:.4g} mol/L).",
                         values=[Value(kind="number", number=molar, unit="M", tolerance=_RELATIVE * molar,
                                       alternatives=[(molar, "mol/L", _RELATIVE * molar)])],
                         facts=[f"Molarity = moles of solute / litres of solution; molar mass of {formula}: "
                                f"{molar_mass(counts):.3f} g/mol"],
                         source="molarity and standard atomic weights", part=part.index)]
    return []
