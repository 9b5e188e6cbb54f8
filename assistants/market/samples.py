"""Real OHLCV bars shipped inside PyPI packages, for offline use and benchmarks.

`bokeh_sampledata` carries unadjusted daily bars plus an adjusted close (Quandl WIKI, public
domain); prices are split/dividend-adjusted here with the ratio adj_close / close so splits do
not show up as crashes, and volume is scaled by the inverse ratio. `backtesting` ships GOOG
daily and EURUSD hourly bars.
"""

from __future__ import annotations

import difflib
from functools import lru_cache

import pandas as pd

from assistants.market.ohlcv import normalize_ohlcv
from stages.stage import BadInput

_BOKEH = ("AAPL", "IBM", "MSFT", "GOOG")
_BACKTESTING = ("GOOG", "EURUSD")


def bundled_symbols() -> frozenset[str]:
    """The symbols the bundled samples hold (a question may write them in lower case)."""
    return frozenset(_BOKEH + _BACKTESTING)


def sample_names() -> list[str]:
    """Names accepted by `sample_ohlcv`, as `source/TICKER`."""
    return [f"bokeh/{t}" for t in _BOKEH] + [f"backtesting/{t}" for t in _BACKTESTING]


def resolve_sample(name: str) -> str | None:
    """The full sample name for `name` (`AAPL`, `bokeh/aapl`, `EURUSD`...), or None."""
    key = name.strip().replace(":", "/").upper()
    for full in sample_names():
        ticker = full.split("/")[1]
        if key in (full.upper(), ticker):
            return full
    return None


def sample_ohlcv(name: str) -> pd.DataFrame:
    """A bundled sample as validated OHLCV bars (a copy; callers may modify it)."""
    full = resolve_sample(name)
    if full is None:
        close = difflib.get_close_matches(name, sample_names(), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise BadInput(f"No bundled sample {name!r}{hint} (available: {', '.join(sample_names())}).")
    return _load(full).copy()


@lru_cache(maxsize=8)
def _load(full: str) -> pd.DataFrame:
    source, ticker = full.split("/")
    if source == "bokeh":
        from bokeh_sampledata import stocks

        raw = pd.DataFrame(getattr(stocks, ticker))
        ratio = raw["adj_close"] / raw["close"]
        raw[["open", "high", "low", "close"]] = raw[["open", "high", "low", "close"]].mul(ratio, axis=0)
        raw["volume"] = raw["volume"] / ratio
        frame = raw.drop(columns="adj_close")
    else:
        from backtesting import test

        frame = getattr(test, ticker)
    return normalize_ohlcv(frame, full)[0]
