"""Turn a request (attachments or inline text) into the market data it asks about."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict

from assistants.market.footprint import (
    footprint_from_table,
    load_footprint_csv,
    looks_like_footprint_text,
    parse_footprint_text,
)
from assistants.market.ohlcv import load_ohlcv_file, looks_like_ohlcv_text, parse_ohlcv_text
from assistants.market.samples import resolve_sample, sample_names, sample_ohlcv
from assistants.market.yahoo import fetch_yfinance, iso_day
from stages.messages import Attachment, Request
from stages.stage import BadInput

_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_SAMPLE = re.compile(r"\b(?:bokeh|backtesting)[/:][A-Za-z]+\b", re.IGNORECASE)
_TICKER = re.compile(r"(?<![\w/])(\^?[A-Z]{1,6}(?:[.-][A-Z]{1,2})?|[A-Z]{6}=X)(?![\w/])")
_NOT_TICKERS = {
    "A", "I", "OHLC", "OHLCV", "CSV", "ATR", "UTC", "USD", "AND", "OR", "THE", "IS", "IT", "ON", "TO",
    "FROM", "TRUE", "FALSE", "BUY", "SELL", "NOT", "OK", "PM", "AM", "EOD", "ETF", "IPO", "S1", "S2", "S3",
}


class MarketInput(BaseModel):
    """What the request is about: footprint bars or OHLCV bars, and where they came from."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    kind: Literal["footprint", "ohlcv"]
    name: str
    origin: str
    footprint: pd.DataFrame | None = None
    bars: pd.DataFrame | None = None


def resolve_input(request: Request, cache_dir: Path | None = None) -> MarketInput:
    """The data a request carries or names; BadInput with what to send when there is none."""
    for attachment in request.attachments:
        return _from_attachment(attachment, cache_dir, request.client)
    text = request.last_user_text
    if looks_like_footprint_text(text):
        return MarketInput(kind="footprint", name="pasted footprint", origin="message", footprint=parse_footprint_text(text))
    if any(looks_like_ohlcv_text(line) for line in text.splitlines()):
        return MarketInput(kind="ohlcv", name="pasted table", origin="message", bars=parse_ohlcv_text(text))
    named = _named_series(text, cache_dir, request.client)
    if named is not None:
        return named
    raise BadInput(
        "Which data should I look at? Paste a footprint ('Table 1: Sell Buy Price ...') or an OHLCV "
        "table, attach a file, or name a ticker and dates, e.g. 'AAPL from 2010-01-04 to 2010-06-30' "
        f"(bundled offline samples: {', '.join(sample_names())})."
    )


def _from_attachment(attachment: Attachment, cache_dir: Path | None, client: str) -> MarketInput:
    if attachment.kind == "ticker":
        if not attachment.ticker:
            raise BadInput("The ticker attachment names no ticker.")
        start = iso_day(attachment.start) if attachment.start else None
        end = iso_day(attachment.end) if attachment.end else None
        return _series(attachment.ticker, start, end, attachment.interval, cache_dir, client)
    if attachment.kind == "text":
        text = attachment.text or ""
        name = attachment.name or "attached text"
        return _from_text(text, name)
    path = Path(attachment.path or "")
    if not path.is_file():
        raise BadInput(f"No such data file: {path.name or '(none given)'}")
    name = attachment.name or path.name
    if path.suffix.lower() in (".parquet", ".pq"):
        return MarketInput(kind="ohlcv", name=name, origin="file", bars=load_ohlcv_file(path))
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:200_000]
    except OSError as exc:
        raise BadInput(f"Cannot read {path.name}: {exc}") from exc
    if _is_footprint_csv(head):
        return MarketInput(kind="footprint", name=name, origin="file", footprint=load_footprint_csv(path))
    if looks_like_footprint_text(head):
        return MarketInput(kind="footprint", name=name, origin="file", footprint=parse_footprint_text(head))
    return MarketInput(kind="ohlcv", name=name, origin="file", bars=load_ohlcv_file(path))


def _from_text(text: str, name: str) -> MarketInput:
    if looks_like_footprint_text(text):
        return MarketInput(kind="footprint", name=name, origin="attachment", footprint=parse_footprint_text(text))
    if _is_footprint_csv(text):
        frame = pd.read_csv(io.StringIO(text))
        return MarketInput(kind="footprint", name=name, origin="attachment", footprint=footprint_from_table(frame))
    return MarketInput(kind="ohlcv", name=name, origin="attachment", bars=parse_ohlcv_text(text))


def _is_footprint_csv(text: str) -> bool:
    head = text.strip().splitlines()[0].lower() if text.strip() else ""
    return all(word in head for word in ("price", "sell", "buy")) and "bar" in head


def _named_series(text: str, cache_dir: Path | None, client: str) -> MarketInput | None:
    dates = [iso_day(found) for found in _DATE.findall(text)]
    start, end = (dates + [None, None])[:2] if dates else (None, None)
    sample = _SAMPLE.search(text)
    if sample:
        return _series(sample.group(0), start, end, "1d", cache_dir, client)
    without_dates = _DATE.sub(" ", text)
    for token in _TICKER.findall(without_dates):
        if token not in _NOT_TICKERS and (dates or resolve_sample(token)):
            return _series(token, start, end, "1d", cache_dir, client)
    return None


def _series(
    ticker: str, start: str | None, end: str | None, interval: str, cache_dir: Path | None, client: str = ""
) -> MarketInput:
    """A bundled sample when it covers the request (offline, deterministic), else Yahoo Finance.

    `start` and `end` are ISO days (or None): every path below is built from normalised dates."""
    sample = resolve_sample(ticker)
    if sample is None and "/" in ticker:
        sample_ohlcv(ticker)  # raises with the near-miss sample name
    if sample is not None:
        bars = sample_ohlcv(sample)
        first, last = bars.index[0], bars.index[-1]
        lo = pd.Timestamp(start) if start else first
        hi = pd.Timestamp(end) if end else last
        if lo >= first and hi <= last + pd.Timedelta(days=7):
            sliced = bars.loc[lo:hi]
            if sliced.empty:
                raise BadInput(f"No bars of {sample} between {lo.date()} and {hi.date()}.")
            return MarketInput(kind="ohlcv", name=sample.split("/")[1], origin=f"bundled sample {sample}", bars=sliced)
    end = end or date.today().isoformat()
    start = start or (pd.Timestamp(end).date() - timedelta(days=365)).isoformat()
    bars = fetch_yfinance(ticker.upper(), start, end, interval, cache_dir, client=client)
    return MarketInput(kind="ohlcv", name=ticker.upper(), origin="Yahoo Finance", bars=bars)
