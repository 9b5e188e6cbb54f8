import socket
import time

import numpy as np
import pandas as pd
import pytest

from assistants.market import yahoo
from assistants.market.ohlcv import load_ohlcv_file, normalize_ohlcv, parse_ohlcv_text
from assistants.market.samples import resolve_sample, sample_names, sample_ohlcv
from stages.config import get_settings
from stages.messages import Attachment, ask
from stages.stage import BadInput


@pytest.fixture
def online(monkeypatch):
    """The operator has switched Yahoo Finance fetches on (they are off by default); a fresh rate limit."""
    monkeypatch.setenv("TRISTAGE_MARKET_ONLINE", "true")
    get_settings.cache_clear()
    monkeypatch.setattr(yahoo, "_LIMITER", yahoo.FetchLimiter())


def bars(n=5):
    index = pd.bdate_range("2020-01-01", periods=n)
    close = np.linspace(10, 11, n)
    return pd.DataFrame({"Open": close, "HIGH": close + 1, "low": close - 1, "Close": close, "Volume": 100.0}, index=index)


def test_columns_are_mapped_case_insensitively_and_nan_rows_reported():
    frame = bars().reset_index(names="Date")
    frame.loc[2, "Close"] = np.nan
    clean, report = normalize_ohlcv(frame)
    assert list(clean.columns) == ["open", "high", "low", "close", "volume"]
    assert clean.index.name == "date" and len(clean) == 4
    assert report.dropped_nan_rows == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.iloc[::-1], "not in increasing order"),
        (lambda f: pd.concat([f, f.iloc[[1]]]).sort_index(), "duplicate timestamp"),
        (lambda f: f.assign(Close=-1.0), "negative"),
        (lambda f: f.assign(Open=np.nan), "every row has a missing price"),
        (lambda f: f.drop(columns="HIGH"), "missing columns high"),
    ],
)
def test_unusable_series_are_refused_clearly(change, message):
    with pytest.raises(BadInput, match=message):
        normalize_ohlcv(change(bars()))


def test_csv_parquet_and_pasted_text(tmp_path):
    frame = bars(8)
    frame.to_csv(tmp_path / "a.csv", index_label="timestamp")
    frame.to_parquet(tmp_path / "a.parquet")
    a = load_ohlcv_file(tmp_path / "a.csv")
    b = load_ohlcv_file(tmp_path / "a.parquet")
    pd.testing.assert_frame_equal(a, b, check_freq=False)
    pasted = "Here are my bars:\n" + frame.to_csv(index_label="Date", sep="\t")
    pd.testing.assert_frame_equal(parse_ohlcv_text(pasted), a, check_freq=False)
    asked = pasted + "\nDid the last bar break out, and is it a true or false breakout?"
    pd.testing.assert_frame_equal(parse_ohlcv_text(asked), a, check_freq=False)
    with pytest.raises(BadInput, match="No such data file"):
        load_ohlcv_file(tmp_path / "missing.csv")
    (tmp_path / "bad.csv").write_text("hello\n1,2\n")
    with pytest.raises(BadInput, match="no date column|missing columns"):
        load_ohlcv_file(tmp_path / "bad.csv")


def test_bundled_samples_are_real_and_adjusted():
    assert len(sample_names()) == 6
    aapl = sample_ohlcv("aapl")
    assert len(aapl) == 3270 and aapl.index[0] == pd.Timestamp("2000-03-01")
    # AAPL split 2:1 on 2005-02-28; adjusted closes show no ~50% overnight drop there
    assert aapl["close"].pct_change().loc["2005-02-28"] > -0.1
    assert len(sample_ohlcv("backtesting/EURUSD")) == 5000
    assert resolve_sample("bokeh:ibm") == "bokeh/IBM"
    with pytest.raises(BadInput, match="did you mean"):
        sample_ohlcv("bokeh/AAPX")


class _Ticker:
    """Stands in for yfinance.Ticker to produce failures a live network cannot be made to give."""

    def __init__(self, outcome):
        self.outcome = outcome

    def __call__(self, symbol):
        return self

    def history(self, **kwargs):
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return self.outcome


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        (OSError("Could not resolve host"), "no network"),
        (pd.DataFrame(), "no bars"),
    ],
)
def test_yfinance_failures_become_clear_messages(online, monkeypatch, tmp_path, outcome, message):
    import yfinance

    monkeypatch.setattr(yfinance, "Ticker", _Ticker(outcome))
    with pytest.raises(BadInput, match=message):
        yahoo.fetch_yfinance("ZZZZ", "2020-01-01", "2020-02-01", cache_dir=tmp_path)


def test_yfinance_rate_limit_and_unknown_ticker(online, monkeypatch, tmp_path):
    import yfinance
    from yfinance import exceptions

    monkeypatch.setattr(yfinance, "Ticker", _Ticker(exceptions.YFRateLimitError()))
    with pytest.raises(BadInput, match="rate-limiting"):
        yahoo.fetch_yfinance("AAPL", "2020-01-01", "2020-02-01", cache_dir=tmp_path)
    monkeypatch.setattr(yfinance, "Ticker", _Ticker(exceptions.YFPricesMissingError("QQQQX", "")))
    with pytest.raises(BadInput, match="unknown or delisted"):
        yahoo.fetch_yfinance("QQQQX", "2020-01-01", "2020-02-01", cache_dir=tmp_path)


def test_yfinance_result_is_cached_as_parquet(online, monkeypatch, tmp_path):
    import yfinance

    monkeypatch.setattr(yfinance, "Ticker", _Ticker(bars(6)))
    first = yahoo.fetch_yfinance("abc", "2020-01-01", "2020-02-01", cache_dir=tmp_path)
    path = yahoo.cache_path("abc", "2020-01-01", "2020-02-01", "1d", True, tmp_path)
    assert path.is_file() and not list(path.parent.glob(".*.tmp"))
    monkeypatch.setattr(yfinance, "Ticker", _Ticker(OSError("offline")))
    pd.testing.assert_frame_equal(yahoo.fetch_yfinance("ABC", "2020-01-01", "2020-02-01", cache_dir=tmp_path), first, check_freq=False)


def test_yfinance_offline_for_real_fails_fast(online, monkeypatch, tmp_path):
    """Without network the real client must fail within seconds with the clear message. The network is
    cut for certain: every proxy is a loopback port bound but not listening, which refuses connections."""
    with socket.socket() as refusing:
        refusing.bind(("127.0.0.1", 0))
        proxy = f"http://127.0.0.1:{refusing.getsockname()[1]}"
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            monkeypatch.setenv(name, proxy)
            monkeypatch.setenv(name.lower(), proxy)
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        started = time.monotonic()
        with pytest.raises(BadInput, match=r"Cannot reach Yahoo Finance for AAPL .*: no network"):
            yahoo.fetch_yfinance("AAPL", "2020-01-01", "2020-02-01", cache_dir=tmp_path, timeout_s=5)
    assert time.monotonic() - started < 5
    assert not (tmp_path / "market").exists()


@pytest.mark.parametrize(("args", "message"), [
    (("AAPL", "2020-02-01", "2020-01-01"), "not before"),
    (("AA PL", "2020-01-01", "2020-02-01"), "not a ticker"),
    (("AAPL", "2020-01-01", "2020-02-01", "7d"), "Unknown interval"),
])
def test_yfinance_arguments_are_validated(args, message, tmp_path):
    with pytest.raises(BadInput, match=message):
        yahoo.fetch_yfinance(*args, cache_dir=tmp_path)


def test_fetching_is_off_unless_the_operator_enables_it(monkeypatch, tmp_path):
    import yfinance

    monkeypatch.setattr(yfinance, "Ticker", _Ticker(bars(6)))
    with pytest.raises(BadInput, match="fetching from Yahoo Finance is off on this server"):
        yahoo.fetch_yfinance("ABC", "2020-01-01", "2020-02-01", cache_dir=tmp_path)
    assert not (tmp_path / "market").exists()


def test_fetches_are_rate_limited_per_client(online, monkeypatch, tmp_path):
    import yfinance

    monkeypatch.setenv("TRISTAGE_MARKET_FETCHES_PER_MINUTE", "2")
    get_settings.cache_clear()
    monkeypatch.setattr(yfinance, "Ticker", _Ticker(bars(6)))
    for ticker in ("AAA", "BBB"):
        yahoo.fetch_yfinance(ticker, "2020-01-01", "2020-02-01", cache_dir=tmp_path, client="a")
    with pytest.raises(BadInput, match="Too many market-data fetches"):
        yahoo.fetch_yfinance("CCC", "2020-01-01", "2020-02-01", cache_dir=tmp_path, client="a")
    yahoo.fetch_yfinance("CCC", "2020-01-01", "2020-02-01", cache_dir=tmp_path, client="b")
    yahoo.fetch_yfinance("AAA", "2020-01-01", "2020-02-01", cache_dir=tmp_path, client="a")  # cached: no fetch


def test_dates_are_iso_days_before_any_path_is_built(online, monkeypatch, tmp_path):
    import yfinance

    monkeypatch.setattr(yfinance, "Ticker", _Ticker(bars(6)))
    for start in ("../../../../../../2010-01-04", "2010-01-04/../../x", "Jan 4 2010", "2010-13-45"):
        with pytest.raises(BadInput, match="date"):
            yahoo.fetch_yfinance("ABC", start, "2020-02-01", cache_dir=tmp_path)
    yahoo.fetch_yfinance("ABC", "2020-1-1", "2020-02-01", cache_dir=tmp_path)
    yahoo.fetch_yfinance("ABC", "2020-01-01T00:00", "2020-02-01", cache_dir=tmp_path)
    written = sorted(p.name for p in tmp_path.rglob("*.parquet"))
    assert written == ["ABC_2020-01-01_2020-02-01_1d_adj.parquet"], "one spelling of one date, one file"
    assert all(p.resolve().parent == (tmp_path / "market").resolve() for p in tmp_path.rglob("*.parquet"))


@pytest.mark.parametrize("ticker", ["..", "../etc", ".hidden", "A/B", "A" * 20, "-x"])
def test_tickers_that_are_not_symbols_build_no_path(ticker, tmp_path):
    with pytest.raises(BadInput, match="not a ticker"):
        yahoo.cache_path(ticker, "2020-01-01", "2020-02-01", "1d", True, tmp_path)


def test_an_unreadable_ticker_date_is_bad_input_not_a_crash(tmp_path):
    from assistants.market.sources import resolve_input

    request = ask("Breakout?", attachments=[Attachment(kind="ticker", ticker="AAPL", start="tomorrow-ish")])
    with pytest.raises(BadInput, match="not a date"):
        resolve_input(request, tmp_path)
    with pytest.raises(BadInput, match="not a calendar date"):
        resolve_input(ask("Is AAPL breaking out from 2010-13-45 to 2010-06-30?"), tmp_path)
