"""The tools' value of a quantity for a molecule, as replies write it and within what a stated value matches
it: shared by the checks, the coverage check, the option judge and the template answers."""

from __future__ import annotations

from assistants.chem.intent import DESCRIPTOR_KEYS
from assistants.chem.request import Unit
from assistants.chem.resolve import MoleculeRecord
from assistants.chem.store import TEMPERATURE_KEYS

MASS_TOLERANCE = 0.05  # g/mol, or 0.05% of the mass when larger
TEMPERATURE_TOLERANCE_K = 1.0


def value_of(molecule: MoleculeRecord, quantity: str) -> str | float | None:
    """What the tools know for a quantity (None: the tools cannot say, so it is not demanded)."""
    if quantity == "smiles":
        return molecule.smiles
    if quantity == "name":
        return molecule.name
    if quantity in ("inchikey", "inchi", "cas", "formula"):
        return getattr(molecule, quantity)
    if quantity == "mass":
        return molecule.average_mass
    if quantity in DESCRIPTOR_KEYS:
        return getattr(molecule.descriptors, quantity) if molecule.descriptors is not None else None
    values = [p.value for p in molecule.properties if p.key == quantity]
    return values[0] if values else None


def fahrenheit(kelvin: float) -> float:
    return (kelvin - 273.15) * 9 / 5 + 32


def shown_value(quantity: str, value: str | float, unit: Unit | None = None) -> str:
    """A tool value as replies and repair notes write it; a temperature in the unit asked first."""
    if quantity == "mass":
        return f"{float(value):.3f} g/mol"
    if quantity in TEMPERATURE_KEYS:
        kelvin = float(value)
        if unit == "F":
            return f"{fahrenheit(kelvin):.1f} °F ({kelvin:.2f} K, {kelvin - 273.15:.2f} °C)"
        if unit == "C":
            return f"{kelvin - 273.15:.2f} °C ({kelvin:.2f} K)"
        return f"{kelvin:.2f} K ({kelvin - 273.15:.2f} °C)"
    return str(value)


def near_mass(value: float, known: list[float]) -> bool:
    return any(abs(value - k) <= max(MASS_TOLERANCE, k * 0.0005) for k in known)
