from __future__ import annotations

from assistants.chem.checks import chem_checks
from assistants.chem.coverage import check_coverage
from assistants.chem.draft import parse_draft
from assistants.chem.facts import gather_facts
from assistants.chem.langchain_tools import chem_tools
from assistants.chem.store import CompoundStore


def failed(text: str, question: str, store: CompoundStore) -> set[str]:
    facts = gather_facts(question, store, use_opsin=False)
    checks = [*chem_checks(parse_draft(text), facts, store, text), check_coverage(parse_draft(text), text, facts, store)]
    return {c.name for c in checks if c is not None and not c.passed}


def test_lenient_parse_keeps_labels_and_finds_mentions() -> None:
    parsed = parse_draft("**SMILES**: CCO\nname = ethanol\nIt weighs 46.07 g/mol, boils at 78.4 °C; see (CC(=O)O) and H2O.")
    assert parsed.labels["smiles"] == "CCO" and parsed.labels["name"] == "ethanol"
    assert parsed.smiles == ["CCO", "CC(=O)O"] and parsed.formulas == ["H2O"]
    assert [(m.value, m.kind) for m in parsed.masses] == [(46.07, "either")]  # unnamed: either kind
    assert parse_draft("no labels at all, (78.42 °C) and -1)").smiles == []


def test_checks_pass_a_right_draft_and_catch_each_wrong_fact(store: CompoundStore) -> None:
    question = "What is the SMILES, formula, molecular weight and boiling point of ethanol?"
    right = "SMILES: OCC\nName: ethyl alcohol\nFormula: C2H6O\nMolecular weight: 46.07 g/mol\nBoiling point: 78.4 °C"
    assert failed(right, question, store) == set()
    assert failed("SMILES: CCCO", question, store) >= {"smiles_match"}
    assert failed("SMILES: C1CC", question, store) >= {"smiles_valid"}
    assert failed("SMILES: CCO\nFormula: C2H4O", question, store) >= {"formula_match"}
    assert failed("SMILES: CCO\nMolecular weight: 48.1 g/mol", question, store) >= {"mass_match"}
    assert failed("SMILES: CCO\nBoiling point: 100 °C", question, store) >= {"property_match"}
    assert failed("SMILES: CCO\nName: methanol", question, store) >= {"name_match"}


def test_a_mass_must_be_the_kind_the_draft_calls_it(store: CompoundStore) -> None:
    question = "What is the molecular weight of caffeine?"  # average 194.19, monoisotopic 194.08
    assert failed("The molecular weight of caffeine is 194.19 g/mol.", question, store) == set()
    assert failed("Molecular weight: 194.19 g/mol\nMonoisotopic mass: 194.0804 Da", question, store) == set()
    assert failed("Its exact mass is 194.0804 Da, its molecular weight 194.19 g/mol.", question, store) == set()
    assert "mass_match" in failed("The molecular weight of caffeine is 194.0804 Da.", question, store)
    assert "mass_match" in failed("The monoisotopic mass of caffeine is 194.19 Da.", question, store)
    assert "answers_question" in failed("Its exact mass is 194.0804 Da.", question, store)  # the weight was asked for
    assert failed("Molecular weight: 194.19 g/mol. It is 194.08 Da.", question, store) == set()


def test_temperatures_in_prose_are_checked_too(store: CompoundStore) -> None:
    question = "What is the boiling point of ethanol?"  # 351.4 K
    assert failed("Ethanol boils at 78.3 °C (351.4 K).", question, store) == set()
    assert "property_match" in failed("The boiling point of ethanol is 35.14 K (78.3 °C).", question, store)
    assert "property_match" in failed("It boils at 78 °C and melts at 20 °C.", question, store)  # melts at 159 K
    assert failed("Keep it below 25 °C. Boiling point: 78.3 °C", question, store) == set()


def test_products_must_come_from_the_reactants(store: CompoundStore) -> None:
    question = "What product does ethanol give with acetic acid?"
    assert "reaction_conservation" not in failed("Product: CCOC(C)=O", question, store)
    assert "reaction_conservation" in failed("Product: CCOC(C)=O.ClCl", question, store)


def test_langchain_tools_call_the_same_functions() -> None:
    tools = {tool.name: tool for tool in chem_tools()}
    assert tools["inchi_key"].invoke({"smiles": "OCC"}) == "LFQSCWFLJHTTHZ-UHFFFAOYSA-N"
    assert tools["validate_smiles"].invoke({"smiles": "C1CC"})["problem"] == "unclosed_ring"
    assert "never closed" in tools["formula"].invoke({"smiles": "C1CC"})
    assert tools["structure_name"].invoke({"smiles": "CCO"})["iupac_name"] == "ethanol"


def test_an_ion_written_with_its_charge_is_that_ion(store: CompoundStore) -> None:
    from assistants.chem.formulas import formula_counts, typed_formula_counts

    facts = gather_facts("What is the molecular weight of Ce3+?", store, use_opsin=False)
    assert [m.name for m in facts.molecules] == ["cerium(3+)"] and not facts.formulas
    assert abs(facts.molecules[0].average_mass - 140.116) < 0.01
    assert {"Fe": 1} in typed_formula_counts("Fe3+") and formula_counts("C2H6O") == {"C": 2, "H": 6, "O": 1}
    assert "formula_match" not in failed("Formula: Fe+3", "What is the formula of Fe3+?", store)


def test_ions_in_questions_and_charges_in_formulas(store: CompoundStore) -> None:
    from assistants.chem.formulas import formula_counts, typed_formula_counts

    nitrate = gather_facts("What is the molar mass of NO3-?", store, use_opsin=False)
    assert [m.name for m in nitrate.molecules] == ["nitrate"] and not nitrate.unresolved
    both = gather_facts("Give the masses of Zn2+ and NH4+", store, use_opsin=False)
    assert {m.name for m in both.molecules} == {"zinc(2+)", "ammonium"}
    assert formula_counts("N3-") == {"N": 3} and {"N": 1} in typed_formula_counts("N3-")  # azide as RDKit writes it
    azide = "What is the formula of [N-]=[N+]=[N-]?"
    assert "formula_match" not in failed("Formula: N3-", azide, store)
    assert "formula_match" in failed("Formula: N-", azide, store)


def test_prose_temperatures_that_are_not_the_property_are_left_alone(store: CompoundStore) -> None:
    question = "What is the boiling point of ethanol?"
    assert failed("Ethanol boils at 78.4 °C, 21.6 °C lower than water.", question, store) == set()
    assert failed("Ethanol boils at 351.6 K.\n298 K is room temperature.", question, store) == set()
    assert failed("Boiling point: 78.4 °C. Keep it in a freezer at -20 °C.", question, store) == set()
    assert failed("Their boiling points differ by 22 K; ethanol boils at 78.4 °C.", question, store) == set()
    assert "property_match" in failed("Ethanol melts at −14 °C and boils at 78.4 °C.", question, store)  # 159 K
