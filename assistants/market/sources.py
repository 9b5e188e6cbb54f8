"""Turn a request (attachments or inline text) into the market data it asks about."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from assistants.market.breakouts import ScanConfig
from assistants.market.footprint import (
    footprint_from_table,
    load_footprint_csv,
    looks_like_footprint_text,
    parse_footprint_text,
)
from assistants.market.intent import BreakoutIntent, read_intent
from assistants.market.ohlcv import load_ohlcv_file, looks_like_ohlcv_text, parse_ohlcv_text
from assistants.market.samples import resolve_sample, sample_names, sample_ohlcv
from assistants.market.yahoo import cache_path, fetch_yfinance, iso_day
from stages.messages import Attachment, Request
from stages.stage import BadInput


class MarketInput(BaseModel):
    """What the request is about: footprint bars or OHLCV bars, and where they came from."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    kind: Literal["footprint", "ohlcv"]
    name: str
    origin: str
    footprint: pd.DataFrame | None = None
    bars: pd.DataFrame | None = None
    note: str = Field("", description="why no other bars were fetched (when these may not cover the asked period)")

    def source(self) -> str:
        """Where the bars came from, in words a reply can show."""
        return {"file": "your file", "attachment": "your attachment", "message": "the table in your message"}.get(
            self.origin, self.origin)

    def provenance(self) -> str:
        """The line every reply ends with: which bars, from where, and their last date."""
        if self.bars is None:
            return f"Data: {self.name}, {self.source()}."
        first, last = f"{self.bars.index[0]:%Y-%m-%d}", f"{self.bars.index[-1]:%Y-%m-%d}"
        return f"Data: {self.name} bars, {self.source()}, {first} to {last} (last bar {last})."


# Bars a scan needs before the first bar it judges: the range, the ATR, and the bar before it.
LOOKBACK = ScanConfig().warmup + 1


def resolve_input(request: Request, cache_dir: Path | None = None, intent: BreakoutIntent | None = None,
                  lookback: int = LOOKBACK) -> MarketInput:
    """The data a request carries or names; BadInput with what to send when there is none."""
    for attachment in request.attachments:
        return _from_attachment(attachment, cache_dir, request.client, lookback)
    text = request.last_user_text
    pasted = pasted_input(text)
    if pasted is not None:
        return pasted
    intent = intent or read_intent(text)
    tickers = data_tickers(intent)
    if tickers:
        return named_series(tickers[0], intent, cache_dir, request.client, lookback)
    raise BadInput(
        "Which data should I look at? Paste a footprint ('Table 1: Sell Buy Price ...') or an OHLCV "
        "table, attach a file, or name a ticker and dates, e.g. 'AAPL from 2010-01-04 to 2010-06-30' "
        f"(bundled offline samples: {', '.join(sample_names())})."
    )


def pasted_input(text: str) -> MarketInput | None:
    """Bars pasted into the message itself (a footprint, or an OHLCV table with its header), if any."""
    if looks_like_footprint_text(text):
        return MarketInput(kind="footprint", name="pasted footprint", origin="message", footprint=parse_footprint_text(text))
    if any(looks_like_ohlcv_text(line) for line in text.splitlines()):
        return MarketInput(kind="ohlcv", name="pasted table", origin="message", bars=parse_ohlcv_text(text))
    return None


def _from_attachment(attachment: Attachment, cache_dir: Path | None, client: str, lookback: int) -> MarketInput:
    if attachment.kind == "ticker":
        if not attachment.ticker:
            raise BadInput("The ticker attachment names no ticker.")
        start = iso_day(attachment.start) if attachment.start else None
        end = iso_day(attachment.end) if attachment.end else None
        return _series(attachment.ticker, start, end, attachment.interval, cache_dir, client, lookback)
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


def data_tickers(intent: BreakoutIntent) -> list[str]:
    """The named tickers that name data, once each: bundled samples always, others when dates say which bars."""
    dated = intent.period is not None or intent.date is not None
    usable: dict[str, str] = {}
    for token in intent.tickers:
        sample = resolve_sample(token)
        if sample or "/" in token or dated:
            usable.setdefault(sample or token.upper(), token)
    return list(usable.values())


def named_series(ticker: str, intent: BreakoutIntent, cache_dir: Path | None, client: str = "",
                 lookback: int = LOOKBACK) -> MarketInput:
    """The bars of one named ticker that cover the asked day or period (plus the scan's look-back)."""
    start, end = asked_days(intent)
    return _series(ticker, start, end, "1d", cache_dir, client, lookback)


def asked_days(intent: BreakoutIntent) -> tuple[str | None, str | None]:
    """First and last day the question needs bars for (None: open); a relative period is counted from today,
    the most its bars can reach."""
    if intent.period is not None:
        period = intent.period
        if period.relative is not None:
            period = period.resolved(pd.DatetimeIndex([pd.Timestamp(date.today())]))
        return period.start, period.end
    return intent.date, None


def _series(ticker: str, start: str | None, end: str | None, interval: str, cache_dir: Path | None, client: str = "",
            lookback: int = LOOKBACK) -> MarketInput:
    """A bundled sample when it covers the request (offline, deterministic), else Yahoo Finance; when that
    fails too, the sample with the reason, so that the reply can say which part of the period it lacks.

    `start` and `end` are ISO days (or None): every path below is built from normalised dates."""
    sample = resolve_sample(ticker)
    if sample is None and "/" in ticker:
        sample_ohlcv(ticker)  # raises with the near-miss sample name
    if sample is not None:
        bars = sample_ohlcv(sample)
        first, last = bars.index[0], bars.index[-1]
        if (not start or pd.Timestamp(start) >= first) and (not end or pd.Timestamp(end) <= last + pd.Timedelta(days=7)):
            return MarketInput(kind="ohlcv", name=sample.split("/")[1], origin=f"bundled sample {sample}", bars=bars)
    try:
        return _download(ticker, start, end, interval, cache_dir, client, lookback)
    except BadInput as exc:
        if sample is None:
            raise
        return MarketInput(kind="ohlcv", name=sample.split("/")[1], origin=f"bundled sample {sample}", bars=bars,
                           note=str(exc))


def _download(ticker: str, start: str | None, end: str | None, interval: str, cache_dir: Path | None, client: str,
              lookback: int) -> MarketInput:
    """Yahoo Finance bars from `lookback` bars before `start` through `end` (from the cache when there)."""
    last = pd.Timestamp(end or date.today().isoformat())
    first = pd.Timestamp(start) if start else last - timedelta(days=365)
    fetch_start = (first - timedelta(days=lookback * 7 // 5 + 10)).date().isoformat()
    fetch_end = (last + timedelta(days=1)).date().isoformat()  # Yahoo's end day is exclusive
    cached = cache_path(ticker, fetch_start, fetch_end, interval, True, cache_dir).is_file()
    bars = fetch_yfinance(ticker.upper(), fetch_start, fetch_end, interval, cache_dir, client=client)
    origin = "Yahoo Finance (cached download)" if cached else "Yahoo Finance (downloaded now)"
    return MarketInput(kind="ohlcv", name=ticker.upper(), origin=origin, bars=bars)
