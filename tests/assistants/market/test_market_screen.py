"""Screening many tickers: loading, bad input named and skipped, the scan CLI, and the same in chat."""

import pandas as pd
import pytest
from typer.testing import CliRunner

from assistants.market.assistant import BreakoutAssistant
from assistants.market.samples import sample_ohlcv
from assistants.market.universe import load_universe
from serve.cli import app
from stages.backends.scripted import ScriptedBackend
from stages.messages import Attachment, ask
from stages.pipeline import Pipeline
from stages.reply import Status
from stages.stage import BadInput


def long_table(tickers=("AAPL", "IBM", "MSFT"), year="2011"):
    parts = []
    for t in tickers:
        bars = sample_ohlcv(f"bokeh/{t}").loc[year].reset_index()
        parts.append(bars.assign(ticker=t))
    return pd.concat(parts, ignore_index=True)


@pytest.fixture()
def messy_csv(tmp_path):
    table = long_table()
    short = table[table["ticker"] == "IBM"].head(10).assign(ticker="TINY")
    dup = table[table["ticker"] == "MSFT"].head(60).assign(ticker="DUPE")
    dup = pd.concat([dup, dup.tail(1)])
    table = pd.concat([table, short, dup], ignore_index=True).astype(str)
    table.loc[5, "close"] = "n/a?"
    path = tmp_path / "long.csv"
    table.to_csv(path, index=False)
    return path


def test_bad_tickers_and_rows_are_named_and_the_rest_is_scored(messy_csv):
    universe = load_universe(messy_csv)
    assert sorted(universe.frames) == ["AAPL", "IBM", "MSFT"]
    assert any(s.startswith("TINY: 10 bars") for s in universe.skipped)
    assert any(s.startswith("DUPE: duplicate timestamp") for s in universe.skipped)
    assert universe.dropped_rows == ["long.csv row 7: close 'n/a?' is not a number"]


def test_many_tickers_without_a_ticker_column_is_refused_with_the_rows(tmp_path):
    path = tmp_path / "prices.csv"
    long_table().drop(columns=["ticker"]).to_csv(path, index=False)
    with pytest.raises(BadInput, match=r"no ticker column but its dates repeat \(row 2 and row \d+"):
        load_universe(path)


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_bytes(b"date,open\n" + b"0" * (2 * 2**20))
    with pytest.raises(BadInput, match="huge.csv is 2 MB, over the 1 MB limit"):
        load_universe(path, max_mb=1)


def test_a_folder_of_per_ticker_files_and_parquet(tmp_path):
    for t in ("AAPL", "IBM"):
        sample_ohlcv(f"bokeh/{t}").loc["2012"].to_csv(tmp_path / f"{t}.csv")
    sample_ohlcv("bokeh/MSFT").loc["2012"].to_parquet(tmp_path / "MSFT.parquet")
    (tmp_path / "BAD.csv").write_text("date,open,high,low,close\n2020-01-02,1,2,0,1\n")
    universe = load_universe(tmp_path)
    assert sorted(universe.frames) == ["AAPL", "IBM", "MSFT"]
    assert universe.skipped == ["BAD: 1 bars; a breakout needs more than 20."]


def test_scan_cli_writes_every_event_and_ranks_the_last_bar(messy_csv, tmp_path):
    out = tmp_path / "events.csv"
    done = CliRunner().invoke(app, ["breakout", "scan", "--data", str(messy_csv), "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "3 tickers scored" in done.output and "2 skipped" in done.output
    events = pd.read_csv(out)
    for column in ("ticker", "date", "direction", "width_atr", "volume_confirmed", "confirmations", "probability",
                   "base_rate", "judgment", "outcome", "label"):
        assert column in events.columns
    assert set(events["ticker"]) == {"AAPL", "IBM", "MSFT"}
    assert events["probability"].between(0, 1).all()
    ranked = tmp_path / "today.csv"
    done = CliRunner().invoke(app, ["breakout", "scan", "--data", str(messy_csv), "--out", str(ranked), "--last-bar"])
    assert done.exit_code == 0, done.output
    assert pd.read_csv(ranked)["probability"].is_monotonic_decreasing


def test_scan_cli_bad_input_exits_2_with_one_line(tmp_path):
    done = CliRunner().invoke(app, ["breakout", "scan", "--data", str(tmp_path / "none.csv"), "--out", str(tmp_path / "o.csv")])
    assert done.exit_code == 2 and "No such data file or folder: none.csv" in done.output
    assert "Traceback" not in done.output


def test_an_attached_many_ticker_table_is_screened_in_chat(messy_csv):
    backend = ScriptedBackend(["x"])
    reply = Pipeline(BreakoutAssistant(), backend).run(
        ask("Which breakouts today?", attachments=[Attachment(kind="path", path=str(messy_csv))]))
    assert reply.status is Status.VERIFIED, reply.reason
    assert not backend.calls and reply.answered_by == "detect"
    assert reply.text.startswith("Screened 3 tickers")
    assert "2 skipped (" in reply.text and "TINY: 10 bars" in reply.text and "DUPE: duplicate timestamp" in reply.text
    assert "Rows dropped: long.csv row 7: close 'n/a?' is not a number." in reply.text
    first = reply.result["ranking"][0]
    assert f"1. {first['ticker']} {first['date']} {first['direction']}" in reply.text
