from fractions import Fraction

import pytest

from assistants.chem.calc.equations import EquationError, balance_equation
from assistants.chem.calc.stoichiometry import (
    FormulaError, combustion_oxygen, composition, counts_of, empirical, empirical_from_percent, oxidation_states,
)


@pytest.mark.parametrize(("written", "balanced"), [
    ("CH4 + O2 -> CO2 + H2O", "CH4 + 2 O2 → CO2 + 2 H2O"),
    ("Fe + O2 = Fe2O3", "4 Fe + 3 O2 → 2 Fe2O3"),
    ("KMnO4 + HCl -> KCl + MnCl2 + H2O + Cl2", "2 KMnO4 + 16 HCl → 2 KCl + 2 MnCl2 + 8 H2O + 5 Cl2"),
    ("Ca(OH)2 + H3PO4 → Ca3(PO4)2 + H2O", "3 Ca(OH)2 + 2 H3PO4 → Ca3(PO4)2 + 6 H2O"),
    ("MnO4- + Fe2+ + H+ -> Mn2+ + Fe3+ + H2O", "MnO4^- + 5 Fe^2+ + 8 H^+ → Mn^2+ + 5 Fe^3+ + 4 H2O"),
    ("Cr2O72- + Fe2+ + H+ -> Cr3+ + Fe3+ + H2O", "Cr2O7^2- + 6 Fe^2+ + 14 H^+ → 2 Cr^3+ + 6 Fe^3+ + 7 H2O"),
    ("2H2 + O2 -> 2H2O", "2 H2 + O2 → 2 H2O"),
])
def test_balances_atoms_and_charge(written, balanced):
    assert balance_equation(written).text() == balanced


def test_an_equation_that_cannot_balance_says_why():
    with pytest.raises(EquationError, match="no single set"):
        balance_equation("CH4 + O2 -> H2O")
    with pytest.raises(EquationError, match="arrow"):
        balance_equation("CH4 + O2")


@pytest.mark.parametrize(("formula", "charge", "element", "state"), [
    ("KMnO4", 0, "Mn", 7), ("K2Cr2O7", 0, "Cr", 6), ("H2SO4", 0, "S", 6), ("NH3", 0, "N", -3), ("NaH", 0, "H", -1),
    ("H2O2", 0, "O", -1), ("OF2", 0, "O", 2), ("SO4", -2, "S", 6), ("Fe3O4", 0, "Fe", Fraction(8, 3)), ("CCl4", 0, "C", 4),
    ("O2", 0, "O", 0),
])
def test_oxidation_states(formula, charge, element, state):
    assert oxidation_states(counts_of(formula), charge)[element] == state


def test_composition_empirical_and_combustion():
    glucose = counts_of("C6H12O6")
    assert composition(glucose).mass_percent["C"] == pytest.approx(40.0, abs=0.01)
    assert empirical(glucose) == {"C": 1, "H": 2, "O": 1}
    assert empirical_from_percent({"C": 40.0, "H": 6.7, "O": 53.3}) == {"C": 1, "H": 2, "O": 1}
    assert empirical_from_percent({"Fe": 69.94, "O": 30.06}) == {"Fe": 2, "O": 3}
    assert combustion_oxygen(counts_of("C3H8")) == 5


def test_unreadable_formula_is_a_clear_error():
    with pytest.raises(FormulaError, match="not a formula"):
        counts_of("Xy3")


def test_balancing_as_a_langchain_tool_reports_bad_input_to_the_agent():
    from assistants.chem.langchain_tools import chem_tools

    tool = {t.name: t for t in chem_tools()}["balance_equation"]
    assert tool.invoke({"text": "N2 + H2 -> NH3"})["coefficients"] == [1, 3, 2]
    assert "arrow" in tool.invoke({"text": "N2 + H2"})
