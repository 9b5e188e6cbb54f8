"""Thermochemistry and physical data by CAS number from the `chemicals` package: dipole moments,
enthalpies of formation, combustion and vaporisation, and vapor pressure at a temperature from the
package's fitted correlations (used only inside the range each was fitted over)."""

from __future__ import annotations

import math

from pydantic import BaseModel

from assistants.chem.calc.tables import Sourced, sourced

STANDARD_K = 298.15
POLAR_DEBYE, NONPOLAR_DEBYE = 1.0, 0.2  # between them a molecule is only weakly polar: no yes or no


class Density(BaseModel):
    kg_per_m3: float
    kelvin: float
    source: str


class VaporPressure(BaseModel):
    pascal: float
    kelvin: float
    source: str


def dipole_moment(cas: str) -> Sourced | None:
    """Debye."""
    from chemicals import dipole

    return sourced(dipole.dipole_moment, dipole.dipole_moment_methods, cas)


def enthalpy_of_formation(cas: str, phase: str) -> Sourced | None:
    """J/mol at 298.15 K for the gas ("g"), liquid ("l") or solid ("s")."""
    from chemicals import reaction

    value_of, methods_of = {"g": (reaction.Hfg, reaction.Hfg_methods), "l": (reaction.Hfl, reaction.Hfl_methods),
                            "s": (reaction.Hfs, reaction.Hfs_methods)}[phase]
    return sourced(value_of, methods_of, cas)


def standard_phase(melting_k: float | None, boiling_k: float | None) -> str:
    """The phase at 25 °C from the melting and boiling points (a gas when neither is known is not assumed)."""
    if boiling_k is not None and boiling_k < STANDARD_K:
        return "g"
    if melting_k is not None and melting_k > STANDARD_K:
        return "s"
    return "l"


def combustion_enthalpy(counts: dict[str, int], formation: Sourced) -> Sourced:
    """Standard enthalpy of combustion (J/mol, products CO2(g) and H2O(l)) from the enthalpy of formation."""
    from chemicals.combustion import HHV_stoichiometry, combustion_stoichiometry

    value = HHV_stoichiometry(combustion_stoichiometry(counts), formation.value)
    return Sourced(value=float(value), source=f"{formation.source} enthalpy of formation with the combustion stoichiometry")


def enthalpy_of_vaporisation(cas: str) -> tuple[Sourced | None, Sourced | None]:
    """J/mol at 298.15 K and at the normal boiling point, from the CRC Handbook table."""
    from chemicals.phase_change import Hvap_data_CRC

    if cas not in Hvap_data_CRC.index:
        return None, None
    row = Hvap_data_CRC.loc[cas]
    at_298 = Sourced(value=float(row["Hvap298"]), source="chemicals: CRC Handbook") if not math.isnan(row["Hvap298"]) else None
    at_tb = Sourced(value=float(row["HvapTb"]), source="chemicals: CRC Handbook") if not math.isnan(row["HvapTb"]) else None
    return at_298, at_tb


def vapor_pressure(cas: str, kelvin: float) -> VaporPressure | None:
    """Pa at a temperature, from the first correlation fitted over a range that includes it."""
    from chemicals import vapor_pressure as vp
    from chemicals.dippr import EQ101

    wagner = vp.Psat_data_WagnerMcGarry
    if cas in wagner.index:
        r = wagner.loc[cas]
        if r["Tmin"] <= kelvin <= r["Tc"]:
            return VaporPressure(pascal=float(vp.Wagner_original(kelvin, r["Tc"], r["Pc"], r["A"], r["B"], r["C"], r["D"])),
                                 kelvin=kelvin, source="chemicals: Wagner equation, McGarry coefficients")
    perry = vp.Psat_data_Perrys2_8
    if cas in perry.index:
        r = perry.loc[cas]
        if r["Tmin"] <= kelvin <= r["Tmax"]:
            return VaporPressure(pascal=float(EQ101(kelvin, r["C1"], r["C2"], r["C3"], r["C4"], r["C5"])), kelvin=kelvin,
                                 source="chemicals: DIPPR equation 101, Perry's Handbook table 2-8")
    antoine = vp.Psat_data_AntoinePoling
    if cas in antoine.index:
        r = antoine.loc[cas]
        if r["Tmin"] <= kelvin <= r["Tmax"]:
            return VaporPressure(pascal=float(vp.Antoine(kelvin, r["A"], r["B"], r["C"])), kelvin=kelvin,
                                 source="chemicals: Antoine equation, Poling coefficients")
    return None


def liquid_density(cas: str, kelvin: float, melting_k: float | None) -> Density | None:
    """kg/m³ of the liquid at a temperature between its melting point and its critical temperature (VDI PPDS fit)."""
    from chemicals.volume import rho_data_VDI_PPDS_2, volume_VDI_PPDS

    if cas not in rho_data_VDI_PPDS_2.index:
        return None
    r = rho_data_VDI_PPDS_2.loc[cas]
    if not (melting_k or 0.0) <= kelvin < r["Tc"]:
        return None
    molar_volume = volume_VDI_PPDS(kelvin, r["Tc"], r["rhoc"], r["A"], r["B"], r["C"], r["D"], r["MW"])
    return Density(kg_per_m3=float(r["MW"] / 1000 / molar_volume), kelvin=kelvin, source="chemicals: VDI Heat Atlas PPDS liquid-density fit")
