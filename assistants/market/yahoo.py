"""OHLCV from Yahoo Finance through yfinance, cached on disk as parquet.

Offline, yfinance's `history` raises a DNS error within a fraction of a second; an unknown
ticker raises a "missing" error or yields an empty frame; both become one-line BadInput
messages. Results are cached per (ticker, start, end, interval, auto_adjust) and written
atomically. Fetching is the operator's choice (`market_online`, off by default) and limited per
client (`market_fetches_per_minute`); dates are normalised to ISO days and the ticker checked
before a cache path is built, and the path must resolve inside the cache folder.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from assistants.market.ohlcv import normalize_ohlcv
from stages.atomic import atomic_path
from stages.config import get_settings
from stages.stage import BadInput

# A ticker symbol (AAPL, BRK-B, ^GSPC, EURUSD=X, 0700.HK): the one pattern that validates a symbol and finds one in text.
SYMBOL = re.compile(r"\^?[A-Z0-9]{1,6}(?:[.-][A-Z0-9]{1,3})?(?:=[A-Z])?")
_DAY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
INTERVALS = ("1m", "2m", "5m", "15m", "30m", "60m", "90m", "1h", "1d", "5d", "1wk", "1mo", "3mo")


def iso_day(text: str) -> str:
    """`YYYY-MM-DD` for a date written as an ISO date (or date and time); BadInput otherwise."""
    value = text.strip()
    if not _DAY.match(value):
        raise BadInput(f"{text[:40]!r} is not a date; write it as YYYY-MM-DD.")
    try:
        return pd.Timestamp(value).date().isoformat()
    except ValueError as exc:
        raise BadInput(f"{value!r} is not a calendar date.") from exc


def valid_ticker(ticker: str) -> str:
    """The ticker in upper case, or BadInput when it is not a ticker symbol."""
    if not SYMBOL.fullmatch(ticker.upper()):
        raise BadInput(f"{ticker[:40]!r} is not a ticker symbol.")
    return ticker.upper()


def cache_path(
    ticker: str, start: str, end: str, interval: str, auto_adjust: bool, cache_dir: Path | None = None
) -> Path:
    """The cache file of one fetch, built from a checked ticker and ISO days, inside the cache folder."""
    if interval not in INTERVALS:
        raise BadInput(f"Unknown interval {interval!r}; use one of {', '.join(INTERVALS)}.")
    base = ((cache_dir or get_settings().cache_dir) / "market").resolve()
    adjusted = "adj" if auto_adjust else "raw"
    name = f"{valid_ticker(ticker)}_{iso_day(start)}_{iso_day(end)}_{interval}_{adjusted}.parquet"
    path = (base / name).resolve()
    if path.parent != base:
        raise BadInput(f"{ticker[:40]!r} does not make a valid cache file name.")
    return path


class FetchLimiter:
    """At most `per_minute` outbound fetches per client in any 60 s window."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._recent: dict[str, deque[float]] = {}

    def admit(self, client: str, per_minute: int) -> None:
        now = time.monotonic()
        with self._lock:
            recent = self._recent.setdefault(client, deque())
            while recent and now - recent[0] > 60.0:
                recent.popleft()
            if len(recent) >= per_minute:
                wait = 60.0 - (now - recent[0])
                raise BadInput(f"Too many market-data fetches ({per_minute} a minute); try again in {wait:.0f} s.")
            recent.append(now)


_LIMITER = FetchLimiter()


def fetch_yfinance(
    ticker: str,
    start: str,
    end: str,
    interval: str = "1d",
    cache_dir: Path | None = None,
    auto_adjust: bool = True,
    timeout_s: float = 10.0,
    client: str = "",
) -> pd.DataFrame:
    """Validated OHLCV bars for `ticker` in [start, end), from the cache or (when enabled) Yahoo."""
    path = cache_path(ticker, start, end, interval, auto_adjust, cache_dir)
    ticker, start, end = valid_ticker(ticker), iso_day(start), iso_day(end)
    if start >= end:
        raise BadInput(f"The start date {start} is not before the end date {end}.")
    if path.is_file():
        return pd.read_parquet(path)
    settings = get_settings()
    if not settings.market_online:
        raise BadInput(
            f"No cached bars for {ticker} {start}..{end}, and fetching from Yahoo Finance is off on this server "
            "(setting market_online). Attach a CSV/parquet file or use a bundled sample instead."
        )
    _LIMITER.admit(client, settings.market_fetches_per_minute)
    frame = _download(ticker, start, end, interval, auto_adjust, timeout_s)
    bars = normalize_ohlcv(frame, f"{ticker} from Yahoo Finance")[0]
    with atomic_path(path) as temp:
        bars.to_parquet(temp)
    return bars


def _download(ticker: str, start: str, end: str, interval: str, auto_adjust: bool, timeout_s: float) -> pd.DataFrame:
    import yfinance as yf
    from yfinance import exceptions as yf_errors

    where = f"{ticker} {start}..{end} ({interval})"
    try:
        with _quiet("yfinance"):
            frame = yf.Ticker(ticker).history(
                start=start, end=end, interval=interval, auto_adjust=auto_adjust, raise_errors=True, timeout=timeout_s
            )
    except yf_errors.YFRateLimitError as exc:
        raise BadInput(f"Yahoo Finance is rate-limiting requests; try again later ({where}).") from exc
    except yf_errors.YFTickerMissingError as exc:
        raise BadInput(f"Yahoo Finance has no data for {where}: unknown or delisted ticker, or no bars in range.") from exc
    except (OSError, ConnectionError) as exc:
        raise BadInput(
            f"Cannot reach Yahoo Finance for {where}: no network ({type(exc).__name__}). "
            "Attach a CSV/parquet file or use a bundled sample instead."
        ) from exc
    except yf_errors.YFException as exc:
        raise BadInput(f"Yahoo Finance failed for {where}: {' '.join(str(exc).split())[:200]}") from exc
    if frame is None or frame.empty:
        raise BadInput(f"Yahoo Finance returned no bars for {where}: unknown ticker or empty range.")
    return frame


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """yfinance logs every failure; the caller turns failures into one clear message instead."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)
