from __future__ import annotations

from assistants.chem.checks import chem_checks
from assistants.chem.draft import parse_draft
from assistants.chem.facts import gather_facts
from assistants.chem.langchain_tools import chem_tools
from assistants.chem.store import CompoundStore


def failed(text: str, question: str, store: CompoundStore) -> set[str]:
    facts = gather_facts(question, store, use_opsin=False)
    return {c.name for c in chem_checks(parse_draft(text), facts, store) if not c.passed}


def test_lenient_parse_keeps_labels_and_finds_mentions() -> None:
    parsed = parse_draft("**SMILES**: CCO\nname = ethanol\nIt weighs 46.07 g/mol, boils at 78.4 °C; see (CC(=O)O) and H2O.")
    assert parsed.labels["smiles"] == "CCO" and parsed.labels["name"] == "ethanol"
    assert parsed.smiles == ["CCO", "CC(=O)O"] and parsed.formulas == ["H2O"] and parsed.masses == [46.07]
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
