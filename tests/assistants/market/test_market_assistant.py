from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assistants.market.assistant import DISCLAIMER, BreakoutAssistant
from assistants.market.chart import plotly_figure
from assistants.market.footprint import footprint_to_text
from assistants.market.synthetic import synthetic_footprint
from assistants.registry import load_assistant
from stages.backends.scripted import ScriptedBackend
from stages.messages import Attachment, RunOptions, ask
from stages.pipeline import Pipeline
from stages.reply import Status

UP_SELLERS = footprint_to_text(synthetic_footprint("upward", "seller", seed=5))
RIGHT = ["The last bar is above. Answer: upward", "Answer: 1002.00", "Answer: seller",
         "Upward through 1002.00; sellers 1,200 vs buyers 300, so sellers are stronger. Answer: false breakout"]


def run(request, script):
    backend = ScriptedBackend(script)
    return Pipeline(BreakoutAssistant(), backend).run(request), backend


def test_registry_builds_the_assistant():
    assert isinstance(load_assistant("breakout"), BreakoutAssistant)


def test_footprint_chain_verified_when_every_stage_is_right():
    reply, backend = run(ask(UP_SELLERS + "\nTrue or false breakout?"), RIGHT)
    assert reply.status is Status.VERIFIED, reply.reason
    assert len(backend.calls) == 4
    assert reply.text.startswith("**Upward breakout through 1002.00: false breakout.**")
    assert reply.text.splitlines()[-1] == DISCLAIMER
    assert {s: v["passed"] for s, v in reply.result["stages"].items()} == dict.fromkeys(RIGHT and ("s1", "s2", "s3", "report"), True)
    # with tools on, later stages are told the checked facts
    assert "The breakout direction is upward" in backend.calls[1][1].content
    assert "price 1002.00: sell 300 vs buy 100\n" in backend.calls[2][1].content
    assert "Totals: sell 1,200, buy 300." in backend.calls[2][1].content


def test_wrong_s1_gets_feedback_and_only_that_stage_is_asked_again():
    script = ["Answer: downward", *RIGHT[1:], "I see. Answer: upward"]
    reply, backend = run(ask(UP_SELLERS, options=RunOptions(max_model_calls=5)), script)
    assert reply.status is Status.VERIFIED
    assert len(backend.calls) == 5
    repair = backend.calls[4]
    assert [m.role for m in repair] == ["system", "user"]  # the repair note goes into the system message
    assert "The breakout direction is upward." in repair[0].content
    assert "Answer again" not in repair[-1].content


def test_spent_budget_means_a_reply_corrected_from_the_facts():
    script = ["Answer: downward", "Answer: 999", "Answer: buyer", "It is a true breakout."]
    reply, backend = run(ask(UP_SELLERS), script)
    assert reply.status is Status.CORRECTED
    assert len(backend.calls) == 4
    assert "sellers 1,200 vs buyers 300" in reply.text
    assert "false breakout" in reply.text
    for name in ("s1_direction", "s2_level", "s3_side", "report_judgment", "report_quotes"):
        assert name in reply.reason


def test_report_must_quote_volumes_and_not_invent_numbers():
    script = [*RIGHT[:3], "Upward through 1002.00 with 4,321 sellers. Answer: false breakout"]
    reply, _ = run(ask(UP_SELLERS), script)
    assert reply.status is Status.CORRECTED
    quotes = next(c for r in reply.trace if r.stage == "verify" for c in r.checks if c.name == "report_quotes")
    assert "4,321" in quotes.message and "1,200" in quotes.message


def test_tools_off_chains_the_models_own_answers():
    script = ["Answer: downward", "Answer: 999.00", "Answer: buyer", "Answer: true breakout"]
    reply, backend = run(ask(UP_SELLERS, options=RunOptions(tools=False, max_repairs=0)), script)
    assert "The breakout direction is downward" in backend.calls[1][1].content
    assert "Totals" not in backend.calls[2][1].content
    assert reply.status is Status.CORRECTED


def test_budget_spent_mid_chain_still_answers():
    reply, backend = run(ask(UP_SELLERS, options=RunOptions(max_model_calls=2)), RIGHT)
    assert len(backend.calls) == 2
    assert reply.status is Status.CORRECTED
    assert "report_answered" in reply.reason and "s3_answered" in reply.reason


def test_ohlcv_chain_on_a_bundled_sample():
    request = ask("Was the last breakout of AAPL from 2010-01-04 to 2010-06-30 real?", options=RunOptions(max_model_calls=3))
    probe, _ = run(request, ["x"])
    facts = probe.result["facts"]
    assert facts["origin"] == "bundled sample bokeh/AAPL" and facts["date"] == "2010-06-16"
    level = f"{facts['level']:.2f}"
    verdict = facts["call"]
    script = [
        f"The close left the range. Answer: upward, {level}, 2010-06-16",
        f"Volume ratio {facts['volume_ratio']:.2f} does not confirm; close location {facts['close_location']:.2f} "
        f"confirms. Answer: {facts['confirmations']} of 3 confirm",
        f"On 2010-06-16 the close broke {level} but volume ratio {facts['volume_ratio']:.2f} is weak. "
        f"Answer: {verdict} breakout",
    ]
    reply, backend = run(request, script)
    # every number, the date and the call passed; the wording of the rationale is the model's own
    assert reply.status is Status.UNVERIFIED, reply.reason
    assert reply.reason.startswith("unchecked: the model's explanation")
    assert "Not checked by any tool: the model's explanation in words" in reply.text
    assert reply.result["judgment"] == reply.result["model_judgment"] == verdict
    assert reply.result["judged_by"] == "calibrated model"
    assert f"{facts['probability']:.0%} likely true (base rate {facts['base_rate']:.0%})" in reply.text
    assert "2010-06-16" in backend.calls[0][1].content
    assert reply.result["chart"]["bars"][reply.result["chart"]["breakout_index"]]["date"].startswith("2010-06-16")


def test_ohlcv_rationale_numbers_and_consistency_are_checked():
    request = ask("AAPL from 2010-01-04 to 2010-06-30", options=RunOptions(max_model_calls=3))
    probe, _ = run(request, ["x"])
    facts = probe.result["facts"]
    level = f"{facts['level']:.2f}"
    wrong = "false" if facts["call"] == "true" else "true"
    script = [f"Answer: upward, {level}, 2010-06-16", "Volume ratio 4.20 confirms. Answer: 1 of 3 confirm",
              f"On 2010-06-17 it broke out. Answer: {wrong} breakout"]
    reply, _ = run(request, script)
    assert reply.status is Status.CORRECTED
    for name in ("s2_numbers", "s3_numbers", "s3_consistent"):
        assert name in reply.reason
    assert reply.result["model_judgment"] == wrong and reply.result["judgment"] != wrong
    assert "In hindsight" in reply.text


def test_ticker_attachment_and_file_attachment(tmp_path):
    from assistants.market.samples import sample_ohlcv

    ticker = Attachment(kind="ticker", ticker="MSFT", start="2011-01-03", end="2011-12-30")
    reply, _ = run(ask("judge it", attachments=[ticker]), ["x"])
    assert reply.result["facts"]["origin"] == "bundled sample bokeh/MSFT"
    path = tmp_path / "ibm.csv"
    sample_ohlcv("IBM").loc["2012"].to_csv(path)
    reply, _ = run(ask("", attachments=[Attachment(kind="path", path=str(path))]), ["x"])
    assert reply.result["facts"]["origin"] == "file" and reply.status is not Status.ERROR
    fp = tmp_path / "fp.csv"
    synthetic_footprint("downward", "seller").to_csv(fp, index=False)
    reply, _ = run(ask("read this", attachments=[Attachment(kind="path", path=str(fp))]), ["x"])
    assert reply.result["task"] == "footprint" and reply.result["facts"]["label"] == "true"
    pasted = Attachment(kind="text", text=fp.read_text())
    reply, _ = run(ask("and this", attachments=[pasted]), ["x"])
    assert reply.result["facts"]["label"] == "true"


def test_pasted_ohlcv_without_breakout_is_answered_by_the_tools():
    index = pd.bdate_range("2022-01-03", periods=40)
    closes = 100 + np.sin(np.arange(40)) * 0.5
    table = pd.DataFrame({"Open": closes, "High": closes + 2, "Low": closes - 2, "Close": closes, "Volume": 1000}, index=index)
    reply, backend = run(ask("Any breakout here?\n" + table.to_csv(index_label="Date")), ["x"])
    assert reply.status is Status.VERIFIED and "No breakout" in reply.text
    assert not backend.calls
    assert reply.text.endswith(DISCLAIMER)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("What do you think about the market?", "Which data"),
        ("Table 1: Sell Buy Price 1 2 10.25 3 4 10.00", "single table"),
        ("Table 1: Sell Buy Price 1 2 Table 2: Sell Buy Price 3", "triples"),
        ("bokeh/AAPX from 2010-01-01 to 2010-02-01", "did you mean"),
        ("AAPL from 2000-03-01 to 2000-03-20", "a breakout needs more than 20"),  # no bars before it to look back on
        ("ZZZQ from 2020-01-01 to 2020-06-30", "Yahoo Finance"),
    ],
)
def test_bad_input_is_a_clear_reply_not_a_crash(text, fragment):
    reply, _ = run(ask(text), ["x"])
    assert reply.status is Status.ERROR and reply.error_type == "bad_input", reply.reason
    assert fragment in reply.text


@pytest.mark.parametrize(
    ("csv", "fragment"),
    [
        ("Date,Open,High,Low,Close,Volume\n2020-01-03,1,2,0,1,5\n2020-01-02,1,2,0,1,5\n", "increasing order"),
        ("Date,Open,High,Low,Close,Volume\n2020-01-02,1,2,0,1,5\n2020-01-02,1,2,0,1,5\n", "duplicate"),
        ("Date,Open,High,Low,Close,Volume\n2020-01-02,,,,,\n2020-01-03,,,,,\n", "missing price"),
    ],
)
def test_bad_files_are_clear_replies(tmp_path, csv, fragment):
    path = tmp_path / "bars.csv"
    path.write_text(csv)
    reply, _ = run(ask("check", attachments=[Attachment(kind="path", path=str(path))]), ["x"])
    assert reply.error_type == "bad_input" and fragment in reply.text


def test_charts_from_a_reply(tmp_path):
    reply, _ = run(ask("IBM from 2012-01-03 to 2012-12-31"), ["x"])
    assistant = BreakoutAssistant()
    out = assistant.save_chart(reply, tmp_path / "c" / "ibm.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    figure = plotly_figure(reply.result)
    assert {t.type for t in figure.data} == {"candlestick", "bar"}
    reply, _ = run(ask(UP_SELLERS), RIGHT)
    assert assistant.save_chart(reply, Path(tmp_path / "fp.png")).stat().st_size > 1000
    assert [t.type for t in plotly_figure(reply.result).data] == ["bar", "bar", "bar"]


def test_ohlcv_tools_off_gives_the_model_no_facts():
    request = ask("IBM from 2012-01-03 to 2012-12-31", options=RunOptions(tools=False, max_repairs=0, max_model_calls=3))
    reply, backend = run(request, ["Answer: upward, 1.00, 2012-01-05", "It looks strong.", "Answer: true breakout"])
    prompts = [call[1].content for call in backend.calls]
    assert "spans" not in prompts[0] and "volume ratio" not in prompts[1]
    assert "through 1.0000 on 2012-01-05" in prompts[1] and "It looks strong." in prompts[2]
    assert reply.status is Status.CORRECTED


def test_breakgpt_prompt_pack_runs_the_same_chain():
    backend = ScriptedBackend(["The overall trend is upward. The answer: upward.",
                               "The answer: The resistance level is 1002.00.",
                               "The answer: The seller side.", "This is a false breakout."])
    reply = Pipeline(BreakoutAssistant(pack="breakgpt"), backend).run(ask(UP_SELLERS))
    assert "What is the direction of the breakout" in backend.calls[0][1].content
    assert backend.calls[0][0].content == "BreakGPT is an expert in stock breakout detection."
    assert {s: v["passed"] for s, v in reply.result["stages"].items()} == {
        "s1": True, "s2": True, "s3": True, "report": False}
    assert reply.status is Status.CORRECTED and reply.reason == "corrected: report_quotes"
