"""Gas and solution arithmetic as plain functions: the ideal-gas law and a dilution solved for their one
unknown, and the acidity of a strong or weak acid or base. The calculators phrase these; agents call them as tools."""

from __future__ import annotations

import math

from pydantic import BaseModel

GAS_CONSTANT = 8.314462618  # J/(mol K), exact since the 2019 SI
KW_25C = 1.0e-14


def _three_of_four(values: list[float | None], what: str) -> None:
    """A law of four quantities is solved for one: exactly three must be given, each positive."""
    missing = sum(v is None for v in values)
    if missing != 1:
        raise ValueError(f"give exactly three of {what}; {missing} are missing")
    if any(v is not None and v <= 0 for v in values):
        raise ValueError(f"{what} must be positive")


class GasState(BaseModel):
    """An ideal gas's pressure (Pa), volume (L), amount (mol) and temperature (K)."""

    pressure_pa: float
    volume_l: float
    moles: float
    kelvin: float


def solve_ideal_gas(pressure_pa: float | None = None, volume_l: float | None = None, moles: float | None = None,
                    kelvin: float | None = None) -> GasState:
    """PV = nRT solved for the one quantity left out.

    Args:
        pressure_pa: pressure in pascals (101325 is 1 atm), or None to solve for it.
        volume_l: volume in litres, or None to solve for it.
        moles: amount of gas in moles, or None to solve for it.
        kelvin: temperature in kelvins, or None to solve for it.
    """
    _three_of_four([pressure_pa, volume_l, moles, kelvin], "pressure, volume, amount and temperature (in kelvins)")
    p, v, n, t = pressure_pa, volume_l, moles, kelvin
    if p is None:
        p = n * GAS_CONSTANT * t / (v / 1000)  # type: ignore[operator]
    elif v is None:
        v = n * GAS_CONSTANT * t / p * 1000  # type: ignore[operator]
    elif n is None:
        n = p * (v / 1000) / (GAS_CONSTANT * t)  # type: ignore[operator]
    else:
        t = p * (v / 1000) / (n * GAS_CONSTANT)
    return GasState(pressure_pa=p, volume_l=v, moles=n, kelvin=t)  # type: ignore[arg-type]


class Acidity(BaseModel):
    """A solution's pH and pOH and its hydrogen- and hydroxide-ion concentrations (mol/L), at 25 °C."""

    ph: float
    poh: float
    hydrogen_ions: float
    hydroxide_ions: float


def acidity_from_hydrogen_ions(hydrogen_ions: float) -> Acidity:
    """pH = -log10 of the hydrogen-ion concentration, with Kw = 1.0e-14 at 25 °C.

    Args:
        hydrogen_ions: hydrogen-ion concentration in mol/L.
    """
    if hydrogen_ions <= 0:
        raise ValueError("a concentration must be positive")
    ph = -math.log10(hydrogen_ions)
    return Acidity(ph=ph, poh=-math.log10(KW_25C) - ph, hydrogen_ions=hydrogen_ions, hydroxide_ions=KW_25C / hydrogen_ions)


def strong_acidity(concentration: float, ions_per_unit: int = 1, base: bool = False) -> Acidity:
    """A strong acid or base, fully dissociated; water's own ions are counted, so a very dilute acid tends
    to pH 7 and never turns basic (1e-8 M HCl is pH 6.98).

    Args:
        concentration: the acid's or base's concentration in mol/L.
        ions_per_unit: hydrogen (or hydroxide) ions each formula unit releases, e.g. 2 for Ba(OH)2.
        base: True for a base (hydroxide ions), False for an acid.
    """
    if concentration <= 0 or ions_per_unit < 1:
        raise ValueError("the concentration must be positive and each unit must release at least one ion")
    ions = concentration * ions_per_unit
    excess = (ions + math.sqrt(ions * ions + 4 * KW_25C)) / 2
    return acidity_from_hydrogen_ions(KW_25C / excess if base else excess)


def weak_acidity(concentration: float, constant: float, base: bool = False) -> Acidity:
    """A weak acid (Ka) or base (Kb): x²/(c − x) = K solved exactly for the ions released.

    Args:
        concentration: the acid's or base's concentration in mol/L.
        constant: its Ka (acid) or Kb (base); 10**-pKa for a pKa.
        base: True when `constant` is a Kb.
    """
    if concentration <= 0 or constant <= 0:
        raise ValueError("the concentration and the dissociation constant must be positive")
    released = (-constant + math.sqrt(constant * constant + 4 * constant * concentration)) / 2
    return acidity_from_hydrogen_ions(KW_25C / released if base else released)


class Dilution(BaseModel):
    """A dilution c1·V1 = c2·V2: the stock's concentration (mol/L) and volume, the diluted solution's."""

    stock_molar: float
    stock_volume_l: float
    diluted_molar: float
    diluted_volume_l: float


def solve_dilution(stock_molar: float | None = None, stock_volume_l: float | None = None, diluted_molar: float | None = None,
                   diluted_volume_l: float | None = None) -> Dilution:
    """c1·V1 = c2·V2 solved for the one quantity left out (the amount of solute stays the same).

    Args:
        stock_molar: the concentrated solution's concentration in mol/L, or None to solve for it.
        stock_volume_l: the volume of it taken, in litres, or None to solve for it.
        diluted_molar: the diluted solution's concentration in mol/L, or None to solve for it.
        diluted_volume_l: the diluted solution's volume in litres, or None to solve for it.
    """
    _three_of_four([stock_molar, stock_volume_l, diluted_molar, diluted_volume_l], "the two concentrations and the two volumes")
    c1, v1, c2, v2 = stock_molar, stock_volume_l, diluted_molar, diluted_volume_l
    if c1 is None:
        c1 = c2 * v2 / v1  # type: ignore[operator]
    elif v1 is None:
        v1 = c2 * v2 / c1  # type: ignore[operator]
    elif c2 is None:
        c2 = c1 * v1 / v2  # type: ignore[operator]
    else:
        v2 = c1 * v1 / c2
    if c2 > c1 + 1e-12:  # type: ignore[operator]
        raise ValueError("a dilution cannot make a solution more concentrated than its stock")
    return Dilution(stock_molar=c1, stock_volume_l=v1, diluted_molar=c2, diluted_volume_l=v2)  # type: ignore[arg-type]
