"""Written chemical equations ("CH4 + O2 -> CO2 + H2O", "Fe^3+ + e- → Fe^2+"): read, balanced with the
smallest whole coefficients (atoms and charge conserved), and written back."""

from __future__ import annotations

import re
from fractions import Fraction
from functools import reduce
from math import gcd, lcm

from pydantic import BaseModel

from assistants.chem.calc.stoichiometry import FormulaError, counts_of

_ARROW = re.compile(r"\s*(?:<?-+>|→|⟶|⇌|<=>|\s=\s|\byields\b|\bgives\b|\bproduces\b)\s*")
_COEFFICIENT = re.compile(r"^(\d+(?:/\d+)?)\s*")
# Species as formulas: element symbols, digits, parentheses, hydrate dots, an optional charge and state.
_SPECIES = r"(?:\d+\s*)?(?:[A-Z][a-z]?|\()[A-Za-z0-9()·.\[\]]*(?:\^?\{?\d*[+-]\}?(?![A-Z(]))?(?:\s*\((?:s|l|g|aq)\))?|e-|e−"
EQUATION = re.compile(rf"(?P<left>(?:{_SPECIES})(?:\s*\+\s*(?:{_SPECIES}))*)(?:\s*(?:<?-+>|→|⟶|⇌|<=>)\s*|\s+=\s+)"
                      rf"(?P<right>(?:{_SPECIES})(?:\s*\+\s*(?:{_SPECIES}))*)")
_STATE = re.compile(r"\s*\((?:s|l|g|aq)\)$")


class Species(BaseModel):
    written: str
    counts: dict[str, int]
    charge: int


class Balanced(BaseModel):
    reactants: list[Species]
    products: list[Species]
    coefficients: list[int]

    def text(self) -> str:
        def side(items: list[Species], coefficients: list[int]) -> str:
            return " + ".join(f"{c} {s.written}" if c != 1 else s.written for s, c in zip(items, coefficients))

        n = len(self.reactants)
        return f"{side(self.reactants, self.coefficients[:n])} → {side(self.products, self.coefficients[n:])}"


class EquationError(ValueError):
    """An equation that cannot be read or balanced; the message says why in words."""


_EXPLICIT_CHARGE = re.compile(r"(?:\^\{?|\{|\(|\s+)(\d*)([+-])\}?\)?$")
_BARE_CHARGE = re.compile(r"(\d*)([+-])$")


def _charge(written: str) -> tuple[str, int]:
    """The formula and its charge as people write ions: "SO4^2-", "SO4(2-)", "Fe3+" (a charge), "MnO4-"
    (a count of four, charge −1), "SO42-" (two digits on a polyatomic ion: the last is the charge)."""
    match = _EXPLICIT_CHARGE.search(written) or _BARE_CHARGE.search(written)
    if match is None:
        return written, 0
    digits, sign = match.groups()
    head = written[:match.start()]
    if match.re is _BARE_CHARGE and not re.fullmatch(r"[A-Z][a-z]?", head):  # polyatomic: the digits are counts
        digits, head = (digits[-1], head + digits[:-1]) if len(digits) >= 2 else ("", head + digits)
    return head, (int(digits) if digits else 1) * (1 if sign == "+" else -1)


def species(text: str) -> Species:
    written = _STATE.sub("", text.strip().replace("−", "-"))
    written = _COEFFICIENT.sub("", written)
    if written in ("e-", "e"):
        return Species(written="e⁻", counts={}, charge=-1)
    formula, charge = _charge(written)
    try:
        counts = counts_of(formula)
    except FormulaError as exc:
        raise EquationError(str(exc)) from exc
    shown = formula + (("^" + (str(abs(charge)) if abs(charge) > 1 else "") + ("+" if charge > 0 else "-")) if charge else "")
    return Species(written=shown, counts=counts, charge=charge)


def read_equation(text: str) -> tuple[list[Species], list[Species]]:
    parts = _ARROW.split(text.strip(), maxsplit=1)
    if len(parts) != 2:
        raise EquationError("an equation needs reactants and products on either side of an arrow.")
    sides = [[species(s) for s in re.split(r"\s+\+\s+|\s*\+\s*(?=[A-Z(\d]|e\b)", side.strip()) if s.strip()] for side in parts]
    if not sides[0] or not sides[1]:
        raise EquationError("an equation needs reactants and products on either side of an arrow.")
    return sides[0], sides[1]


def _nullspace_vector(matrix: list[list[Fraction]]) -> list[Fraction] | None:
    """One vector of the matrix's null space when it is one-dimensional (the balanced equation is unique)."""
    rows, cols = len(matrix), len(matrix[0])
    m = [row[:] for row in matrix]
    pivots: list[int] = []
    r = 0
    for c in range(cols):
        pivot = next((i for i in range(r, rows) if m[i][c] != 0), None)
        if pivot is None:
            continue
        m[r], m[pivot] = m[pivot], m[r]
        m[r] = [v / m[r][c] for v in m[r]]
        for i in range(rows):
            if i != r and m[i][c] != 0:
                m[i] = [a - m[i][c] * b for a, b in zip(m[i], m[r])]
        pivots.append(c)
        r += 1
    free = [c for c in range(cols) if c not in pivots]
    if len(free) != 1:
        return None
    vector = [Fraction(0)] * cols
    vector[free[0]] = Fraction(1)
    for i, c in enumerate(pivots):
        vector[c] = -m[i][free[0]]
    return vector


def balance_equation(text: str) -> Balanced:
    """The equation with the smallest whole coefficients that conserve every element and the charge.

    Args:
        text: an equation of formulas, e.g. "CH4 + O2 -> CO2 + H2O" or "MnO4- + Fe2+ + H+ -> Mn2+ + Fe3+ + H2O".
    """
    reactants, products = read_equation(text)
    everything = reactants + products
    elements = sorted({e for s in everything for e in s.counts})
    sign = [1] * len(reactants) + [-1] * len(products)
    matrix = [[Fraction(s.counts.get(e, 0) * k) for s, k in zip(everything, sign)] for e in elements]
    if any(s.charge for s in everything):
        matrix.append([Fraction(s.charge * k) for s, k in zip(everything, sign)])
    vector = _nullspace_vector(matrix)
    if vector is None or any(v <= 0 for v in vector) and any(v >= 0 for v in vector):
        raise EquationError("no single set of positive coefficients balances it: check the species on each side.")
    scale = lcm(*(v.denominator for v in vector))
    whole = [abs(int(v * scale)) for v in vector]
    divisor = reduce(gcd, whole)
    return Balanced(reactants=reactants, products=products, coefficients=[w // divisor for w in whole])
