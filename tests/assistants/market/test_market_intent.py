"""Breakout questions are answered about the bar that was asked, with statuses that mean what they say."""

import pytest

from assistants.market.assistant import BreakoutAssistant
from assistants.market.intent import read_intent
from assistants.market.replies import coverage_check
from stages.backends.scripted import ScriptedBackend
from stages.messages import RunOptions, ask
from stages.pipeline import Pipeline
from stages.reply import Status

AAPL = "AAPL from 2010-01-04 to 2010-06-30"  # last close inside its range; last breakout 2010-06-16


def run(question, script=("x",), **options):
    backend = ScriptedBackend(list(script) * 4)
    reply = Pipeline(BreakoutAssistant(), backend).run(ask(question, options=RunOptions(max_model_calls=3, **options)))
    return reply, backend


@pytest.mark.parametrize(("question", "kind", "date"), [
    ("Is there a breakout on the last bar of this data?", "last_bar", None),
    ("did today's candle break out?", "last_bar", None),
    ("Was there a breakout on 2024-05-02?", "date", "2024-05-02"),
    ("Is there any breakout in MSFT from 2011-01-03 to 2011-12-30?", "any", None),
    ("How many breakouts are there?", "any", None),
    ("Was the last breakout of AAPL real?", "recent", None),
    ("judge it", "recent", None),
])
def test_the_intent_is_read_from_the_question(question, kind, date):
    intent = read_intent(question)
    assert (intent.kind, intent.date) == (kind, date)


def test_a_last_bar_question_is_answered_about_the_last_bar():
    reply, backend = run(f"Is there a breakout on the last bar of {AAPL}?")
    assert reply.status is Status.VERIFIED and reply.answered_by == "detect", reply.reason
    assert not backend.calls
    assert reply.text.startswith("No breakout on the last bar (2010-06-30: close 32.33 inside the 20-bar range "
                                 "31.13–35.86). The most recent breakout was upward on 2010-06-16 through 34.18")
    checks = reply.trace[0].data["early_exit"]["checks"]
    assert [(c["name"], c["kind"], c["passed"]) for c in checks] == [
        ("answers_intent", "coverage", True), ("reply_numbers", "claim", True)]


def test_a_reply_about_an_earlier_breakout_does_not_cover_a_last_bar_question():
    probe, _ = run(f"Is there a breakout on the last bar of {AAPL}?")
    facts = probe.result["facts"]
    earlier = "**Yes, the last bar is a breakout: upward breakout on 2010-06-16 through 34.18: a false breakout.**"
    check = coverage_check(earlier, facts)
    assert not check.passed and check.kind == "coverage"
    assert "it did not answer about the last bar" in check.message


def test_a_given_date_and_a_missing_date():
    reply, _ = run(f"Was there a breakout on 2010-05-06 in {AAPL}?")
    assert reply.status is Status.VERIFIED
    assert reply.text.startswith("No breakout on 2010-05-06 (close 31.65 inside the 20-bar range 30.59–35.01).")
    reply, _ = run(f"Was there a breakout on 2010-06-19 in {AAPL}?")
    assert reply.status is Status.UNVERIFIED
    assert reply.text.startswith("There is no bar on 2010-06-19 in AAPL (bars from 2010-01-04 to 2010-06-30)")
    reply, _ = run(f"Was there a breakout on 2010-06-16 in {AAPL}?")
    assert reply.status is Status.CORRECTED and reply.answered_by == "tools"
    assert reply.text.startswith("**Yes, 2010-06-16 is a breakout: upward breakout on 2010-06-16 through 34.18:")


def test_is_there_any_counts_them_and_judges_the_latest():
    reply, _ = run(f"Is there any breakout in {AAPL}?")
    facts = reply.result["facts"]
    assert reply.text.startswith(f"**Yes, AAPL had {facts['events']} breakouts from 2010-01-04 to 2010-06-30, "
                                 f"{facts['events_up']} upward and {facts['events_down']} downward: ")
    assert "; the most recent: upward breakout on 2010-06-16" in reply.text.splitlines()[0]


def test_a_corrected_reply_says_accurately_what_was_replaced():
    reply, _ = run(f"Was the last breakout of {AAPL} real?",
                   script=["Answer: downward, 34.18, 2010-06-16"], max_repairs=0)
    assert reply.status is Status.CORRECTED
    why = reply.text.split("Rebuilt from tool facts: the model's draft was replaced because")[1]
    assert "it gave the breakout direction as downward; the data shows upward" in why
    assert "the calibrated model gives a" in reply.text and "base rate of upward breakouts" in reply.text


def test_a_model_call_against_the_calibrated_probability_is_caught():
    probe, _ = run(AAPL)
    facts = probe.result["facts"]
    wrong = "false" if facts["call"] == "true" else "true"
    script = [f"Answer: upward, {facts['level']:.2f}, 2010-06-16", f"Answer: {facts['confirmations']} of 3 confirm",
              f"Answer: {wrong} breakout"]
    reply, _ = run(AAPL, script=script, max_repairs=0)
    check = next(c for r in reply.trace for c in r.checks if c.name == "s3_consistent")
    assert not check.passed
    assert check.message == (f"it called it a {wrong} breakout; the calibrated probability "
                             f"{round(100 * facts['probability'])}% makes it a {facts['call']} breakout")
    assert reply.result["judgment"] == facts["call"] and reply.result["model_judgment"] == wrong


def test_a_checked_bare_call_is_verified():
    probe, _ = run(AAPL)
    facts = probe.result["facts"]
    script = [f"Answer: upward, {facts['level']:.2f}, 2010-06-16", f"Answer: {facts['confirmations']} of 3 confirm",
              f"Answer: {facts['call']} breakout"]
    reply, _ = run(AAPL, script=script)
    assert reply.status is Status.VERIFIED, reply.reason
    assert reply.answered_by == "model" and not reply.unchecked


@pytest.mark.parametrize(("question", "forecast"), [
    ("Will this stock go up tomorrow?", True),
    ("Should I buy AAPL?", True),
    ("Is there a breakout on the last bar of this data?", False),
])
def test_a_price_forecast_is_recognised(question, forecast):
    assert read_intent(question).forecast is forecast


def test_a_forecast_question_is_never_verified():
    reply, _ = run(f"Will {AAPL} go up tomorrow?")
    assert reply.status is Status.UNVERIFIED, reply.reason
    assert "whether the price rises or falls next: no tool forecasts prices" in reply.text


@pytest.mark.parametrize(("question", "concept"), [
    ("Explain what a trading range is", True),
    ("What is a false breakout?", True),
    ("how do traders confirm a breakout", True),
    ("What is the most recent breakout?", False),  # about bars it was not given: asks for data
    ("What's the latest breakout in AAPL?", False),
    ("What is a breakout in AAPL in March 2011?", False),
])
def test_a_question_about_trading_ideas_is_told_from_one_about_bars(question, concept):
    assert read_intent(question).concept is concept


def test_a_question_about_trading_ideas_is_explained_unchecked_or_said_not_answered():
    question = "What is a good breakout strategy for beginners?"  # asks more than what a term means
    explained, backend = run(question, script=("Wait for a close beyond the range on high volume.",))
    assert explained.status is Status.UNVERIFIED and explained.text.startswith("Wait for a close beyond the range")
    assert "Not checked by any tool: the whole answer" in explained.text and len(backend.calls) == 1
    template = Pipeline(BreakoutAssistant(phrasing="template"), ScriptedBackend(["x"])).run(ask(question))
    assert template.status is Status.UNVERIFIED and template.text.startswith("Not answered: a question about trading ideas")


def test_a_term_is_defined_as_the_tools_apply_it_without_a_model_call():
    reply, backend = run("What's the difference between a true and a false breakout?")
    assert reply.status is Status.VERIFIED and not backend.calls
    assert "true when, within the next 20 bars" in reply.text and "false when the price closes back inside" in reply.text
