"""What a chemistry question asks, read from its wording: families, parts, options, units.

The wordings here are written for these tests (not the training file's); the family reader is the
shipped one, fitted on the shipped examples.
"""

from __future__ import annotations

import json

import pytest

from assistants.chem.request import EXAMPLES_FILE, TOOL_FAMILIES, asked_unit, mask, questions, read_request
from data_templates.intents import build_examples


def test_the_shipped_examples_match_a_fresh_build() -> None:
    assert json.loads(EXAMPLES_FILE.read_text(encoding="utf-8")) == build_examples(), "run `tristage data intents`"


@pytest.mark.parametrize("masked, family", [
    ("What is the main product of this reaction? Reactants and reagents: SMILESX", "reaction_forward"),
    ("RXNX ?", "reaction_forward"),
    ("Predict the outcome of mixing SMILESX", "reaction_forward"),
    ("Suggest reactants for a one-step synthesis of SMILESX.", "reaction_retro"),
    ("Give me a one-step synthetic route to SMILESX", "reaction_retro"),
    ("What is the flash point of NAMEX?", "hazard"),
    ("What is the IUPAC name of SMILESX?", "name"),
    ("What is the InChIKey of NAMEX?", "identifier"),
    ("Why do alkenes undergo addition reactions?", "concept"),
])
def test_families_of_unforeseen_wordings(masked: str, family: str) -> None:
    assert read_request(masked, {}).family == family


@pytest.mark.parametrize("masked", ["What is the oxidation state of phosphorus in NAMEX?",
                                    "How many grams is NUMX moles of FORMULAX?", "Why does ice float?"])
def test_questions_no_tool_answers_are_never_read_as_a_tool_family(masked: str) -> None:
    assert read_request(masked, {}).family not in TOOL_FAMILIES


def test_answer_instructions_are_set_aside() -> None:
    request = read_request("The following is a multiple choice question about chemistry. Please answer by responding "
                           "with the letter of the correct answer. Question: What is the molecular weight of NAMEX?", {})
    assert request.families == ["mass"] and "multiple choice" not in request.parts[0].text


def test_each_question_of_a_message_is_a_part() -> None:
    request = read_request("Is NAMEX flammable? What is its boiling point?", {})
    assert [p.text for p in request.parts] == ["Is NAMEX flammable?", "What is its boiling point?"]
    assert request.families == ["hazard", "property"] and request.family == "property"


def test_context_after_a_question_belongs_to_it() -> None:
    assert questions("What is the product? Reactants: A.B") == ["What is the product? Reactants: A.B"]


def test_entities_are_masked_by_kind() -> None:
    spans = {"name": ["acetone"], "smiles": ["CC(=O)C"], "formula": ["C3H6O"]}
    assert mask("Is acetone CC(=O)C (C3H6O) at 25 C?", spans) == "Is NAMEX SMILESX ( FORMULAX ) at NUMX C?"


def test_options_and_answer_form() -> None:
    request = read_request("Which is a noble gas?\nA. NAMEX\nB. NAMEX\nC. NAMEX", {})
    assert request.options and request.answer_form == "choice" and request.choices.labels == ["A", "B", "C"]
    assert read_request("Is NAMEX chiral?", {}).answer_form == "yes_no"


@pytest.mark.parametrize("text, unit", [
    ("the boiling point of ethanol in Fahrenheit", "F"), ("What is its melting point in °F?", "F"),
    ("boiling point in kelvin?", "K"), ("in degrees Celsius please", "C"), ("What is the boiling point of water?", None),
])
def test_the_unit_asked(text: str, unit: str | None) -> None:
    assert asked_unit(text) == unit


@pytest.mark.parametrize("masked", ["What is the mass in grams of 0.25 mol of NAMEX?", "What does 2 L of NAMEX weigh?"])
def test_a_given_amount_makes_a_calculation(masked: str) -> None:
    assert read_request(masked, {}).family == "calculation"


def test_an_amount_written_with_a_hyphen() -> None:
    assert read_request("How many moles are in a 50.0-g sample of NAMEX?", {}).family == "calculation"


def test_an_amount_typeset_in_latex() -> None:
    assert read_request("How many moles are in $50.0 \\mathrm{~g}$ of NAMEX?", {}).family == "calculation"


def test_a_quantity_named_after_a_negation_is_not_asked() -> None:
    from assistants.chem.intent import requested_quantities

    assert requested_quantities("need the formula for aspirin (the C_H_ kind, not the structure)") == ["formula"]
    assert requested_quantities("Give the formula rather than the molecular weight") == ["formula"]
    assert requested_quantities("What are the structure and the formula of urea?") == ["smiles", "formula"]
