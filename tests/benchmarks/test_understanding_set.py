"""The wording benchmark's set is large, split by wording and well formed, and its scorer reads reply text."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest

from assistants.chem.formulas import formula_counts
from assistants.chem.molecule import parse_smiles
from benchmarks import understanding
from benchmarks.understanding import (
    BUILDERS, Expected, Item, NumberSpec, assign_splits, build_items, chosen_label, heldout_in_training, judge, load_families, source_problems, split_problems,
    missing, polarity_of, stated_answer,
)
from stages.pipeline import without_check_notes
from stages.reply import Reply, Status

FAMILIES = load_families()
started = time.perf_counter()
ITEMS = build_items(FAMILIES)
BUILD_SECONDS = time.perf_counter() - started


def test_the_set_is_large_and_covers_both_assistants() -> None:
    assert len(ITEMS) >= 400
    assert len(FAMILIES) >= 15 and {f.id for f in FAMILIES} == set(BUILDERS)
    assert {f.assistant for f in FAMILIES} == {"chem", "breakout"}
    assert BUILD_SECONDS < 10, f"the set took {BUILD_SECONDS:.1f} s to build"


@pytest.mark.parametrize("family", FAMILIES, ids=[f.id for f in FAMILIES])
def test_every_family_has_six_wordings_half_of_them_held_out_whole(family: understanding.Family) -> None:
    assert len(family.wordings) >= 6
    assert split_problems(family) == []
    assigned = assign_splits(family)
    items = [i for i in ITEMS if i.family == family.id]
    assert items
    written = {w.id: w.split for w in family.wordings}
    for item in items:
        assert item.split == assigned.get(item.wording, written[item.wording]), "an item of a held-out wording is in dev (or the reverse)"
        assert item.wording in assigned or item.split in ("fresh", "blind")


@pytest.mark.parametrize("family", FAMILIES, ids=[f.id for f in FAMILIES])
def test_every_wording_has_a_source(family: understanding.Family) -> None:
    assert source_problems(family) == []


def _checkable(expected: Expected) -> bool:
    return any([expected.smiles, expected.names, expected.formula, expected.numbers, expected.leads, expected.choice,
                expected.polarity, expected.contains, expected.date_between, expected.conceptual])


@pytest.mark.parametrize("item", ITEMS, ids=[i.id for i in ITEMS])
def test_every_item_is_filled_and_its_answer_well_formed(item: Item) -> None:
    expected = item.expected
    assert _checkable(expected)
    assert not understanding._PLACEHOLDER.search(item.question), "a placeholder was left unfilled"
    for smiles in expected.smiles:
        assert parse_smiles(smiles).GetNumAtoms() > 0
    if expected.formula is not None:
        assert formula_counts(expected.formula)
    assert all(math.isfinite(n.value) and n.tol > 0 for n in expected.numbers)
    if expected.choice is not None:
        assert expected.choice in "ABCDEFGH12345678"
    if expected.date_between:
        assert expected.date_between[0] <= expected.date_between[1]


def test_the_breakout_answers_are_mixed_and_computed_from_the_samples() -> None:
    dates = [i.expected.polarity for i in ITEMS if i.family == "breakout_date"]
    assert {"yes", "no"} <= set(dates)
    periods = [i.expected.polarity for i in ITEMS if i.family == "breakout_period" and i.expected.polarity]
    assert {"yes", "no"} <= set(periods)
    now = {c for i in ITEMS if i.family == "breakout_now" for c in i.expected.contains}
    assert now == {understanding.last_date(t) for t in ("AAPL", "IBM", "MSFT", "GOOG")}


def test_the_reaction_items_are_measured_held_out_rows() -> None:
    from assistants.chem.reactions import shipped
    from assistants.chem.reactions.sources import read_source

    entities = understanding.load_entities()
    assert max(entities["forward_reaction"] + entities["retrosynthesis"]) < shipped.MEASURED_FIRST
    first = next(iter(read_source(shipped.DATA_DIR / shipped.FORWARD_HELDOUT)))
    assert understanding.forward_rows(1)[0] == first
    retro = understanding.retro_rows(max(entities["retrosynthesis"]) + 1)
    assert retro and all(shipped._heldout_row(r) for r in retro)


# ------------------------------------------------------------------------------------------------ the scorer


def _item(**expected: object) -> Item:
    return Item(id="t/w/1", family="t", wording="w", split="dev", assistant="chem", source="chat", chat=True,
                entity="e", question="q?", expected=Expected.model_validate(expected))


@pytest.mark.parametrize("text", ["[ANSWER]C[/ANSWER]", "The answer is C.", "Answer: (C) ethanol", "C. ethanol",
                                  "I pick option C", "The answer is therefore C"])
def test_the_chosen_option_is_read_in_its_usual_forms(text: str) -> None:
    assert chosen_label(text) == "C"


def test_no_option_is_read_from_an_answer_that_names_none() -> None:
    assert chosen_label("Answer: The molecular formula of ethanol is C2H6O.") is None


def test_numbers_count_in_the_asked_unit_and_only_where_the_answer_is_stated() -> None:
    fahrenheit = Expected(numbers=[NumberSpec(value=173.1, tol=1.8, unit="F")])
    assert missing(fahrenheit, "Answer: Ethanol boils at 173.2 °F (78.4 °C).", Status.VERIFIED) == []
    assert missing(fahrenheit, "Answer: Ethanol boils at 351.6 K (78.4 °C).", Status.VERIFIED) != []
    bare = Expected(numbers=[NumberSpec(value=351.6, tol=1.0)])
    assert missing(bare, "Not answered: what the question asks.\n\nBoiling point: 351.57 K (78.42 °C)", Status.UNVERIFIED)
    assert missing(bare, "Some working… [ANSWER]351.5[/ANSWER]", Status.VERIFIED) == []
    assert "“" not in stated_answer("Not answered: the calculation (“2.0 mol at 351 K”).")


def test_the_winner_leads_even_when_the_sentence_turns_round() -> None:
    item = _item(leads=["toluene"], rivals=["benzene"], turned=r"\b(?:lower|lighter)\b")
    assert missing(item.expected, "Answer: Toluene is heavier: 92.14 g/mol against 78.11 g/mol.", Status.VERIFIED) == []
    assert missing(item.expected, "Benzene is lighter than toluene.", Status.VERIFIED) == []
    assert missing(item.expected, "Benzene is heavier than toluene.", Status.VERIFIED) != []
    listed = "What the tools know: benzene (C6H6); toluene (C7H8).\n\nSMILES: c1ccccc1"
    assert missing(item.expected, listed, Status.UNVERIFIED) != [], "a list of facts answers no 'which'"


def test_yes_and_no_are_read_from_the_answer_sentence() -> None:
    assert polarity_of("Answer: No: C1CC(C1 is not a valid SMILES (unclosed ring).", "validity") == "no"
    assert polarity_of("Answer: Yes, it parses with no errors.", "validity") == "yes"
    assert polarity_of("**Yes, 2011-03-16 is a breakout: downward breakout on 2011-03-16.**", "breakout") == "yes"
    assert polarity_of("No breakout on 2011-03-23 (close inside the range).", "breakout") == "no"
    assert polarity_of("There is no bar on 2011-03-26 in AAPL, so I cannot say whether it broke out.", "breakout") is None


def test_structures_are_matched_by_identity_not_by_spelling() -> None:
    item = _item(smiles=["CCO"])
    assert missing(item.expected, "Answer: The SMILES of ethanol is OCC.", Status.VERIFIED) == []
    assert missing(item.expected, "Answer: The SMILES is COC.", Status.VERIFIED) == ["no structure CCO"]


def _reply(text: str, status: Status) -> Reply:
    return Reply(assistant="chem", text=text, status=status)


def test_the_outcome_flags_verified_wrong_and_silent_misses() -> None:
    item = _item(formula="C2H6O")
    wrong = judge(item, _reply("Answer: The molecular formula of ethanol is C2H4O2.", Status.VERIFIED), 0.1)
    assert (wrong.right, wrong.verified_wrong, wrong.silent_miss) == (False, True, True)
    honest = judge(item, _reply("Not answered: the formula: ethanol is not in the compound store.", Status.UNVERIFIED), 0.1)
    assert (honest.right, honest.says_not_answered, honest.silent_miss) == (False, True, False)
    corrected = ("Answer: The molecular formula of ethanol is C2H6O.\n\nRebuilt from tool facts: the model's draft was "
                 "replaced because\n- it gave C2H4O2")
    assert judge(item, _reply(corrected, Status.CORRECTED), 0.1).right


def test_a_conceptual_question_is_right_unless_it_claims_verified() -> None:
    item = _item(conceptual=True)
    assert judge(item, _reply("Le Chatelier's principle says… Not checked by any tool: the explanation.",
                              Status.UNVERIFIED), 0.1).right
    assert judge(item, _reply("Le Chatelier's principle says…", Status.VERIFIED), 0.1).verified_wrong


# ------------------------------------------------------------------------------------------------ real pipelines


def test_a_few_dev_items_through_the_real_pipelines_are_scored_from_the_reply_text(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dev = [i for i in ITEMS if i.split == "dev"]
    chosen = [next(i for i in dev if i.family == f) for f in ("formula", "smiles_validity", "breakout_date")]
    outcomes = understanding.run(chosen, use_model=False)
    for item, outcome in zip(chosen, outcomes, strict=True):
        assert outcome.text.strip() and outcome.status in {s.value for s in Status}
        assert outcome.missing == missing(item.expected, without_check_notes(outcome.text), Status(outcome.status))
    out = tmp_path / "understanding.json"
    assert understanding.main(["--family", "formula", "--limit", "2", "--json", str(out)]) == 0
    written = json.loads(out.read_text())
    assert [o["split"] for o in written["outcomes"]] == ["dev", "dev"] and "dev" in written["tallies"]["splits"]
    assert "| formula |" in capsys.readouterr().out


def test_a_bad_selection_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert understanding.main(["--family", "nonsense"]) == 2
    assert capsys.readouterr().err.startswith("error: unknown family nonsense")


def test_no_held_out_wording_is_in_the_intent_training_examples() -> None:
    families = understanding.load_families()
    assert any(w.split == "heldout" for f in families for w in f.wordings)
    assert heldout_in_training(families) <= PACK_QUESTIONS


# Held-out wordings that a template pack, written before this set, already asks word for word.
PACK_QUESTIONS = {"frm-07"}


def test_the_answer_is_read_where_a_model_writes_it() -> None:
    from benchmarks.understanding import answer_sentence

    assert answer_sentence("The answer is: 175 °C (448.15 K, 347 °F)") == "175 °C (448.15 K, 347 °F)"
    assert answer_sentence("Oxidation state of Mn in KMnO4: +7") == "Oxidation state of Mn in KMnO4: +7"
    assert answer_sentence("SMILES: CCO\nEthanol boils at 78 °C.") == "Ethanol boils at 78 °C."


def test_a_labelled_one_line_answer_is_the_stated_answer() -> None:
    assert "175 °C" in stated_answer("The answer is: 175 °C (448.15 K, 347 °F)")
    assert "+7" in stated_answer("Oxidation state of Mn in KMnO4: +7")
    assert "78.1" not in stated_answer("Ethanol boils at 78 °C.\nMolecular weight: 78.1 g/mol")
