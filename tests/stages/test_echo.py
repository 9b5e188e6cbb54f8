"""The echo check: a draft that repeats its instructions or repair notes fails; one that restates the
facts a repair note gave it does not."""

from __future__ import annotations

from stages.echo import echo_check, note_instructions

NOTE = ("Give the right yes or no: Yes: ethanol and dimethyl ether both have the formula C2H6O; they are "
        "isomers: the same formula with different structures.")
FACTS = "Answer: Yes: ethanol and dimethyl ether both have the formula C2H6O; they are isomers: the same formula with different structures."


def test_a_note_keeps_only_the_stretches_the_facts_do_not_hold() -> None:
    kept = note_instructions(NOTE, FACTS)
    assert kept and all(len(w) == 32 and w not in " ".join(FACTS.lower().split()) for w in kept)
    assert any(w.startswith("give the right yes or no") for w in kept)
    short = "Do not state a boiling point."
    assert note_instructions(short, "SMILES: CCO") == [short]


def test_restating_the_facts_passes_and_copying_the_note_fails() -> None:
    instructions = note_instructions(NOTE, FACTS)
    answer = "Yes: ethanol and dimethyl ether both have the formula C2H6O; they are isomers."
    assert echo_check(answer, instructions).passed
    assert not echo_check(answer, [NOTE]).passed  # the raw note would have rejected a right answer
    assert not echo_check(f"Give the right yes or no: {answer}", instructions).passed
    note = "Give the boiling point of hydrogen sulfide: 212.85 K (-60.30 °C)."
    told = "The boiling point of hydrogen sulfide (sulfane) is 212.85 K (-60.30 °C)."
    assert echo_check("The boiling point of hydrogen sulfide is 212.85 K (-60.30 °C).", note_instructions(note, told)).passed
    assert not echo_check("A previous draft was rejected. Write a new answer.", instructions).passed
