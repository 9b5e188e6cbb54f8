"""The breakout terms as the tools apply them: numbers from the scan's configuration, asked terms read
whole, and only questions that ask for nothing but definitions answered from them."""

import pytest

from assistants.market.breakouts import ScanConfig
from assistants.market.glossary import asked_terms, definition_only, glossary_answer, glossary_check


def test_definitions_carry_the_configured_numbers():
    answer = glossary_answer("What is a trading range?", ScanConfig(window=30))
    assert answer is not None and "of the 30 bars before the current one" in answer
    assert "within the next 10 bars" in glossary_answer("what is a true breakout", ScanConfig(horizon=10))


@pytest.mark.parametrize(("question", "terms"), [
    ("What is a false breakout?", ["false breakout"]),  # not also "breakout"
    ("What's the difference between a true and a false breakout?", ["true breakout", "false breakout"]),
    ("what does ATR mean", ["average true range"]),
    ("explain fakeouts", ["false breakout"]),
])
def test_asked_terms_are_read_whole(question, terms):
    assert asked_terms(question) == terms


@pytest.mark.parametrize(("question", "only"), [
    ("What is a false breakout?", True),
    ("how do traders confirm a breakout", True),
    ("What is a good breakout strategy for beginners?", False),
    ("Why do breakouts fail in low volume?", False),
])
def test_only_a_question_asking_for_definitions_is_answered_from_them(question, only):
    assert definition_only(question) is only
    assert (glossary_answer(question, ScanConfig()) is not None) is only


def test_a_reply_without_an_asked_definition_does_not_answer():
    question = "What's the difference between a true and a false breakout?"
    assert glossary_check(glossary_answer(question, ScanConfig()) or "", question, ScanConfig()).passed
    assert not glossary_check("A false breakout fails.", question, ScanConfig()).passed
