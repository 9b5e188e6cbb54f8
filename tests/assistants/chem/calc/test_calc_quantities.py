"""Pressures, volumes and concentrations as questions write them, read into SI."""

import pytest

from assistants.chem.calc.quantities import (
    PRESSURE_UNITS, asked_unit, concentrations_molar, pressures_pa, volumes_litres, without_concentrations,
)


@pytest.mark.parametrize(("text", "pascals", "written"), [
    ("at 1.00 atm", 101325.0, "1.00 atm"),
    ("under 100 kPa", 100000.0, "100 kPa"),
    ("760 mmHg", 101325.0, "760 mmHg"),
    ("760 mm Hg", 101325.0, "760 mm Hg"),
    ("2 bar", 200000.0, "2 bar"),
    ("1.5 atmospheres", 151987.5, "1.5 atmospheres"),
])
def test_pressures_are_read_in_pascals_with_where_they_stand(text, pascals, written):
    [found] = pressures_pa(text)
    assert found.value == pytest.approx(pascals) and text[found.start:found.end] == written


@pytest.mark.parametrize(("text", "litres"), [
    ("a 10.0 L vessel", 10.0), ("10.0 dm^3", 10.0), ("250 mL", 0.25), ("a 2 litre tank", 2.0), ("500 cm3", 0.5), ("1 m³", 1000.0),
])
def test_volumes_are_read_in_litres(text, litres):
    assert volumes_litres(text)[0][0] == pytest.approx(litres)


@pytest.mark.parametrize(("text", "molar"), [
    ("0.002 M HCl", 0.002), ("0.002 mol dm^-3 HCl", 0.002), ("0.1 mol/L", 0.1), ("5 mM NaOH", 0.005), ("0.002 molar acid", 0.002),
    ("2.5 x 10^-4 M HCl", 2.5e-4), ("1e-8 M HCl", 1e-8),
])
def test_concentrations_are_read_in_mol_per_litre(text, molar):
    assert concentrations_molar(text)[0][0] == pytest.approx(molar)


def test_a_number_without_a_unit_or_a_zero_is_no_quantity():
    assert not pressures_pa("2 mol of gas") and not volumes_litres("at 25 °C, 2 mol") and not concentrations_molar("2 mol of NaCl")
    assert not volumes_litres("5 g in 0 mL") and not concentrations_molar("0.0 M HCl")  # nothing to divide by


def test_the_unit_asked_is_read_from_the_question():
    assert asked_unit("What is the pressure in kPa?", PRESSURE_UNITS, {}) == "kpa"
    assert asked_unit("The unit of the answer is atm.", PRESSURE_UNITS, {}) == "atm"
    assert asked_unit("2 mol in a 10 L tank", PRESSURE_UNITS, {}) is None


def test_a_concentration_is_no_amount_once_blanked():
    text = "0.1 mol/L NaCl, 2 mol of KCl"
    assert "0.1 mol" not in without_concentrations(text) and "2 mol of KCl" in without_concentrations(text)
    assert len(without_concentrations(text)) == len(text)
