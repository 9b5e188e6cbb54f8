"""The learned reader of breakout questions: families read from wordings written for these tests (not the
training file's), an explicit "not understood", and replies that never answer a question nobody asked."""

from __future__ import annotations

import json

import pytest

from assistants.market.intent import find_tickers, read_intent
from assistants.market.reader import EXAMPLES_FILE, mask, read_family
from data_templates.intents import build_breakout_examples
from stages.intent_model import NOT_UNDERSTOOD
from stages.reply import Status
from tests.assistants.market.test_market_asked import run


def test_the_shipped_examples_match_a_fresh_build() -> None:
    assert json.loads(EXAMPLES_FILE.read_text(encoding="utf-8")) == build_breakout_examples(), "run `tristage data intents`"


def test_entities_are_masked() -> None:
    assert mask("Did IBM close above 150.5 on DATEX ?", ["IBM"]) == "Did TICKERX close above NUMX on DATEX ?"


@pytest.mark.parametrize(("question", "family"), [
    ("Is ORCL poking above its range at the moment?", "last_bar"),
    ("Has KO broken out even once during DATEX ?", "any"),
    ("When did PFE most recently escape its range?", "recent"),
    ("Could you explain what a failed breakout looks like?", "concept"),
    ("Is it wise to buy more NKE shares next week?", "forecast"),
    ("How do I make soup?", "out_of_scope"),
])
def test_families_are_read_from_unseen_wordings(question: str, family: str) -> None:
    assert read_family(question, find_tickers(question.replace("DATEX", ""))).label == family


def test_a_question_the_reader_cannot_place_is_not_understood() -> None:
    assert read_family("zorp the flibbet", []).label == NOT_UNDERSTOOD
    intent = read_intent("thoughts on MSFT?")
    assert not intent.understood and intent.tickers == ["MSFT"]


def test_a_question_not_understood_says_so_and_is_not_verified() -> None:
    reply = run("thoughts on MSFT?")
    assert reply.status is Status.UNVERIFIED
    assert reply.text.startswith("Not answered: what the question asks: it was not recognised as a breakout question")


@pytest.mark.parametrize("question", ["What dividend does IBM pay?", "How do I make soup?", "zorp the flibbet IBM"])
def test_a_question_outside_breakouts_is_not_answered_with_a_breakout(question: str) -> None:
    reply = run(question)
    assert reply.status is Status.UNVERIFIED and "Not answered" in reply.text.split("\n")[0]
    assert "breakout on" not in reply.text.split("\n")[0]


def test_a_breakout_word_keeps_a_question_understood() -> None:
    intent = read_intent("MSFT breakout thoughts?")
    assert intent.understood and not intent.out_of_scope and intent.kind == "recent"
