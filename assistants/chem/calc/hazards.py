"""Hazard data by CAS number from the `chemicals` package's tables, each value with the table it came
from: flash point, autoignition temperature, flammability limits, exposure limits and carcinogen lists.

The verdicts are the documented criteria applied to those values (GHS flammable-liquid categories by
flash point; a listed exposure limit or carcinogen classification means the substance is a health
hazard), never a guess: where the tables hold nothing the verdict is None and the reply says so.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from assistants.chem.calc.tables import Sourced, sourced

CELSIUS_OFFSET = 273.15
FLAMMABLE_LIQUID_MAX_C = 60.0  # GHS categories 1–3 by flash point
COMBUSTIBLE_LIQUID_MAX_C = 93.0  # GHS category 4
ROOM_TEMPERATURE_K = 293.15
_LISTED_AS_CARCINOGEN = ("(1)", "(2A)", "(2B)", "Known", "Reasonably Anticipated")


class ExposureLimit(BaseModel):
    kind: str  # TWA, STEL, ceiling
    value: float
    unit: str
    source: str


class HazardData(BaseModel):
    cas: str
    flash_point: Sourced | None = None  # K
    autoignition: Sourced | None = None  # K
    lower_flammability_limit: Sourced | None = None  # volume fraction in air
    upper_flammability_limit: Sourced | None = None
    exposure_limits: list[ExposureLimit] = []
    skin: bool | None = None
    carcinogen: dict[str, str] = {}


def hazard_data(cas: str) -> HazardData:
    """Flash point, autoignition, flammability and exposure limits and carcinogen lists for one CAS number,
    each with its source table (the tables load once per process).

    Args:
        cas: CAS number such as 71-43-2.
    """
    from chemicals import safety

    limits = []
    for kind, value_of, methods_of in (("TWA", safety.TWA, safety.TWA_methods), ("STEL", safety.STEL, safety.STEL_methods),
                                       ("ceiling", safety.Ceiling, safety.Ceiling_methods)):
        found = value_of(cas)
        if found:
            limits.append(ExposureLimit(kind=kind, value=float(found[0]), unit=str(found[1]),
                                        source=f"chemicals: {methods_of(cas)[0]}"))
    carcinogen = safety.Carcinogen(cas) or {}
    return HazardData(
        cas=cas,
        flash_point=sourced(safety.T_flash, safety.T_flash_methods, cas),
        autoignition=sourced(safety.T_autoignition, safety.T_autoignition_methods, cas),
        lower_flammability_limit=sourced(safety.LFL, safety.LFL_methods, cas, by_keyword=True),
        upper_flammability_limit=sourced(safety.UFL, safety.UFL_methods, cas, by_keyword=True),
        exposure_limits=limits,
        skin=safety.Skin(cas) if limits else None,
        carcinogen={source: str(words) for source, words in carcinogen.items() if "Unlisted" not in str(words)},
    )


class Flammability(BaseModel):
    flammable: bool | None
    reason: str


def flammability(data: HazardData, boiling_point_k: float | None) -> Flammability:
    """GHS reading of the tables: a liquid with a flash point ≤ 60 °C is flammable (≤ 93 °C combustible);
    a gas at room temperature with flammability limits is a flammable gas."""
    if data.flash_point is not None:
        celsius = data.flash_point.value - CELSIUS_OFFSET
        if celsius <= FLAMMABLE_LIQUID_MAX_C:
            return Flammability(flammable=True, reason=f"its flash point is {celsius:.0f} °C, at or below the "
                                                        f"{FLAMMABLE_LIQUID_MAX_C:.0f} °C limit for a flammable liquid (GHS)")
        combustible = "combustible (GHS category 4) but " if celsius <= COMBUSTIBLE_LIQUID_MAX_C else ""
        return Flammability(flammable=False, reason=f"its flash point is {celsius:.0f} °C: {combustible}above the "
                                                     f"{FLAMMABLE_LIQUID_MAX_C:.0f} °C limit for a flammable liquid (GHS)")
    gas = boiling_point_k is not None and boiling_point_k < ROOM_TEMPERATURE_K
    if gas and data.lower_flammability_limit is not None:
        lower = data.lower_flammability_limit.value * 100
        upper = data.upper_flammability_limit.value * 100 if data.upper_flammability_limit is not None else None
        span = f"{lower:.3g}–{upper:.3g} %" if upper is not None else f"from {lower:.3g} %"
        return Flammability(flammable=True, reason=f"it is a gas at room temperature that burns in air at {span} by volume")
    if _incombustible(data.cas):
        return Flammability(flammable=False, reason="it does not burn: the tables list it among incombustible materials "
                                                    "(fully oxidised or unreactive)")
    return Flammability(flammable=None, reason="the tables list no flash point or flammability limits for it")


def _incombustible(cas: str) -> bool:
    from chemicals.combustion import unreactive_CASs

    return cas in unreactive_CASs


def listed_carcinogen(data: HazardData) -> bool:
    return any(any(mark in words for mark in _LISTED_AS_CARCINOGEN) for words in data.carcinogen.values())


def iarc_group(data: HazardData) -> str | None:
    """The IARC group ("1", "2A", "2B", "3") the tables list, if any."""
    entry = next((words for source, words in data.carcinogen.items() if "International Agency" in source), "")
    found = re.search(r"\((1|2A|2B|3)\)", entry)
    return found.group(1) if found else None
