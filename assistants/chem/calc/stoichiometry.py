"""Stoichiometry from formulas: molar masses, grams ↔ moles, percent composition, empirical formulas
(from a formula or from a mass composition), oxygen for complete combustion and oxidation states."""

from __future__ import annotations

from fractions import Fraction
from functools import reduce
from math import gcd

from pydantic import BaseModel

from assistants.chem.formulas import formula_counts

AVOGADRO = 6.02214076e23
# Elements whose oxidation state in a compound is (almost) always the same, in the order the rules apply.
_FIXED_STATES: tuple[tuple[frozenset[str], int], ...] = (
    (frozenset({"F"}), -1),
    (frozenset({"Li", "Na", "K", "Rb", "Cs"}), 1),
    (frozenset({"Be", "Mg", "Ca", "Sr", "Ba"}), 2),
    (frozenset({"Al"}), 3),
    (frozenset({"Zn"}), 2),
    (frozenset({"Ag"}), 1),
)
_METALS = frozenset({"Li", "Na", "K", "Rb", "Cs", "Be", "Mg", "Ca", "Sr", "Ba", "Al"})
_HALOGENS = ("Cl", "Br", "I")
_ELECTRONEGATIVITY = {"F": 3.98, "O": 3.44, "Cl": 3.16, "N": 3.04, "Br": 2.96, "I": 2.66, "S": 2.58, "C": 2.55, "Se": 2.55,
                      "H": 2.20, "P": 2.19, "As": 2.18, "B": 2.04, "Si": 1.90}


class FormulaError(ValueError):
    """A formula the element tables cannot read."""


def counts_of(formula: str) -> dict[str, int]:
    """Element counts of a written formula (parentheses and hydrates allowed), charge suffix ignored."""
    from chemicals.elements import periodic_table

    counts = formula_counts(formula)
    if not counts or any(element not in periodic_table for element in counts):
        raise FormulaError(f"'{formula}' is not a formula the element tables can read.")
    return counts


def molar_mass(counts: dict[str, int]) -> float:
    from chemicals.elements import molecular_weight

    return float(molecular_weight(counts))


def hill(counts: dict[str, int]) -> str:
    from chemicals.elements import atoms_to_Hill

    return str(atoms_to_Hill(counts))


class Composition(BaseModel):
    formula: str
    molar_mass: float
    mass_percent: dict[str, float]


def composition(counts: dict[str, int]) -> Composition:
    from chemicals.elements import mass_fractions

    return Composition(formula=hill(counts), molar_mass=round(molar_mass(counts), 4),
                       mass_percent={e: round(100 * f, 3) for e, f in mass_fractions(counts).items()})


def empirical(counts: dict[str, int]) -> dict[str, int]:
    divisor = reduce(gcd, counts.values())
    return {e: n // divisor for e, n in counts.items()}


def empirical_from_percent(percent: dict[str, float], max_multiplier: int = 12) -> dict[str, int]:
    """The smallest whole-number ratio of moles behind a mass composition (each mole count within 3% of whole)."""
    from chemicals.elements import periodic_table

    moles = {e: p / periodic_table[e].MW for e, p in percent.items()}
    least = min(moles.values())
    ratios = {e: m / least for e, m in moles.items()}
    for multiplier in range(1, max_multiplier + 1):
        scaled = {e: r * multiplier for e, r in ratios.items()}
        if all(abs(v - round(v)) <= 0.03 * max(1, round(v)) for v in scaled.values()):
            return {e: round(v) for e, v in scaled.items()}
    raise FormulaError("no whole-number ratio of at most 12 fits this composition")


def combustion_oxygen(counts: dict[str, int]) -> float:
    """Moles of O2 to burn one mole completely (C → CO2, H → H2O, S → SO2, N → N2, halogens → HX)."""
    from chemicals.combustion import combustion_stoichiometry

    return float(-combustion_stoichiometry(counts).get("O2", 0.0))


def combustion_products(counts: dict[str, int]) -> dict[str, float]:
    from chemicals.combustion import combustion_stoichiometry

    return {k: float(v) for k, v in combustion_stoichiometry(counts).items() if k != "O2" and v > 0}


def oxidation_states(counts: dict[str, int], charge: int = 0) -> dict[str, Fraction]:
    """Each element's oxidation state in a formula by the usual rules (F, alkali and alkaline-earth
    metals, H, O, halogens), the last unknown element balancing the charge; an average where it is
    fractional (Fe3O4: 8/3). Raises FormulaError when more than one element is left unknown."""
    states: dict[str, Fraction] = {}
    for elements, state in _FIXED_STATES:
        for element in elements & counts.keys():
            states[element] = Fraction(state)
    if "H" in counts and "H" not in states:
        others = set(counts) - {"H"}
        states["H"] = Fraction(-1) if others and others <= _METALS else Fraction(1)
    if "O" in counts and "O" not in states:
        states["O"] = Fraction(2) if "F" in counts else Fraction(-2)
    unknown = [e for e in counts if e not in states]
    if len(unknown) > 1 and "O" in counts:  # N, S, P, C beside oxygen sit in oxyanions (NO2⁻, SO4²⁻): positive, unsettled
        raise FormulaError("more than one element's oxidation state is left open by the rules")
    while len(unknown) > 1:
        halogen = next((e for e in _HALOGENS if e in unknown), None)
        most = halogen or max(unknown, key=lambda e: _ELECTRONEGATIVITY.get(e, 1.5))
        if (_ELECTRONEGATIVITY.get(most, 1.5) < 2.5 and halogen is None) or len(unknown) > 2:
            raise FormulaError("more than one element's oxidation state is left open by the rules")
        states[most] = Fraction(_NEGATIVE_STATE.get(most, -1))
        unknown.remove(most)
    balancing = unknown[0] if unknown else "O" if "O" in counts and "F" not in counts else None
    if balancing is not None:  # the one open element, else oxygen in a peroxide or superoxide (H2O2: −1)
        known = sum(states[e] * n for e, n in counts.items() if e in states and e != balancing)
        states[balancing] = Fraction(charge - known, 1) / counts[balancing]
    if len(counts) == 1:
        (element,) = counts
        states = {element: Fraction(charge, counts[element])}
    if any(not -4 <= state <= 8 for state in states.values()):  # K4Fe(CN)6 read as Fe +38: the rules do not settle it
        raise FormulaError("the oxidation-state rules give no possible state for it (an element would be outside −4 to +8)")
    return {e: states[e] for e in counts}


_NEGATIVE_STATE = {"Cl": -1, "Br": -1, "I": -1, "S": -2, "Se": -2, "N": -3, "P": -3, "C": -4, "As": -3}


def shown_state(state: Fraction) -> str:
    """+7, −2, 0, +8/3."""
    if state == 0:
        return "0"
    sign = "+" if state > 0 else "−"
    return f"{sign}{abs(state.numerator)}" + (f"/{state.denominator}" if state.denominator != 1 else "")
