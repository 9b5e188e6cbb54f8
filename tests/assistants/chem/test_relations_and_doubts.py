"""Sameness and by-how-much questions get the tools' answer first and have it checked; an isotopologue's
store value far from its parent's is set aside, not vouched for."""

from __future__ import annotations

import pytest

from assistants.chem.answer import compose
from assistants.chem.assistant import ChemAssistant
from assistants.chem.coverage import check_coverage, unchecked_parts
from assistants.chem.draft import parse_draft
from assistants.chem.facts import gather_facts
from assistants.chem.intent import read_intent
from assistants.chem.relations import stated_verdict
from assistants.chem.store import CompoundStore
from stages.backends.scripted import ScriptedBackend
from stages.messages import RunOptions, ask
from stages.pipeline import Pipeline
from stages.reply import Status


def coverage(text: str, question: str, store: CompoundStore) -> tuple[bool, str]:
    facts = gather_facts(question, store)
    check = check_coverage(parse_draft(text), text, facts, store)
    assert check is not None
    return check.passed, check.feedback


@pytest.mark.parametrize(("question", "aspect", "different"), [
    ("Do ethanol and dimethyl ether have the same molecular formula?", "formula", False),
    ("Do ethanol and methanol have different formulas?", "formula", True),
    ("Is [2H]C([2H])([2H])[2H] the same compound as methane?", "compound", False),
    ("Are ethanol and dimethyl ether isomers?", "isomers", False),
    ("What is the formula of ethanol?", None, False),
])
def test_sameness_is_read_from_the_question(question: str, aspect: str | None, different: bool) -> None:
    intent = read_intent(question)
    assert (intent.sameness, intent.asks_different) == (aspect, different)


@pytest.mark.parametrize(("text", "said"), [
    ("Yes, both are C2H6O.", True),
    ("Answer: No: they are isotopologues.", False),
    ("Ethanol and dimethyl ether have the same formula.", True),
    ("They are not the same compound.", False),
    ("Ethanol is C2H6O.", None),
])
def test_the_yes_or_no_a_reply_gives(text: str, said: bool | None) -> None:
    assert stated_verdict(text) is said


def test_a_same_formula_question_is_answered_yes_and_a_wrong_no_is_caught(store: CompoundStore) -> None:
    question = "Do ethanol and dimethyl ether have the same molecular formula?"
    text = compose(gather_facts(question, store))
    assert text.startswith("Answer: Yes: ethanol and dimethyl ether both have the formula C2H6O; they are isomers")
    assert coverage(text, question, store)[0]
    passed, feedback = coverage("Answer: No. Ethanol is C2H6O and dimethyl ether is C2H6O.", question, store)
    assert not passed and "Give the right yes or no: Yes:" in feedback


def test_an_isotopologue_is_not_the_same_compound(store: CompoundStore) -> None:
    question = "Is [2H]C([2H])([2H])[2H] the same compound as methane?"
    text = compose(gather_facts(question, store))
    assert text.splitlines()[0].startswith("Answer: No: ")
    assert "isotopologues: the same connectivity with different isotopes" in text.splitlines()[0]
    assert not coverage("Answer: Yes, it is methane (CH4).", question, store)[0]


def test_by_how_much_needs_the_difference(store: CompoundStore) -> None:
    question = "Which is heavier per mole, toluene or benzene, and by how much?"
    text = compose(gather_facts(question, store))
    assert text.startswith("Answer: Toluene is heavier: 92.141 g/mol against 78.114 g/mol for benzene, "
                           "a difference of 14.027 g/mol.")
    reply = Pipeline(ChemAssistant(phrasing="template"), ScriptedBackend(["x"])).run(ask(question))
    assert reply.status is Status.VERIFIED, reply.reason
    passed, feedback = coverage("Toluene is heavier than benzene (92.14 g/mol against 78.11 g/mol).", question, store)
    assert not passed and "Give by how much they differ: 14.027 g/mol." in feedback


def test_a_yes_no_comparison_leads_with_its_answer(store: CompoundStore) -> None:
    text = compose(gather_facts("Is the molecular weight of caffeine greater than that of aspirin?", store))
    assert text.startswith("Answer: Yes: caffeine is heavier: 194.194 g/mol against 180.159 g/mol for aspirin")


def test_a_store_value_far_from_the_unlabelled_parent_is_doubtful(store: CompoundStore) -> None:
    question = "What is the boiling point of chloroform-d?"
    facts = gather_facts(question, store)
    molecule = facts.molecules[0]
    assert not [p for p in molecule.properties if p.key == "boiling_point"]
    assert [(d.value.key, d.parent) for d in molecule.doubtful] == [("boiling_point", "chloroform")]
    assert any("no value is vouched for" in part for part in unchecked_parts(facts, "tools"))
    reply = Pipeline(ChemAssistant(phrasing="template"), ScriptedBackend(["x"])).run(ask(question))
    assert reply.status is Status.UNVERIFIED, reply.reason
    assert "334.35 K (61.20 °C)" in reply.text and "doubtful" in reply.text


def test_a_close_isotopologue_value_is_kept(store: CompoundStore) -> None:
    facts = gather_facts("What is the boiling point of heavy water?", store)
    assert [p.key for p in facts.molecules[0].properties if p.key == "boiling_point"] == ["boiling_point"]
    assert not facts.molecules[0].doubtful


def test_reagent_questions_are_never_verified(store: CompoundStore) -> None:
    question = "Which reagent reduces acetophenone to 1-phenylethanol?"
    facts = gather_facts(question, store)
    assert facts.task == "reaction"
    assert "the reagent or conditions: the reaction tools do not name them" in unchecked_parts(facts, "tools")
    reply = Pipeline(ChemAssistant(phrasing="template"), ScriptedBackend(["x"])).run(
        ask(question, options=RunOptions(max_repairs=0)))
    assert reply.status is Status.UNVERIFIED


def test_a_synthesis_from_a_starting_material_uses_it(store: CompoundStore) -> None:
    facts = gather_facts("Suggest a synthesis of paracetamol from 4-aminophenol.", store)
    assert facts.prediction is not None and not facts.prediction.problem
    assert "Nc1ccc(O)cc1" in facts.prediction.top.split(".")
    facts = gather_facts("Suggest a synthesis of paracetamol from benzene.", store)
    assert facts.prediction is not None and "in one step" in facts.prediction.problem


def test_reactive_is_not_a_reaction_request(store: CompoundStore) -> None:
    facts = gather_facts("Why is cyclopropane so reactive?", store)
    assert facts.task != "reaction" and facts.prediction is None
