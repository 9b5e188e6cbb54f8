"""Bound claims: a card's lines belong to its SMILES, and "the SMILES of X is Y" ties a name to a structure."""

from __future__ import annotations

import pytest

from assistants.chem.answer import compose
from assistants.chem.bindings import check_bindings
from assistants.chem.facts import gather_facts
from assistants.chem.store import CompoundStore

AMMONIA = "How many grams of ammonia can be made from 5.0 g of nitrogen gas with excess hydrogen?"
CAFFEINE = "Given the molecular SMILES: Cn1c(=O)c2c(ncn2C)n(C)c1=O, provide a description of the molecule."


def problems(text: str, question: str, store: CompoundStore) -> str:
    check = check_bindings(text, gather_facts(question, store), store)
    return "" if check.passed else check.message


def test_a_card_that_pairs_one_molecule_s_smiles_with_another_s_facts_fails(store: CompoundStore) -> None:
    shuffled = "SMILES: N#N\nName: ammonia\nFormula: H3N\nMolecular weight: 17.031 g/mol"
    message = problems(shuffled, AMMONIA, store)
    assert "under SMILES N#N it gave the name 'ammonia'" in message and "formula 'H3N'" in message
    assert "mass '17.031 g/mol'" in message
    right = "SMILES: N#N\nName: nitrogen\nFormula: N2\nMolecular weight: 28.014 g/mol\n\nSMILES: N\nName: ammonia\nFormula: H3N"
    assert problems(right, AMMONIA, store) == ""


def test_a_sentence_naming_a_structure_wrongly_fails(store: CompoundStore) -> None:
    wrong_name = "Answer: The SMILES of 1,3-trimethyl-3,7-dihydro-1H-purine-2,6-dione is Cn1c(=O)c2c(ncn2C)n(C)c1=O."
    assert "names none of the molecules" in problems(wrong_name, CAFFEINE, store)
    formula_as_smiles = "Answer: The molecular SMILES of caffeine is C8H10N4O2."
    assert "'C8H10N4O2' as the smiles of caffeine" in problems(formula_as_smiles, CAFFEINE, store)
    right = "Answer: The SMILES of 1,3,7-trimethyl-3,7-dihydro-1H-purine-2,6-dione is Cn1c(=O)c2c(ncn2C)n(C)c1=O."
    assert problems(right, CAFFEINE, store) == ""  # OPSIN reads the name back to the structure


@pytest.mark.parametrize("question", [
    AMMONIA, CAFFEINE, "What is the molecular weight of sarin?", "What is the IUPAC name of CC(=O)Oc1ccccc1C(=O)O?",
    "What is the SMILES of caffeine?", "Which boils higher, ethanol or water?", "What is the molecular weight of C2H6O?",
])
def test_the_tools_own_text_passes(question: str, store: CompoundStore) -> None:
    facts = gather_facts(question, store)
    assert problems(compose(facts), question, store) == ""


def test_checks_after_the_budget_is_spent_read_no_names_and_match_nothing(store: CompoundStore) -> None:
    """The checks run after the run's wall-time budget (a repair may have spent it): a name OPSIN would have to
    read then matches nothing, and the check fails (the reply is corrected from the tools) instead of raising."""
    import time

    from stages.stage import _deadline

    facts = gather_facts(CAFFEINE, store)
    text = "Answer: The SMILES of 3,7-dihydro-1,3,7-trimethylpurine-2,6-dione is Cn1c(=O)c2c(ncn2C)n(C)c1=O."
    token = _deadline.set(time.monotonic() - 1)
    try:
        check = check_bindings(text, facts, store)
    finally:
        _deadline.reset(token)
    assert not check.passed and "names none of the molecules" in check.message
    assert check_bindings(text, facts, store).passed  # with time left, OPSIN reads the name back to caffeine
