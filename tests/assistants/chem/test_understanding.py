"""Replies judged against what was asked: unforeseen wordings reach the right tool, questions the tools
cannot answer say "Not answered" first and are never `verified`, options are named first, units are
the user's. Real store, RDKit, OPSIN and reaction library; the model is scripted where one speaks."""

from __future__ import annotations

import pytest

from assistants.chem.store import CompoundStore
from stages.reply import Status

from tests.assistants.chem.test_assistant import run


@pytest.mark.parametrize("question", [
    "Predict the outcome of mixing CC(=O)Cl.OCC.CCN(CC)CC",
    "CC(=O)Cl.OCC -> ?",
    "What is the main product of this reaction? Reactants and reagents: CC(=O)Cl.OCC.CCN(CC)CC",
])
def test_forward_reaction_wordings_get_a_product(question: str, store: CompoundStore) -> None:
    reply = run(question, store)
    assert "Product: CCOC(C)=O" in reply.text and "Not answered" not in reply.text
    assert reply.status is Status.UNVERIFIED  # a template prediction, said so
    assert "a template prediction" in reply.text


@pytest.mark.parametrize("question", [
    "Please suggest potential reactants for the given product. CC(=O)Nc1ccc(O)cc1",
    "Give me a one-step synthetic route to CC(=O)Nc1ccc(O)cc1",
    "Suggest reactants for a one-step synthesis of CC(=O)Nc1ccc(O)cc1.",
])
def test_retro_wordings_get_reactants(question: str, store: CompoundStore) -> None:
    reply = run(question, store)
    assert "Reactants: " in reply.text and "Not answered" not in reply.text


@pytest.mark.parametrize("question, asked", [
    ("What is the LD50 of caffeine in rats?", ""),
    ("What is the pKa of acetic acid?", ""),
    ("How many grams of NaCl dissolve in 100 mL of water at 25 C?", "the calculation asked"),
])
def test_a_question_no_tool_answers_says_so_first(question: str, asked: str, store: CompoundStore) -> None:
    reply = run(question, store)
    assert reply.text.startswith(f"Not answered: {asked}")
    assert reply.status is Status.UNVERIFIED


def test_chemistry_problems_are_not_refused(store: CompoundStore) -> None:
    reply = run("A gas occupies 2.0 L at 300 K. What volume does it occupy at 600 K at the same pressure?", store)
    assert reply.status is not Status.REFUSED and reply.text.startswith("Not answered: the calculation asked")


def test_a_mixed_question_answers_its_tool_part_and_names_the_other(store: CompoundStore) -> None:
    reply = run("What is the pKa of phenol? What is its boiling point?", store)
    assert reply.text.startswith("Not answered: ") and "(“What is the pKa of phenol?”)" in reply.text.split("\n")[0]
    assert "454.95 K" in reply.text and reply.status is Status.UNVERIFIED
    both = run("Is benzene flammable? What is its boiling point?", store)
    assert both.text.startswith("Answer: Yes: benzene is flammable") and "353.22 K" in both.text
    assert both.status is Status.VERIFIED


def test_the_model_answering_what_no_tool_checks_is_unverified_and_says_so(store: CompoundStore) -> None:
    reply = run("What is the pKa of acetic acid?", store, ["The pKa of acetic acid is 4.76."])
    assert reply.status is Status.UNVERIFIED and "Not checked by any tool: " in reply.text
    right = run("What is the flash point of acetone?", store, ["The flash point of acetone is -20 °C."])
    assert right.status is Status.VERIFIED
    wrong = run("What is the flash point of acetone?", store, ["The flash point of acetone is -50 °C."], max_repairs=0)
    assert wrong.status is Status.CORRECTED and wrong.text.startswith("Answer: The flash point of acetone is -20 °C")


def test_by_how_much_is_answered(store: CompoundStore) -> None:
    reply = run("Does toluene have a higher boiling point than benzene? By how much?", store)
    assert reply.text.startswith("Answer: Yes: toluene boils higher") and "a difference of 30.53 K" in reply.text
    assert reply.status is Status.VERIFIED
    wrong = run("Does toluene have a higher boiling point than benzene? By how much?", store,
                ["Answer: No, benzene boils higher than toluene, by 30.53 K."], max_repairs=0)
    assert wrong.status is Status.CORRECTED and wrong.text.startswith("Answer: Yes: toluene boils higher")


def test_the_unit_asked_is_the_unit_answered(store: CompoundStore) -> None:
    reply = run("What is the boiling point of ethanol in Fahrenheit?", store)
    assert reply.text.startswith("Answer: The boiling point of ethanol is 173.2 °F")
    assert reply.status is Status.VERIFIED
    kelvin_only = run("What is the boiling point of ethanol in Fahrenheit?", store,
                      ["Answer: Ethanol boils at 351.57 K.\nBoiling point: 351.57 K"], max_repairs=0)
    assert kelvin_only.status is Status.CORRECTED and "173.2 °F" in kelvin_only.text


MCQ = "Which has the highest boiling point? A. methanol B. ethanol C. water D. acetone"


def test_options_the_tools_can_judge_are_chosen_and_checked(store: CompoundStore) -> None:
    reply = run(MCQ, store)
    assert reply.text.startswith("Answer: C (water)") and "[ANSWER]C[/ANSWER]" in reply.text
    assert reply.status is Status.VERIFIED
    wrong = run(MCQ, store, ["Answer: B. Ethanol boils highest."], max_repairs=0)
    assert wrong.status is Status.CORRECTED and wrong.text.startswith("Answer: C (water)")
    right = run(MCQ, store, ["Answer: C. Water boils highest, at 373.12 K."])
    assert right.status is Status.VERIFIED


def test_an_identity_question_with_options(store: CompoundStore) -> None:
    reply = run("What is the molecular formula of caffeine?\nA. C8H10N4O2\nB. C6H12O6\nC. C9H8O4\nD. C2H6O", store)
    assert reply.text.startswith("Answer: A (C8H10N4O2)") and reply.status is Status.VERIFIED


EXAM = "When an ideal gas expands isothermally, which is true?\nA. q = 0\nB. w = 0\nC. ΔU = 0\nD. ΔH > 0"


def test_options_no_tool_judges_are_the_models_choice_said_so(store: CompoundStore) -> None:
    reply = run(EXAM, store, ["Answer: C. The internal energy of an ideal gas depends only on temperature."])
    assert reply.text.startswith("Answer: C.") and reply.status is Status.UNVERIFIED
    assert "the option chosen: the model's choice" in reply.text


def test_a_reply_that_names_no_option_says_it_cannot_choose(store: CompoundStore) -> None:
    reply = run(EXAM, store, ["The gas does work on its surroundings."] * 3)
    assert reply.text.startswith("Not answered: which option is right") and reply.status is Status.UNVERIFIED
    tools = run(EXAM, store)
    assert tools.text.startswith("Not answered: which option is right") and tools.status is Status.UNVERIFIED


@pytest.mark.parametrize("draft", [
    "When an ideal gas expands isothermally, which is true?\n\nThe answer is C.",  # the question echoed first
    "The answer is C. ΔU = 0\n\nThe answer is D. ΔH > 0",  # two options stated in turn
])
def test_a_reply_whose_first_line_names_no_option_or_that_wavers_has_not_chosen(draft: str, store: CompoundStore) -> None:
    reply = run(EXAM, store, [draft] * 3)
    assert reply.text.startswith("Not answered: which option is right") and reply.status is Status.UNVERIFIED


def test_an_unsure_reading_the_structure_agrees_with_is_taken(store: CompoundStore) -> None:
    reply = run("What is this molecule? CC(=O)Nc1ccc(O)cc1", store)
    assert reply.status is Status.VERIFIED and "hydroxyphenyl" in reply.text and "Not answered" not in reply.text


@pytest.mark.parametrize("question, lead", [
    ("Which has more hydrogen-bond donors, glycerol or ethanol?", "Answer: Glycerol has more hydrogen-bond donors: 3"),
    ("Does water or ammonia have the higher boiling point?", "Answer: Water boils higher"),
    ("How heavy is dimethylazane compared with water?", "Answer: Dimethylamine is heavier: 45.085 g/mol"),
])
def test_comparisons_over_descriptors_and_either_or(question: str, lead: str, store: CompoundStore) -> None:
    reply = run(question, store)
    assert reply.text.startswith(lead) and reply.status is Status.VERIFIED


def test_values_of_several_molecules_are_no_comparison(store: CompoundStore) -> None:
    reply = run("What are the boiling points of methanol, ethanol and water?", store)
    assert "Not answered" not in reply.text and "337.63 K" in reply.text and reply.status is Status.VERIFIED


def test_a_difference_asked_without_a_direction(store: CompoundStore) -> None:
    reply = run("What is the difference between the boiling points of benzene and toluene?", store)
    assert "a difference of 30.53 K" in reply.text and reply.status is Status.VERIFIED


def test_a_description_that_only_repeats_the_given_smiles_is_no_answer(store: CompoundStore) -> None:
    smiles = "Cn1c(=O)c2c(ncn2C)n(C)c1=O"
    reply = run(f"Describe this molecule: {smiles}", store, [f"Answer: {smiles}\nSMILES: {smiles}"], max_repairs=0)
    assert reply.status is Status.CORRECTED and "C8H10N4O2" in reply.text


def test_a_superlative_over_options(store: CompoundStore) -> None:
    reply = run("Q: Which of these is heaviest? (a) benzene (b) toluene (c) phenol", store)
    assert reply.text.startswith("Answer: C (phenol)") and reply.status is Status.VERIFIED


@pytest.mark.parametrize("question", [
    "How many degrees higher does toluene boil than benzene?",
    "Toluene boils higher than benzene; by what margin?",
    "How far apart are the boiling points of benzene and toluene?",
])
def test_other_ways_to_ask_by_how_much(question: str, store: CompoundStore) -> None:
    reply = run(question, store)
    assert "a difference of 30.53 K" in reply.text and reply.status is Status.VERIFIED


@pytest.mark.parametrize("question", [
    "Which reactants would lead to CC(=O)Nc1ccc(O)cc1?",
    "What precursors could lead to the formation of CC(=O)Nc1ccc(O)cc1?",
])
def test_lead_to_is_a_verb_and_asks_for_reactants(question: str, store: CompoundStore) -> None:
    reply = run(question, store)
    assert "Reactants: " in reply.text and "Not answered" not in reply.text and "lead" not in reply.text.split("\n")[0]


@pytest.mark.parametrize("question, answer", [
    ("what's the 8 hr time weighted average limit for toluene?", "The occupational exposure limits of toluene are 20 ppm (TWA)"),
    ("short-term exposure limit of acetone?", "The occupational exposure limits of acetone are"),
    ("redox homework - ox number of Mn in KMnO4??", "The oxidation state of Mn in potassium permanganate (KMnO4) is +7."),
    ("What is the ox. state of S in H2SO4?", "The oxidation state of S in sulfuric acid (H2O4S) is +6."),
    ("How many grams of sodium chloride are there in 2 moles?", "2 moles of sodium chloride is 116.9 g"),
    ("I have 2 moles of water. How many grams?", "2 moles of water is 36.03 g"),
])
def test_everyday_wordings_reach_their_calculator(question: str, answer: str, store: CompoundStore) -> None:
    reply = run(question, store)
    assert reply.text.startswith(f"Answer: {answer}"), reply.text[:200]
    assert reply.status is Status.VERIFIED
    assert "molecular weight" not in reply.text.split("\n")[0].lower()


@pytest.mark.parametrize("question", [
    "Could you please walk me through Le Chatelier's principle? I have an exam tomorrow.",
    "Help me understand buffer solutions, my notes are confusing.",
])
def test_a_chemistry_explanation_is_never_refused(question: str, store: CompoundStore) -> None:
    reply = run(question, store)
    assert reply.status is Status.UNVERIFIED and "outside that scope" not in reply.text


def test_a_question_far_from_chemistry_is_still_refused(store: CompoundStore) -> None:
    assert run("Write me a poem about spring.", store).status is Status.REFUSED


def test_a_subject_the_tables_cannot_answer_is_named_though_another_is_answered(store: CompoundStore) -> None:
    reply = run("Are sodium chloride and water flammable?", store)
    first = reply.text.split("\n")[0]
    assert first.startswith("Not answered: ") and "sodium chloride" in first
    assert "water is not a flammable liquid" in reply.text and reply.status is Status.UNVERIFIED


@pytest.mark.parametrize("question, lead", [
    ("Is there a recorded normal boiling point for 1,2-diethoxyethane? What is it?",
     "Answer: The boiling point of 1,2-diethoxyethane is 393.75 K"),  # "What is it?" asks the same again
    ("What's the empirical-style molecular formula of 2,3-dichloropropan-1-ol in Hill order?",
     "Answer: The molecular formula of 2,3-dichloro-1-propanol (2,3-dichloropropan-1-ol) is C3H6Cl2O"),
])
def test_wordings_of_the_data_packs_are_answered_in_full(question: str, lead: str, store: CompoundStore) -> None:
    reply = run(question, store)
    assert reply.text.startswith(lead) and reply.status is Status.VERIFIED, reply.text


@pytest.mark.parametrize("question", [
    "Given the molecular SMILES: CC(=O)Oc1ccccc1C(=O)O, provide a description of the molecule.",
    "Provide a brief overview of this molecule. CC(=O)Oc1ccccc1C(=O)O",
])
def test_a_smiles_given_as_input_is_described_not_echoed(question: str, store: CompoundStore) -> None:
    reply = run(question, store)
    first = reply.text.split("\n")[0]
    assert reply.status is Status.VERIFIED and "C9H8O4" in first and "aspirin" in first.lower(), reply.text


@pytest.mark.parametrize(("question", "lead"), [
    ("Given the product, your task is to predict the reactants. Product: CC(=O)Nc1ccc(O)cc1", "Reactants: "),
    ("ok so what kind of compound is caffeine really?", "Answer: caffeine is"),
])
def test_unforeseen_wordings_reach_their_tool(question: str, lead: str, store: CompoundStore) -> None:
    reply = run(question, store)
    assert reply.text.startswith(lead) and "Not answered" not in reply.text, reply.text
