"""The adversarial trust set is well formed, and its scorer fails replies that lack the expected facts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistants.chem.assistant import ChemAssistant
from assistants.chem.formulas import formula_counts
from assistants.chem.molecule import formula, parse_smiles
from benchmarks import trust_adversarial
from benchmarks.adversarial.bars import RANGE_HIGH_MAX, RANGE_LOW_MIN, BarsSpec, build_bars
from benchmarks.adversarial.items import CATEGORIES, PLAIN_CHAT, Item, load_items, missing_facts
from stages.reply import CheckResult, Reply, StageRecord, Status

ITEMS = load_items() + load_items(PLAIN_CHAT)


def test_the_set_is_large_and_covers_every_category() -> None:
    assert len(ITEMS) >= 120 + 25 and sum(item.category == "plain_chat" for item in ITEMS) == 25
    assert {item.category for item in ITEMS} == set(CATEGORIES)
    assert all(sum(item.category == c for item in ITEMS) >= 5 for c in CATEGORIES)


@pytest.mark.parametrize("item", ITEMS, ids=[item.id for item in ITEMS])
def test_every_item_is_checkable(item: Item) -> None:
    expect = item.expect
    for smiles in expect.smiles:
        assert parse_smiles(smiles).GetNumAtoms() > 0
    for written in expect.formula:
        assert formula_counts(written), written
    if len(expect.smiles) == 1 and len(expect.formula) == 1 and item.category != "multi_entity":
        assert formula_counts(formula(expect.smiles[0])) == formula_counts(expect.formula[0])
    assert bool(expect.rivals) <= bool(expect.leads_with)
    assert "{" not in item.text, "a placeholder without its bars or repeat"
    assert (item.bars is not None) == (item.assistant == "breakout")


def test_non_answers_general_chat_and_explanations_may_not_be_verified() -> None:
    chosen = [item for item in ITEMS if item.expect.non_answer or item.category in ("general", "why")]
    assert chosen
    for item in chosen:
        assert Status.VERIFIED not in item.expect.status, item.id


def _item(**expect: object) -> Item:
    return Item(id="t", category="basics", assistant="chem", question="q?", expect={"status": ["verified"], **expect})


def test_the_scorer_reads_structures_formulas_and_numbers_from_the_text() -> None:
    item = _item(smiles="CCO", formula="C2H6O", number={"any_of": [78.4, 351.5], "tol": 1.0})
    assert missing_facts(item, "SMILES: OCC\nFormula: C2H6O\nBoiling point: 351.57 K (78.42 °C)") == []
    wrong = missing_facts(item, "SMILES: COC\nFormula: C2H6O\nBoiling point: 248.4 K (−24.8 °C)")
    assert wrong == ["no SMILES of CCO", "no number within 1.0 of [78.4, 351.5]"]


def test_the_scorer_wants_the_answer_first_and_the_whole_word() -> None:
    item = _item(leads_with="hexane", rivals=["cyclohexane"], contains=["no | not valid"], not_contains=["12-13"])
    assert missing_facts(item, "Hexane boils lower: 68.7 °C against 80.7 °C for cyclohexane. It is not valid.") == []
    problems = missing_facts(item, "Cyclohexane boils at 80.7 °C and hexane at 68.7 °C; the key is 12-13.")
    assert [p.split(" ")[0] for p in problems] == ["lacks", "contains", "first"]


def test_the_answer_may_come_second_when_the_sentence_turns_the_comparison_round() -> None:
    item = Item(id="t", category="basics", assistant="chem", question="Which is heavier, toluene or benzene?",
                expect={"status": ["verified"], "leads_with": "toluene", "rivals": ["benzene"]})
    assert missing_facts(item, "Benzene is a lighter molecule than toluene.") == []
    assert missing_facts(item, "Benzene is heavier than toluene.") != []
    assert missing_facts(item, "Benzene is lighter, and toluene weighs 92.141 g/mol.") != []


@pytest.mark.parametrize("shape", ["flat", "earlier_up"])
def test_generated_bars_end_inside_the_range(shape: str) -> None:
    bars = build_bars(BarsSpec(shape=shape, breakout_at=-15))
    assert RANGE_LOW_MIN <= bars["close"].iloc[-1] <= RANGE_HIGH_MAX
    assert (bars["close"].iloc[-15] > RANGE_HIGH_MAX) == (shape == "earlier_up")


def test_generated_bars_break_out_on_the_last_bar() -> None:
    up, down = build_bars(BarsSpec(shape="last_up")), build_bars(BarsSpec(shape="last_down"))
    assert up["close"].iloc[-1] > RANGE_HIGH_MAX + 2 and up["high"].iloc[:-1].max() <= RANGE_HIGH_MAX
    assert down["close"].iloc[-1] < RANGE_LOW_MIN - 2 and "volume" not in build_bars(BarsSpec(shape="no_volume_last_up"))


def test_one_item_through_the_runner(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "adversarial.json"
    assert trust_adversarial.main(["--id", "basic-01", "--json", str(out)]) == 0
    outcome = json.loads(out.read_text())["outcomes"][0]
    assert outcome["id"] == "basic-01" and "CCO" in outcome["text"] and outcome["echo"] == ""
    assert "status agrees with expected" in capsys.readouterr().out


def test_a_bad_set_file_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "q.yaml"
    bad.write_text("- id: x\n  category: nonsense\n  assistant: chem\n  question: q\n  expect: {status: [verified]}\n")
    assert trust_adversarial.main(["--questions", str(bad)]) == 2
    assert capsys.readouterr().err.startswith("error: cannot read")


def _reply(text: str) -> Reply:
    check = CheckResult(name="answers_question", kind="coverage", passed=False,
                        message="it did not give which has the higher boiling point",
                        feedback="Give which has the higher boiling point: ethanol.")
    return Reply(assistant="chem", text=text, status=Status.CORRECTED, trace=[StageRecord(stage="verify", checks=[check])])


def test_echoes_are_prompt_or_feedback_text_but_not_what_was_replaced_or_the_users_words() -> None:
    chem = ChemAssistant(phrasing="template")
    said = "Ethanol boils higher.\n\nRebuilt from tool facts: the model's draft was replaced because\n- it did not give which has the higher boiling point"
    assert trust_adversarial.echoed(_reply(said), chem, "Which boils higher?") == ""
    assert trust_adversarial.echoed(_reply("Give which has the higher boiling point: ethanol."), chem, "Which boils higher?")
    assert trust_adversarial.echoed(_reply(f"{chem.system_prompt} Ethanol."), chem, "Which boils higher?")
    copied = "Your previous answer had problems: fix it."
    assert trust_adversarial.echoed(_reply(copied), chem, copied) == ""
