from assistants.chem.written import NOT_A_NAME, plain_chemistry


def test_formulas_typed_in_lower_case_are_cased_only_where_the_store_knows_one(store) -> None:
    assert plain_chemistry("2 mol nacl in grams?", store) == "2 mol NaCl in grams?"
    assert plain_chemistry("balance ch4 + o2 -> co2 + h2o", store) == "balance CH4 + O2 -> CO2 + H2O"
    assert plain_chemistry("10 g of water", store) == "10 g of water"  # a word, not W-At-Er
    assert plain_chemistry("react c1ccccc1 with BrCc1ccc(I)cc1 + c1c[nH]cn1", store) == "react c1ccccc1 with BrCc1ccc(I)cc1 + c1c[nH]cn1"


def test_typeset_formulas_and_states_are_made_plain(store) -> None:
    assert plain_chemistry(r"the oxidation state of Mn in \ce{KMnO4}", store) == "the oxidation state of Mn in KMnO4"
    assert plain_chemistry("the enthalpy of formation of H2O(l)", store) == "the enthalpy of formation of H2O (l)"


def test_quantities_and_units_are_never_names() -> None:
    assert all(NOT_A_NAME.fullmatch(t) for t in ("0.25", "1.5 moles", "mol^-1", "kJ/mol", "10 g"))
    assert not any(NOT_A_NAME.fullmatch(t) for t in ("glucose", "benzene", "methanol"))
