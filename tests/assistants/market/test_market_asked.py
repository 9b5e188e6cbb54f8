"""What a breakout question asks is what its reply answers: the period, every ticker, today's market, the
source of the bars, the options. Real bundled bars (bokeh AAPL, IBM, MSFT: 2000-03-01 to 2013-03-01)."""

import pandas as pd
import pytest

from assistants.market.assistant import BreakoutAssistant
from assistants.market.compare import compare_coverage
from assistants.market.intent import find_tickers, read_intent
from assistants.market.periods import read_dates
from assistants.market.samples import sample_ohlcv
from stages.backends.scripted import ScriptedBackend
from stages.choices import chosen, read_choices
from stages.messages import Attachment, RunOptions, ask
from stages.pipeline import Pipeline
from stages.reply import Reply, Status

SAMPLE_DAYS = sample_ohlcv("AAPL").index


def run(question: str, phrasing: str = "template", **kwargs) -> Reply:
    """A turn composed from the tool facts (`template`), or through the chain with a model that answers nothing."""
    backend = ScriptedBackend(["x"] * 12)
    options = RunOptions(max_model_calls=3)
    return Pipeline(BreakoutAssistant(phrasing=phrasing), backend).run(ask(question, options=options, **kwargs))


def first_line(reply: Reply) -> str:
    return reply.text.splitlines()[0]


def checks(reply: Reply) -> dict[str, bool]:
    early = reply.trace[0].data.get("early_exit") or {}
    found = {c["name"]: c["passed"] for c in early.get("checks", [])}
    found.update({c.name: c.passed for r in reply.trace for c in r.checks})
    return found


@pytest.mark.parametrize(("text", "start", "end"), [
    ("Did IBM break out of its range in March 2011?", "2011-03-01", "2011-03-31"),
    ("any breakouts in 2011?", "2011-01-01", "2011-12-31"),
    ("AAPL in Q1 2012", "2012-01-01", "2012-03-31"),
    ("the first quarter of 2012", "2012-01-01", "2012-03-31"),
    ("between 2011-01-01 and 2011-06-30", "2011-01-01", "2011-06-30"),
    ("from Jan 2011 to March 2011", "2011-01-01", "2011-03-31"),
    ("from January to March 2011", "2011-01-01", "2011-03-31"),
    ("during the week of 2012-05-07", "2012-05-07", "2012-05-13"),
    ("since 2012-06-01", "2012-06-01", None),
    ("the first half of 2011", "2011-01-01", "2011-06-30"),
    ("H2 2012", "2012-07-01", "2012-12-31"),
    ("Did MSFT escape its range in mid 2011?", "2011-05-01", "2011-08-31"),
    ("early 2011", "2011-01-01", "2011-04-30"),
    ("late-2011", "2011-09-01", "2011-12-31"),
    ("summer 2011", "2011-06-01", "2011-08-31"),
    ("winter 2011", "2011-12-01", "2012-02-29"),
    ("between early 2011 and mid 2011", "2011-01-01", "2011-08-31"),
])
def test_written_periods_are_read_with_their_days(text, start, end):
    period = read_dates(text).period
    assert period is not None and (period.start, period.end) == (start, end)


@pytest.mark.parametrize(("text", "start", "end", "how"), [
    ("Did MSFT break out last month?", "2013-02-01", "2013-02-28", "the calendar month before"),
    ("last week", "2013-02-18", "2013-02-24", "the calendar week before"),
    ("last year", "2012-01-01", "2012-12-31", "the calendar year before"),
    ("in the last 30 days", "2013-01-31", "2013-03-01", "counted back from"),
    ("this year", "2013-01-01", "2013-03-01", "the calendar year holding"),
])
def test_relative_periods_count_from_the_data_s_last_bar(text, start, end, how):
    period = read_dates(text).period.resolved(SAMPLE_DAYS)
    assert (period.start, period.end) == (start, end)
    assert period.describe().endswith(f"{how} the data's last bar, 2013-03-01)")


@pytest.mark.parametrize("text", ["on March 3, 2011", "3 March 2011", "2011/03/03", "on 2011-03-03"])
def test_one_day_in_any_format_is_the_asked_day(text):
    intent = read_intent(f"Did AAPL break out {text}?")
    assert (intent.kind, intent.date, intent.period) == ("date", "2011-03-03", None)


def test_tickers_are_read_once_each_and_words_are_not_tickers():
    assert find_tickers("Which of AAPL, IBM, MSFT had a true breakout? Is AAPL's OHLC data on ATR?") == [
        "AAPL", "IBM", "MSFT"]
    intent = read_intent("Which of AAPL, IBM, MSFT had a true breakout most recently?")
    assert (intent.compare, intent.call, intent.kind) == ("most_recent", "true", "recent")
    assert read_intent("Compare AAPL and MSFT breakouts in 2012").compare == "count"


def test_a_period_inside_the_data_is_answered_about_that_period():
    reply = run("Did IBM break out of its range in March 2011?")
    assert reply.status is Status.VERIFIED, reply.reason
    assert first_line(reply).startswith("**Yes, IBM had 1 breakout in March 2011 (2011-03-01 to 2011-03-31), 0 upward "
                                        "and 1 downward: downward on 2011-03-16 (true); the most recent: downward "
                                        "breakout on 2011-03-16 through 130.99")
    assert "2013-02-25" not in reply.text  # the data's latest breakout is not the answer to a March 2011 question
    corrected = run("Did IBM break out of its range in March 2011?", phrasing="model")
    assert corrected.status is Status.CORRECTED and first_line(corrected) == first_line(reply)


def test_a_period_outside_the_data_is_said_plainly_and_never_verified():
    reply = run("Did AAPL break out in March 2015?")
    assert reply.status is Status.UNVERIFIED and not checks(reply)["answers_intent"]
    assert first_line(reply).startswith("The bars I have for AAPL (bundled sample bokeh/AAPL) run from 2000-03-01 to "
                                        "2013-03-01; March 2015 (2015-03-01 to 2015-03-31) is not covered")
    assert "Not answered: whether there is any breakout in March 2015" in reply.text
    assert "breakout on 20" not in reply.text


def test_a_period_the_data_covers_in_part_names_the_rest_as_not_answered():
    reply = run("Did AAPL break out in 2013?")
    assert reply.status is Status.UNVERIFIED
    assert first_line(reply).startswith("**Yes, AAPL had 3 breakouts in 2013 (2013-01-01 to 2013-12-31)")
    assert "Not answered: 2013-03-04 to 2013-12-31 (after the last bar, 2013-03-01): no bars." in reply.text


def test_a_relative_period_says_what_it_was_counted_from():
    reply = run("Did MSFT break out last month?")
    assert reply.status is Status.VERIFIED, reply.reason
    assert first_line(reply).startswith("**Yes, MSFT had 1 breakout last month (2013-02-01 to 2013-02-28: the calendar "
                                        "month before the data's last bar, 2013-03-01)")


def test_a_second_period_is_named_as_not_answered():
    reply = run("Did AAPL break out in 2011 or 2012?")
    assert reply.status is Status.UNVERIFIED
    assert "in 2011 (2011-01-01 to 2011-12-31)" in first_line(reply)
    assert "Not answered: 2012: one period per question" in reply.text


def test_three_tickers_each_answered_and_the_comparison_first():
    reply = run("Which of AAPL, IBM, MSFT had a true breakout most recently?")
    assert reply.status is Status.VERIFIED, reply.reason
    lines = reply.text.splitlines()
    assert lines[0] == ("**AAPL had the most recent true breakout in the data: downward on 2013-01-24 through 62.68, "
                        "95% likely true, a true breakout.**")
    assert [line.split(":")[0] for line in lines[1:4]] == ["- AAPL", "- IBM", "- MSFT"]
    assert "the most recent upward on 2013-01-23" in lines[2] and "the most recent upward on 2012-09-06" in lines[3]
    facts = reply.result["facts"]
    wrong = reply.text.replace(lines[0], lines[0].replace("**AAPL", "**IBM"))
    check = compare_coverage(wrong, facts)
    assert not check.passed and "the comparison's answer (AAPL) first" in check.message


def test_a_comparison_with_a_ticker_the_data_lacks_is_not_verified():
    reply = run("Compare AAPL and ZZZQ breakouts in 2012")
    assert reply.status is Status.UNVERIFIED
    assert "- ZZZQ: not covered" in reply.text and "Not answered: ZZZQ in 2012" in reply.text


def test_right_now_states_the_as_of_date_first_and_does_not_claim_today():
    reply = run("Is there a breakout in AAPL right now?")
    assert first_line(reply) == ("The latest bar I have for AAPL is 2013-03-01 (bundled sample bokeh/AAPL); "
                                 "as of that bar:")
    assert reply.status is Status.UNVERIFIED
    assert "Not answered: the market today: the latest bar in hand is from 2013-03-01." in reply.text
    assert reply.text.splitlines()[1].startswith("**Yes, the last bar is a breakout: downward breakout on 2013-03-01")


@pytest.mark.parametrize("phrasing", ["template", "model"])
@pytest.mark.parametrize("question", [
    "Did IBM break out of its range in March 2011?",
    "Is there a breakout on the last bar of MSFT from 2012-01-03 to 2012-06-29?",
    "Did AAPL break out in March 2015?",
])
def test_every_reply_names_its_bars_and_their_last_date(question, phrasing):
    reply = run(question, phrasing=phrasing)
    assert "Data: " in reply.text and "bundled sample bokeh/" in reply.text
    assert "(last bar 2013-03-01)." in reply.text


def test_a_file_s_bars_are_named_as_the_user_s_file(tmp_path):
    path = tmp_path / "ibm.csv"
    sample_ohlcv("IBM").loc["2012"].to_csv(path)
    reply = run("Any breakout in the last 10 sessions?", attachments=[Attachment(kind="path", path=str(path))])
    assert "Data: ibm.csv bars, your file, 2012-01-03 to 2012-12-31 (last bar 2012-12-31)." in reply.text
    assert "the last 10 sessions (2012-12-17 to 2012-12-31: counted back from the data's last bar, 2012-12-31)" \
        in first_line(reply)


def test_multiple_choice_names_the_checked_option_first():
    question = "Did AAPL break out in March 2011? A. Yes, upward B. Yes, downward C. No"
    reply = run(question)
    assert reply.status is Status.VERIFIED, reply.reason
    assert first_line(reply) == "**Answer: B (Yes, downward).** [ANSWER]B[/ANSWER]"
    assert chosen(reply.text, read_choices(question)) == ["B"]
    across = run("Which had the most recent true breakout, AAPL, IBM or MSFT?\nA. AAPL\nB. IBM\nC. MSFT\nD. None of them")
    assert first_line(across) == "**Answer: A (AAPL).** [ANSWER]A[/ANSWER]" and across.status is Status.VERIFIED


def test_an_option_no_tool_judges_means_no_choice_and_no_verified():
    reply = run("Did AAPL break out in March 2011? A. Yes, on earnings news B. No")
    assert reply.status is Status.UNVERIFIED
    assert "[ANSWER]" not in reply.text
    assert "Not answered: which option is right: no tool here can judge option A (“Yes, on earnings news”)" in reply.text


def test_a_pasted_table_s_dates_are_not_an_asked_day():
    bars = sample_ohlcv("AAPL").loc["2012-01":"2012-03"]
    reply = run("Was there a breakout?\n" + bars.to_csv(index_label="Date"))
    assert reply.result["facts"]["intent"]["kind"] == "any" and reply.result["facts"]["intent"]["date"] is None
    assert pd.Timestamp(reply.result["facts"]["last_date"]) == bars.index[-1]


def test_a_prompts_opening_now_and_its_quoted_answer_formats_ask_nothing() -> None:
    from assistants.market.intent import read_intent

    intent = read_intent('Now you\'re an expert in stock breakout detection. Which of IBM, MSFT had a true breakout '
                         'most recently? Answer "It is a true breakout" or "It is a false breakout".')
    assert not intent.now and intent.kind == "recent" and intent.call == "true" and intent.tickers == ["IBM", "MSFT"]


def test_a_bundled_symbol_in_lower_case_and_rn() -> None:
    from assistants.market.intent import read_intent

    intent = read_intent("is aapl breaking out rn")
    assert intent.tickers == ["AAPL"] and intent.now and read_intent("is it a good day").tickers == []
    # one symbol pattern for both cases: a six-letter bundled symbol in lower case, capitals before a lower-case tail
    assert find_tickers("eurusd or goog? BRK-b too") == ["EURUSD", "GOOG", "BRK"]


def test_a_comparison_no_ticker_wins_says_none_did() -> None:
    reply = run("Which of IBM, MSFT had a true breakout on the last bar?")
    assert reply.status is not Status.ERROR and "None of IBM and MSFT had a true breakout" in reply.text


@pytest.mark.parametrize(("text", "day"), [("on 3/16/2011", "2011-03-16"), ("on 16/3/2011", "2011-03-16"), ("on 16.03.2011", "2011-03-16")])
def test_a_numeric_date_is_read_where_a_number_over_12_says_which_is_the_day(text, day):
    assert read_intent(f"Did AAPL break out {text}?").date == day


@pytest.mark.parametrize(("question", "unread"), [
    ("Did IBM break out around 2011?", ["around 2011"]),
    ("Was there a breakout in AAPL on 3/4/2011?", ["3/4/2011"]),  # 3 April or 4 March: not guessed
    ("Did MSFT break out in March 2011?", []),
    ("Is there a breakout in 2011 for IBM?", []),
])
def test_a_time_no_reader_takes_is_kept_as_unread(question, unread):
    assert read_intent(question).unread == unread


def test_an_unread_time_is_said_and_no_other_period_is_answered():
    from assistants.market.assistant import BreakoutAssistant
    from stages.backends.scripted import ScriptedBackend
    from stages.messages import ask
    from stages.pipeline import Pipeline
    from stages.reply import Status

    for question in ("Did IBM break out around 2011?", "Did IBM or MSFT break out circa 2012?"):
        reply = Pipeline(BreakoutAssistant(), ScriptedBackend(["x"])).run(ask(question))
        assert reply.status is Status.UNVERIFIED and reply.text.startswith("I could not read"), reply.text
        assert "Not answered:" in reply.text and "2013-" not in reply.text.split("Data:")[0]


@pytest.mark.parametrize(("question", "call", "direction"), [
    ("Which of IBM, MSFT had the most recent legit breakout?", "true", None),
    ("When was the last bearish breakout of AAPL?", None, "downward"),
    ("Did AAPL break out to the upside in 2012?", None, "upward"),
    ("Was there a phony upward breakout in IBM in 2011?", "false", "upward"),
])
def test_the_asked_kind_of_breakout_is_read(question: str, call: str | None, direction: str | None) -> None:
    intent = read_intent(question)
    assert (intent.call, intent.direction, intent.unread_qualifiers) == (call, direction, [])


def test_only_breakouts_of_the_asked_direction_count() -> None:
    reply = run("When was the last downward breakout of AAPL in 2012?")
    lead = reply.text.split("\n")[0]
    assert "most recent downward breakout" in lead and "is the downward breakout on 2012-" in lead, lead
    several = run("Which of IBM, MSFT had the most recent bullish breakout?")
    assert several.text.startswith("**MSFT had the most recent upward breakout in the data: upward on"), several.text


def test_a_word_qualifying_breakout_that_no_reader_takes_is_said_not_read() -> None:
    reply = run("Did AAPL have a big breakout in 2012?")
    assert reply.status is Status.UNVERIFIED
    assert "'big breakout': 'big' was not read, so breakouts of every kind count here" in reply.text
