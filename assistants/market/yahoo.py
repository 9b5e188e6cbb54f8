"""OHLCV from Yahoo Finance through yfinance, cached on disk as parquet.

Offline, yfinance's `history` raises a DNS error within a fraction of a second; an unknown
ticker raises a "missing" error or yields an empty frame; both become one-line BadInput
messages. Results are cached per (ticker, start, end, interval, auto_adjust) and written
atomically.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from assistants.market.ohlcv import normalize_ohlcv
from stages.config import get_settings
from stages.stage import BadInput

_TICKER = re.compile(r"^[A-Za-z0-9^=.\-]{1,15}$")
INTERVALS = ("1m", "2m", "5m", "15m", "30m", "60m", "90m", "1h", "1d", "5d", "1wk", "1mo", "3mo")


def cache_path(
    ticker: str, start: str, end: str, interval: str, auto_adjust: bool, cache_dir: Path | None = None
) -> Path:
    base = (cache_dir or get_settings().cache_dir) / "market"
    adjusted = "adj" if auto_adjust else "raw"
    return base / f"{ticker.upper()}_{start}_{end}_{interval}_{adjusted}.parquet"


def fetch_yfinance(
    ticker: str,
    start: str,
    end: str,
    interval: str = "1d",
    cache_dir: Path | None = None,
    auto_adjust: bool = True,
    timeout_s: float = 10.0,
) -> pd.DataFrame:
    """Validated OHLCV bars for `ticker` in [start, end), from the cache or Yahoo."""
    if not _TICKER.match(ticker):
        raise BadInput(f"{ticker!r} is not a ticker symbol.")
    if interval not in INTERVALS:
        raise BadInput(f"Unknown interval {interval!r}; use one of {', '.join(INTERVALS)}.")
    try:
        first, last = pd.Timestamp(start), pd.Timestamp(end)
    except ValueError as exc:
        raise BadInput(f"Unreadable date in {start!r}..{end!r}.") from exc
    if first >= last:
        raise BadInput(f"The start date {start} is not before the end date {end}.")
    path = cache_path(ticker, start, end, interval, auto_adjust, cache_dir)
    if path.is_file():
        return pd.read_parquet(path)
    frame = _download(ticker, start, end, interval, auto_adjust, timeout_s)
    bars = normalize_ohlcv(frame, f"{ticker} from Yahoo Finance")[0]
    _write_atomic(bars, path)
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


def _write_atomic(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        frame.to_parquet(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


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
