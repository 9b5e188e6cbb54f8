"""The ideal-gas law and acidity as plain functions, and as the tools an agent calls."""

import pytest

from assistants.chem.calc.physical import solve_dilution, solve_ideal_gas, strong_acidity, weak_acidity


def test_the_ideal_gas_law_solves_for_the_one_quantity_left_out():
    assert solve_ideal_gas(moles=1.0, kelvin=273.15, pressure_pa=101325).volume_l == pytest.approx(22.414, abs=0.001)
    assert solve_ideal_gas(moles=2.0, volume_l=10.0, kelvin=298.15).pressure_pa / 101325 == pytest.approx(4.893, abs=0.001)
    state = solve_ideal_gas(pressure_pa=101325, volume_l=22.414, moles=1.0)
    assert state.kelvin == pytest.approx(273.15, abs=0.01)


@pytest.mark.parametrize("given", [{"moles": 1.0}, {"moles": 1.0, "kelvin": 300.0, "volume_l": 1.0, "pressure_pa": 1e5},
                                   {"moles": -1.0, "kelvin": 300.0, "volume_l": 1.0}])
def test_the_gas_law_refuses_what_it_cannot_solve(given):
    with pytest.raises(ValueError):
        solve_ideal_gas(**given)


def test_strong_acids_and_bases_dissociate_fully_and_water_counts_when_dilute():
    assert strong_acidity(0.01).ph == pytest.approx(2.0)
    assert strong_acidity(0.1, ions_per_unit=2, base=True).ph == pytest.approx(13.301, abs=0.001)
    assert strong_acidity(1e-8).ph == pytest.approx(6.98, abs=0.005)  # not 8: an acid never makes water basic
    assert strong_acidity(0.01).ph + strong_acidity(0.01).poh == pytest.approx(14.0)


def test_weak_acids_and_bases_are_solved_exactly():
    assert weak_acidity(0.1, 1.8e-5).ph == pytest.approx(2.875, abs=0.002)
    assert weak_acidity(0.05, 1.8e-5, base=True).ph == pytest.approx(10.973, abs=0.002)
    with pytest.raises(ValueError):
        weak_acidity(0.1, 0.0)


def test_a_dilution_solves_for_the_one_quantity_left_out_and_never_concentrates():
    assert solve_dilution(12.0, None, 1.0, 0.25).stock_volume_l == pytest.approx(0.020833, abs=1e-6)
    assert solve_dilution(2.0, 0.05, None, 0.5).diluted_molar == pytest.approx(0.2)
    with pytest.raises(ValueError, match="more concentrated"):
        solve_dilution(0.1, None, 1.0, 0.1)
    with pytest.raises(ValueError, match="exactly three"):
        solve_dilution(1.0)


def test_the_gas_and_acidity_tools_answer_an_agent_and_report_bad_input():
    from assistants.chem.langchain_tools import chem_tools

    tools = {t.name: t for t in chem_tools()}
    assert tools["solve_ideal_gas"].invoke({"moles": 1.0, "kelvin": 273.15, "pressure_pa": 101325})["volume_l"] == pytest.approx(22.414, abs=0.001)
    assert tools["strong_acidity"].invoke({"concentration": 0.002})["ph"] == pytest.approx(2.699, abs=0.001)
    assert "exactly three" in tools["solve_ideal_gas"].invoke({"moles": 1.0})
    assert tools["solve_dilution"].invoke({"stock_molar": 2.0, "stock_volume_l": 0.05, "diluted_volume_l": 0.5})["diluted_molar"] == 0.2
