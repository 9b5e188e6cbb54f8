"""Structured chem drafts: one schema per task and asked items, the text rendered from validated fields,
the answer sentence held to the fields' numbers; on the real llama.cpp model every draft validates."""

from __future__ import annotations

import pytest

from assistants.chem.assistant import ChemAssistant, grounded
from assistants.chem.facts import gather_facts
from assistants.chem.store import CompoundStore
from assistants.chem.structured import (
    MAX_ANSWER_CHARS, answer_numbers_check, answer_sentence_check, draft_model, filled_fields, render, schema_check,
    schema_facts,
)
from stages.backends.base import BackendError
from stages.backends import make_backend
from stages.config import BackendConfig
from stages.messages import ask
from stages.pipeline import Pipeline
from stages.reply import Status


def test_the_schema_asks_for_each_item_of_each_molecule(store: CompoundStore) -> None:
    facts = gather_facts("What are the SMILES and molecular weight of ethanol and of acetone?", store)
    schema = draft_model(facts)
    assert schema is not None
    json = schema.model_json_schema()
    molecule = json["$defs"]["MoleculeDraft"]
    assert sorted(molecule["properties"]) == ["molecular_weight_g_per_mol", "smiles"]
    assert json["properties"]["molecules"]["minItems"] == json["properties"]["molecules"]["maxItems"] == 2
    assert draft_model(gather_facts("What is an ester?", store)) is None


def test_a_labelled_molecule_s_formula_comes_with_its_smiles(store: CompoundStore) -> None:
    """"CH4" for [13C]methane was verified: a Hill formula cannot show the label, so the SMILES is asked too."""
    schema = draft_model(gather_facts("What is the formula of [13C]methane?", store))
    assert schema is not None
    assert sorted(schema.model_json_schema()["$defs"]["MoleculeDraft"]["properties"]) == ["formula", "smiles"]
    plain = draft_model(gather_facts("What is the formula of methane?", store))
    assert plain is not None and list(plain.model_json_schema()["$defs"]["MoleculeDraft"]["properties"]) == ["formula"]


def test_a_filled_schema_renders_as_the_labelled_lines_the_checks_read(store: CompoundStore) -> None:
    facts = gather_facts("What is the molecular weight of aspirin?", store)
    schema = draft_model(facts)
    assert schema is not None
    filled = schema.model_validate({"answer": "Aspirin weighs 180.159 g/mol.", "molecules": [{"molecular_weight_g_per_mol": 180.159}]})
    assert render(filled, facts) == "Answer: Aspirin weighs 180.159 g/mol.\n\nMolecular weight: 180.159 g/mol"
    assert answer_numbers_check(filled.model_dump(), facts).passed
    stray = answer_numbers_check({"answer": ".18016", "molecules": [{"molecular_weight_g_per_mol": 180.159}]}, facts)
    assert not stray.passed and stray.message == "its answer sentence gives .18016, which is no tool value"


def test_locants_are_not_numbers_and_tool_values_in_either_unit_are(store: CompoundStore) -> None:
    facts = gather_facts("What is the boiling point of acetone?", store)
    sentence = {"answer": "Propan-2-one (2-propanone) boils at 329.22 K, that is 56.07 °C.",
                "molecules": [{"boiling_point_kelvin": 329.22}]}
    assert answer_numbers_check(sentence, facts).passed
    assert not answer_numbers_check({**sentence, "answer": "It boils at 61 °C."}, facts).passed


def test_string_fields_hold_only_what_their_item_can_be(store: CompoundStore) -> None:
    """The patterns become the grammar, so a value cannot run on past its end ("C9H8O4}, {")."""
    facts = gather_facts("What are the formula and SMILES of aspirin?", store)
    schema = draft_model(facts)
    assert schema is not None
    good = {"answer": "Aspirin is C9H8O4.", "molecules": [{"formula": "C9H8O4", "smiles": "CC(=O)Oc1ccccc1C(=O)O"}]}
    assert render(schema.model_validate(good), facts).endswith("SMILES: CC(=O)Oc1ccccc1C(=O)O\nFormula: C9H8O4")
    for key, debris in (("formula", "C9H8O4}, {"), ("smiles", "CC(=O)O, {")):
        bad = {**good, "molecules": [{**good["molecules"][0], key: debris}]}
        with pytest.raises(ValueError, match="String should match pattern"):
            schema.model_validate(bad)
    with pytest.raises(ValueError, match="String should match pattern"):
        schema.model_validate({**good, "answer": "x" * 161})


@pytest.mark.parametrize(("answer", "passed"), [
    ("Toluene's SMILES is Cc1ccccc1.", True),
    ("Cc1ccccc1", True),
    ("Methylbenzene is written Cc1ccccc1.", True),
    ("It weighs 92.141 g/mol.", False),  # about toluene, but not what was asked
    ("Toluene is an aromatic hydrocarbon.", False),
    ("Mylen-1234567890", False),
    ("The answer is given below.", False),
    ("Toluene " + "is aromatic " * 20, False),
])
def test_the_answer_sentence_is_about_the_molecule_and_ends(store: CompoundStore, answer: str, passed: bool) -> None:
    facts = gather_facts("Give the SMILES of toluene.", store)
    filled = {"answer": answer[:MAX_ANSWER_CHARS], "molecules": [{"smiles": "Cc1ccccc1"}]}
    check = answer_sentence_check(filled, facts)
    assert check.passed is passed, check.message
    assert check.kind == "form"  # it never stands in for the check that the reply answers


@pytest.mark.parametrize(("answer", "passed"), [
    ("C1CCCCC1", False),  # the SMILES the user gave, echoed: the mass was asked
    ("Cyclohexane weighs 84.16 g/mol.", True),
])
def test_echoing_the_molecule_as_given_answers_nothing(store: CompoundStore, answer: str, passed: bool) -> None:
    facts = gather_facts("What is the molecular mass of the molecule with SMILES `C1CCCCC1`?", store)
    filled = {"answer": answer, "molecules": [{"smiles": "C1CCCCC1", "mass": "84.162"}]}
    assert answer_sentence_check(filled, facts).passed is passed


def test_the_smiles_asked_of_a_canonical_smiles_is_no_echo(store: CompoundStore) -> None:
    aspirin = "CC(=O)Oc1ccccc1C(=O)O"
    facts = gather_facts(f"What is the canonical SMILES of {aspirin}?", store)
    assert answer_sentence_check({"answer": aspirin, "molecules": [{"smiles": aspirin}]}, facts).passed


def test_a_name_of_a_molecule_the_user_named_is_no_answer_to_its_smiles(store: CompoundStore) -> None:
    facts = gather_facts("2-azanylethanoic acid is the IUPAC name of a molecule. Please give its SMILES representation.", store)
    filled = {"answer": "2-aminoacetic acid", "molecules": [{"smiles": "NCC(=O)O", "name": "2-aminoacetic acid"}]}
    assert not answer_sentence_check(filled, facts).passed
    assert answer_sentence_check({**filled, "answer": "Its SMILES is NCC(=O)O."}, facts).passed
    named = gather_facts("What is the IUPAC name of glycine?", store)
    assert answer_sentence_check({"answer": "Glycine is 2-aminoacetic acid.", "molecules": [{"name": "2-aminoacetic acid"}]},
                                 named).passed


def test_repeating_the_molecule_as_given_describes_nothing(store: CompoundStore) -> None:
    facts = gather_facts("Cc1ccccc1 The above is a compound. Could you please tell me something about it?", store)
    filled = {"answer": "Cc1ccccc1", "molecules": [{"smiles": "Cc1ccccc1"}]}
    check = answer_sentence_check(filled, facts)
    assert not check.passed and "repeats" in check.message
    assert answer_sentence_check({**filled, "answer": "This is toluene, C7H8."}, facts).passed


def test_a_structured_draft_sees_the_names_and_the_asked_lines_only(store: CompoundStore) -> None:
    facts = gather_facts("What is the formula of aspirin?", store)
    assert schema_facts(facts).split("\n") == ["Name: 2-(acetyloxy)benzoic acid", "Formula: C9H8O4"]
    boiling = schema_facts(gather_facts("What is the boiling point of acetone?", store))
    assert "Boiling point: 329.22 K" in boiling and "SMILES" not in boiling and "Monoisotopic" not in boiling


def test_a_draft_that_does_not_fill_its_schema_is_a_form_failure(store: CompoundStore) -> None:
    facts = gather_facts("What is the molecular weight of aspirin?", store)
    schema = draft_model(facts)
    assert schema is not None
    with_newline = '{"answer": "It weighs\n180.159 g/mol.", "molecules": [{"molecular_weight_g_per_mol": 180.159}]}'
    assert filled_fields(with_newline, schema).model_dump()["answer"] == "It weighs 180.159 g/mol."
    with pytest.raises(BackendError, match="did not return valid ChemDraft JSON"):
        filled_fields('{"answer": "It weighs 180.159', schema)
    with pytest.raises(BackendError, match="did not return valid ChemDraft JSON"):
        filled_fields('{"answer": "It weighs 180.159 g/mol.}, {", "molecules": [{"molecular_weight_g_per_mol": 1}]}', schema)
    check = schema_check("the draft did not return valid ChemDraft JSON")
    assert check.kind == "form" and not check.passed


@pytest.mark.slow
def test_the_embedded_model_fills_the_schema(store: CompoundStore) -> None:
    backend = make_backend(BackendConfig(kind="llamacpp"))
    assert backend.capabilities.json_schema
    reply = Pipeline(ChemAssistant(phrasing="model"), backend).run(ask("What is the SMILES of caffeine?"))
    calls = [c for record in reply.trace for c in record.model_calls]
    assert calls and all(c.output.lstrip().startswith("{") for c in calls)  # decoded under the schema's grammar
    assert reply.status is not Status.ERROR, reply.reason
    if reply.status in (Status.VERIFIED, Status.CORRECTED):
        assert "Cn1c(=O)c2c(ncn2C)n(C)c1=O" in reply.text


def _filled(facts, text: str) -> dict:
    schema = draft_model(facts)
    assert schema is not None
    return filled_fields(text, schema).model_dump()


@pytest.mark.parametrize("question", [
    "What is the SMILES of aspirin?", "What is the boiling point of ethanol?", "What is the molecular formula of caffeine?",
    "Which has a higher boiling point, ethanol or methanol?", "Which boils lower: acetone or water? By how much?",
    "Could you draw dibromomethane for me as a line notation (SMILES)?", "Is benzene heavier than toluene?",
])
def test_the_tools_own_draft_passes_every_check_of_a_model_draft(store: CompoundStore, question: str) -> None:
    """The draft a fine-tune learns: the schema filled from the tool facts with the tools' answer sentence.
    Comparisons ("Ethanol boils higher: …"), differences ("a difference of 43.90 K") and a short SMILES in
    prose ("BrCBr") are answers, not failures."""
    from assistants.chem.structured import tool_draft

    facts = gather_facts(question, store)
    text = tool_draft(facts)
    assert text is not None
    filled = _filled(facts, text)
    assert answer_numbers_check(filled, facts).passed
    assert answer_sentence_check(filled, facts).passed, answer_sentence_check(filled, facts).message


def test_a_comparison_sentence_naming_the_wrong_winner_does_not_answer(store: CompoundStore) -> None:
    facts = gather_facts("Which has a higher boiling point, ethanol or methanol?", store)
    wrong = {"answer": "Methanol boils higher than ethanol.", "molecules": [{"boiling_point_kelvin": 351.57},
                                                                          {"boiling_point_kelvin": 337.63}]}
    assert not answer_sentence_check(wrong, facts).passed


def test_numbers_inside_a_name_and_the_calculators_values_are_no_stray_numbers(store: CompoundStore) -> None:
    facts = gather_facts("I need 100 mL of 1.0 M toluene. How much should I weigh out?", store)
    assert facts.computed, facts.not_computed
    computed = facts.computed[0].sentence
    assert answer_numbers_check({"answer": computed, "molecules": [{}]}, facts).passed
    abietic = gather_facts("What is the molecular formula of abieta-8(14),13(15)-dien-18-oic acid?", store)
    assert [m.source for m in abietic.molecules] == ["store"]
    sentence = f"The formula of {abietic.molecules[0].query} ({abietic.molecules[0].name}) is {abietic.molecules[0].formula}."
    assert answer_numbers_check({"answer": sentence, "molecules": [{}]}, abietic).passed


@pytest.mark.parametrize(("question", "adapter"), [
    ("What is the boiling point of ethanol?", True),  # the tools answer: the draft restates them, as the adapter learned
    ("Why does ice float on water?", False),  # an explanation no tool gives: the base model answers
    ("How do enzymes speed up reactions?", False),
])
def test_the_adapter_is_used_only_where_the_tools_answer(question: str, adapter: bool, store: CompoundStore) -> None:
    assert grounded(gather_facts(question, store)) is adapter
    assert grounded(None) is False
