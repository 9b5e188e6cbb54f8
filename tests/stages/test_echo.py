"""The echo check: a draft that repeats its instructions or repair notes fails; one that restates the
facts a repair note gave it does not."""

from __future__ import annotations

from stages.echo import echo_check, note_instructions

NOTE = ("Give the right yes or no: Yes: ethanol and dimethyl ether both have the formula C2H6O; they are "
        "isomers: the same formula with different structures.")
FACTS = "Answer: Yes: ethanol and dimethyl ether both have the formula C2H6O; they are isomers: the same formula with different structures."


def test_a_note_keeps_only_its_instruction_words() -> None:
    assert note_instructions(NOTE, FACTS) == ["Give the right yes or no:"]
    assert note_instructions("Do not state a boiling point: the tool facts have none.", "SMILES: CCO") == [
        "Do not state a boiling point: the tool facts have none."]


def test_restating_the_facts_passes_and_copying_the_note_fails() -> None:
    instructions = note_instructions(NOTE, FACTS)
    answer = "Yes: ethanol and dimethyl ether both have the formula C2H6O; they are isomers."
    assert echo_check(answer, instructions).passed
    assert not echo_check(answer, [NOTE]).passed  # the raw note would have rejected a right answer
    assert not echo_check(f"Give the right yes or no: {answer}", instructions).passed
    assert not echo_check("A previous draft was rejected. Write a new answer.", instructions).passed
