"""Options read from a question, and the option an answer names, in the shapes exams and harnesses use."""

from __future__ import annotations

import pytest

from stages.choices import answer_tag, chosen, read_choices, without_answer_tags


@pytest.mark.parametrize("question", [
    "Which gas is a noble gas?\nA. nitrogen\nB. argon\nC. oxygen\nD. chlorine",
    "Which gas is a noble gas?\n(A) nitrogen\n(B) argon\n(C) oxygen\n(D) chlorine",
    "Which gas is a noble gas? A) nitrogen B) argon C) oxygen D) chlorine",
    "Which gas is a noble gas? (A) nitrogen (B) argon (C) oxygen (D) chlorine",
    "Which gas is a noble gas? A. nitrogen B. argon C. oxygen D. chlorine",
    "Which gas is a noble gas?\nOptions:\na) nitrogen\nb) argon\nc) oxygen\nd) chlorine",
])
def test_options_in_every_layout(question: str) -> None:
    choices = read_choices(question)
    assert choices.stem == "Which gas is a noble gas?"
    assert choices.labels == ["A", "B", "C", "D"]
    assert [o.text for o in choices.options] == ["nitrogen", "argon", "oxygen", "chlorine"]


def test_numbered_options() -> None:
    choices = read_choices("Pick the alkane:\n1. ethene\n2. ethane\n3. ethyne")
    assert choices.labels == ["1", "2", "3"] and choices.option("2").text == "ethane"  # type: ignore[union-attr]


@pytest.mark.parametrize("question", [
    "What is vitamin A?", "Is the SMILES CC(=O)O valid?", "Rank A. ethanol first", "What is the boiling point of CCO?",
    "Compare compound A and compound B.",
])
def test_no_options_where_none_are_listed(question: str) -> None:
    choices = read_choices(question)
    assert choices.options == [] and choices.stem == question


QUESTION = read_choices("Which is an acid?\nA. NaOH\nB. HCl\nC. NH3\nD. CH4")


@pytest.mark.parametrize("answer, expected", [
    ("[ANSWER]B[/ANSWER]", ["B"]),
    ("Answer: B. HCl gives up a proton.", ["B"]),
    ("The answer is (B).", ["B"]),
    ("B) HCl", ["B"]),
    ("Hydrochloric acid, HCl, is the acid here.", ["B"]),
    ("I am not sure which of these is right.", []),
    ("[ANSWER]A, C[/ANSWER]", ["A", "C"]),
])
def test_the_option_an_answer_names(answer: str, expected: list[str]) -> None:
    assert chosen(answer, QUESTION) == expected


def test_answer_tags_are_written_and_taken_out() -> None:
    assert answer_tag(["C"]) == "[ANSWER]C[/ANSWER]"
    assert "C" not in without_answer_tags("[ANSWER]C[/ANSWER]")


def test_instructions_after_the_options_stay_out_of_them() -> None:
    choices = read_choices("Which is an acid?\nA. NaOH\nB. HCl\n\nYou MUST include the letter within [ANSWER] tags.")
    assert [o.text for o in choices.options] == ["NaOH", "HCl"]
    assert " ".join(choices.stem.split()) == "Which is an acid? You MUST include the letter within [ANSWER] tags."


@pytest.mark.parametrize("question", [
    "Which gas is a noble gas? (a) nitrogen (b) argon (c) oxygen",
    "Which gas is a noble gas? 1) nitrogen 2) argon 3) oxygen",
    "Which gas is a noble gas? 1. nitrogen 2. argon 3. oxygen",
])
def test_lower_case_and_numbered_inline_options(question: str) -> None:
    choices = read_choices(question)
    assert choices.stem == "Which gas is a noble gas?" and [o.text for o in choices.options] == ["nitrogen", "argon", "oxygen"]


def test_alternatives_without_labels() -> None:
    choices = read_choices("Which gas is a noble gas? is it nitrogen, argon, oxygen or chlorine?")
    assert choices.stem == "Which gas is a noble gas?" and not choices.lettered
    assert [o.text for o in choices.options] == ["nitrogen", "argon", "oxygen", "chlorine"]
    assert chosen("Argon: it has a full outer shell.", choices) == ["B"]
    assert chosen("Answer: B", choices) == []
    assert read_choices("Is it hot or cold?").options == []


def test_alternatives_named_after_between_are_options() -> None:
    choices = read_choices("Which SMILES is acetic acid? i'm stuck between CC(C)=O, CCO, COC=O or CC(=O)O - which is it?")
    assert [o.text for o in choices.options] == ["CC(C)=O", "CCO", "COC=O", "CC(=O)O"] and not choices.lettered
    assert read_choices("What is the difference between ethanol and methanol?").options == []
