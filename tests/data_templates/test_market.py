"""The breakout builder on bundled OHLCV and generated footprint files: time split, no label leak, skips."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from data_fixtures import footprint_text, write_footprints

from assistants.market.assistant import BreakoutAssistant
from assistants.market.samples import sample_ohlcv
from data_templates.builder import BuildOptions, build
from data_templates.market import MarketDomain, YahooSeries
from data_templates.shards import iter_samples
from stages.backends.scripted import ScriptedBackend
from stages.messages import Attachment, ask
from stages.pipeline import Pipeline


@pytest.fixture
def ohlcv_csv(tmp_path: Path) -> Path:
    """The first 900 IBM bars (real data from bokeh-sampledata) as a user's CSV file."""
    path = tmp_path / "ibm.csv"
    sample_ohlcv("bokeh/IBM").head(900).to_csv(path)
    return path


def test_footprint_file_builds_the_breakgpt_chain(tmp_path: Path):
    path = write_footprints(tmp_path / "footprints.txt")
    manifest = build(MarketDomain(files=[path], bundled=False), tmp_path / "ds", BuildOptions(formats=["openai"]))
    assert manifest.skipped["no breakout in footprint"] == 2
    assert manifest.invalid == 0
    for task in ("market.s1_direction", "market.s2_level", "market.s3_side", "market.report",
                 "market.single_stage", "market.footprint_dialogue"):
        assert sum(manifest.counts[task].values()) == 12
    dialogue = next(s for s in iter_samples(tmp_path / "ds", manifest) if s.meta.task == "market.footprint_dialogue")
    assert [m.role for m in dialogue.messages] == ["system"] + ["user", "assistant"] * 4


def test_ohlcv_events_split_by_time_with_an_embargo(tmp_path: Path, ohlcv_csv: Path):
    out = tmp_path / "ds"
    manifest = build(MarketDomain(files=[ohlcv_csv], bundled=False), out, BuildOptions())
    samples = list(iter_samples(out, manifest))
    assert samples and manifest.invalid == 0 and manifest.skipped == {}
    assert manifest.dropped["event in the embargo between time splits"] > 0
    times = {split: [pd.Timestamp(s.meta.time) for s in samples if s.meta.split == split]
             for split in ("train", "validation", "test")}
    assert max(times["train"]) < min(times["validation"]) <= max(times["validation"]) < min(times["test"])
    bars = pd.read_csv(ohlcv_csv, index_col=0, parse_dates=True).index
    gap = bars.get_indexer([min(times["validation"])])[0] - bars.get_indexer([max(times["train"])])[0]
    assert gap > 20 + 20  # range window + label horizon: no window or label spans two splits


def test_judgment_prompts_show_no_bar_after_the_event(tmp_path: Path, ohlcv_csv: Path):
    out = tmp_path / "ds"
    manifest = build(MarketDomain(files=[ohlcv_csv], bundled=False, tasks=["market.ohlcv_judgment"]), out,
                     BuildOptions())
    samples = list(iter_samples(out, manifest))
    assert samples
    for sample in samples:
        question = sample.messages[1].content
        dates = [line.split()[0] for line in question.splitlines() if line[:4].isdigit()]
        assert dates and max(dates) == sample.meta.time


def test_judgment_rationale_states_what_the_reply_states(tmp_path: Path, ohlcv_csv: Path):
    """The target's probability, base rate and confirmations are the reply's own sentences for that bar."""
    out = tmp_path / "ds"
    manifest = build(MarketDomain(files=[ohlcv_csv], bundled=False, tasks=["market.ohlcv_judgment"]), out,
                     BuildOptions())
    samples = list(iter_samples(out, manifest))
    assert manifest.config["probability_model"]["fitted_on"] == "sp500_2013_2018_daily.csv.gz"
    pipeline = Pipeline(BreakoutAssistant(), ScriptedBackend(["Answer: maybe"]))
    assert len(samples) >= 3
    for sample in samples[:: max(1, len(samples) // 3)][:3]:
        reply = pipeline.run(ask(f"Was the bar on {sample.meta.time} a breakout?",
                                 attachments=[Attachment(kind="path", path=str(ohlcv_csv))]))
        lines = {line.split(": ", 1)[0].lstrip("- "): line.split(": ", 1)[1].rstrip(".") for line in reply.text.splitlines()
                 if line.startswith("- S")}
        judgment = lines["S3 judgment"]
        evidence = lines["S2 confirmation"].split(" (the rule alone")[0]
        answer = sample.messages[-1].content
        assert "probability that it is true (base rate of" in judgment
        assert judgment in answer and evidence in answer, (sample.meta.time, answer, reply.text)


def test_unusable_ohlcv_file_is_counted(tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text("when,price\n2020-01-01,1\n")
    manifest = build(MarketDomain(files=[bad], bundled=False), tmp_path / "ds", BuildOptions())
    assert manifest.skipped["unusable OHLCV file"] == 1
    assert manifest.counts == {}


def test_an_unreachable_ticker_is_counted_not_fatal(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("TRISTAGE_CACHE_DIR", str(tmp_path / "cache"))
    from stages.config import get_settings

    get_settings.cache_clear()
    domain = MarketDomain(bundled=False, yahoo=YahooSeries(tickers=["ZZZZ-NOT-A-TICKER"], start="2020-01-01",
                                                           end="2020-03-01"))
    manifest = build(domain, tmp_path / "ds", BuildOptions())
    get_settings.cache_clear()
    assert manifest.skipped == {"ticker unavailable": 1}
    assert "yahoo#ZZZZ-NOT-A-TICKER" in manifest.skipped_examples[0]


def test_footprints_from_csv_and_jsonl(tmp_path: Path):
    import json

    from assistants.market.footprint import parse_footprint_text

    frames = [parse_footprint_text(footprint_text(seed)).assign(sample=f"s{seed}") for seed in range(3)]
    table = pd.concat(frames)[["sample", "bar", "price", "sell", "buy"]]
    csv_path = tmp_path / "fp.csv"
    table.to_csv(csv_path, index=False)
    jsonl = tmp_path / "fp.jsonl"
    rows = [{"tables": footprint_text(3)},
            {"messages": [{"role": "system", "content": "x"}, {"role": "user", "content": footprint_text(4)}]},
            {"neither": 1}]
    jsonl.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    manifest = build(MarketDomain(files=[csv_path, jsonl], bundled=False, tasks=["market.s1_direction"]),
                     tmp_path / "ds", BuildOptions())
    assert sum(manifest.counts["market.s1_direction"].values()) == 5
    assert manifest.skipped == {"unreadable row": 1}
