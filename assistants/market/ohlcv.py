"""OHLCV bars from files and pasted tables, mapped onto one validated shape.

The shape: a DataFrame indexed by a sorted, unique DatetimeIndex named `date`, with float
columns open, high, low, close, volume. Validation refuses what would silently corrupt a scan
(unsorted or duplicate dates, negative values, no usable rows) and reports NaNs it drops.
"""

from __future__ import annotations

import io
import itertools
import re
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel

from stages.stage import BadInput

PRICE_COLUMNS = ["open", "high", "low", "close"]
COLUMNS = [*PRICE_COLUMNS, "volume"]
_DATE_NAMES = ("date", "datetime", "time", "timestamp", "")
_ALIASES = {"o": "open", "h": "high", "l": "low", "c": "close", "v": "volume", "vol": "volume", "adjclose": "adj_close"}


class OhlcvReport(BaseModel):
    """What validation found, so replies can say what was dropped."""

    rows: int
    dropped_nan_rows: int = 0
    first: str = ""
    last: str = ""


def normalize_ohlcv(frame: pd.DataFrame, name: str = "data") -> tuple[pd.DataFrame, OhlcvReport]:
    """Map column names case-insensitively, index by date, validate; BadInput on unusable data."""
    table = frame.copy()
    if not isinstance(table.index, (pd.DatetimeIndex, pd.RangeIndex)):
        table = table.reset_index()
    keys = {c: column_key(c) for c in table.columns}
    table = table.rename(columns=keys)
    table = table.loc[:, ~table.columns.duplicated()]
    if not isinstance(table.index, pd.DatetimeIndex):
        date_col = next((c for c in _DATE_NAMES if c in table.columns), None)
        if date_col is None:
            raise BadInput(f"{name}: no date column (expected one named date, datetime, time or timestamp).")
        table.index = pd.DatetimeIndex(pd.to_datetime(table.pop(date_col), errors="coerce", utc=False))
    missing = [c for c in PRICE_COLUMNS if c not in table.columns]
    if missing:
        raise BadInput(f"{name}: missing columns {', '.join(missing)} (found {', '.join(map(str, keys.values()))}).")
    if "volume" not in table.columns:
        table["volume"] = np.nan
    table = table[COLUMNS].apply(pd.to_numeric, errors="coerce").astype(float)
    if table.index.tz is not None:
        table.index = table.index.tz_localize(None)
    table.index.name = "date"
    if table.index.isna().any():
        raise BadInput(f"{name}: {int(table.index.isna().sum())} rows have unreadable dates.")
    if table.index.has_duplicates:
        dup = table.index[table.index.duplicated()][0]
        raise BadInput(f"{name}: duplicate timestamp {dup}; each bar needs its own date.")
    if not table.index.is_monotonic_increasing:
        raise BadInput(f"{name}: dates are not in increasing order; sort the rows by date first.")
    prices = table[PRICE_COLUMNS].to_numpy()
    if (prices[~np.isnan(prices)] < 0).any() or (table["volume"].dropna() < 0).any():
        raise BadInput(f"{name}: negative prices or volumes.")
    bad = table[PRICE_COLUMNS].isna().any(axis=1)
    clean = table[~bad]
    if clean.empty:
        raise BadInput(f"{name}: every row has a missing price; there is nothing to analyse.")
    if (clean["high"] < clean["low"]).any():
        raise BadInput(f"{name}: some bars have high below low.")
    report = OhlcvReport(
        rows=len(clean), dropped_nan_rows=int(bad.sum()), first=str(clean.index[0]), last=str(clean.index[-1])
    )
    return clean, report


def load_ohlcv_file(path: str | Path) -> pd.DataFrame:
    """A CSV or parquet file of OHLCV bars, validated (see `normalize_ohlcv`)."""
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"No such data file: {path.name}")
    try:
        frame = pd.read_parquet(path) if path.suffix.lower() in (".parquet", ".pq") else pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError, ImportError) as exc:
        raise BadInput(f"Cannot read {path.name}: {' '.join(str(exc).split())[:200]}") from exc
    return normalize_ohlcv(frame, path.name)[0]


def looks_like_ohlcv_text(text: str) -> bool:
    head = text.strip().splitlines()[0].lower() if text.strip() else ""
    return all(re.search(rf"\b{c}\b", head) for c in ("open", "high", "low", "close"))


_BAR_START = re.compile(r"""^\s*["']?\d""")  # a bar row starts with its date or timestamp


def parse_ohlcv_text(text: str) -> pd.DataFrame:
    """A pasted CSV (comma, tab, semicolon or whitespace separated) with a header row; the table ends
    at the first line after it that is no bar (a question written below the table)."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if looks_like_ohlcv_text(line)), None)
    if start is None:
        raise BadInput("No OHLCV table found: paste a header row with date, open, high, low, close, volume.")
    rows = list(itertools.takewhile(lambda line: _BAR_START.match(line) is not None, lines[start + 1 :]))
    block = "\n".join([lines[start], *rows])
    try:
        frame = pd.read_csv(io.StringIO(block), sep=None, engine="python")
    except (ValueError, pd.errors.ParserError) as exc:
        raise BadInput(f"Cannot read the pasted table: {exc}") from exc
    return normalize_ohlcv(frame, "pasted table")[0]


def question_text(text: str) -> str:
    """The message without a pasted OHLCV table (its header and bar rows): the question around it."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if looks_like_ohlcv_text(line)), None)
    if start is None:
        return text
    rows = list(itertools.takewhile(lambda line: not line.strip() or _BAR_START.match(line) is not None, lines[start + 1 :]))
    return "\n".join(lines[:start] + lines[start + 1 + len(rows) :])


def column_key(column: object) -> str:
    if isinstance(column, tuple):  # yfinance's (field, ticker) columns
        column = column[0]
    key = re.sub(r"[^a-z_]", "", str(column).strip().lower().replace(" ", "_")).replace("_", "")
    key = _ALIASES.get(key, key)
    return "date" if key in ("index", "unnamed0", "datetime", "timestamp") else key
