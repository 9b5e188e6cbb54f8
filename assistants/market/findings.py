"""The facts of one OHLCV question: where the asked bar stands, and the breakout it is about (if any).

Every breakout of the scanned frame is scored once (`score_events`: features, confirmations, the
calibrated probability, the forward outcome); the breakouts inside the asked span (a period, or all
the bars) are the question's, and the intent picks the one the reply is about: the last bar's, the
given date's, or the most recent one. When the asked bar is no breakout, the facts say where its
close stands against the range before it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from assistants.market.breakouts import ScanConfig, trading_range
from assistants.market.chains import bars_table
from assistants.market.intent import BreakoutIntent
from assistants.market.options import ChoiceFacts, judge_options
from assistants.market.scope import Scope
from assistants.market.screen import CONFIRMATIONS
from assistants.market.sources import MarketInput

LISTED = 8  # breakouts a period's answer lists by date (the most recent ones)
CURRENT_DAYS = 4  # a last bar this many days old is still today's market (a weekend, a holiday)
_EVENT_FLOATS = ("level", "close", "range_high", "range_low", "atr", "width_atr", "close_location", "gap_atr",
                 "atr_multiple", "probability", "base_rate")


def _state(close: float, low: float, high: float) -> str:
    return "above" if close > high else "below" if close < low else "inside"


def _bar_position(bars: pd.DataFrame, ranges: pd.DataFrame, i: int) -> dict[str, Any]:
    close, low, high = float(bars["close"].iloc[i]), float(ranges["range_low"].iloc[i]), float(ranges["range_high"].iloc[i])
    return {"close": close, "range_low": low, "range_high": high, "state": _state(close, low, high)}


def _event_summary(event: pd.Series) -> dict[str, Any]:
    return {"date": f"{event['date']:%Y-%m-%d}", "direction": str(event["direction"]), "level": float(event["level"]),
            "probability": float(event["probability"]), "call": str(event["judgment"])}


def asked_events(events: pd.DataFrame, intent: BreakoutIntent, scope: Scope) -> pd.DataFrame:
    """The breakouts the question is about: inside the asked span (not the scan's look-back), of the asked call and direction."""
    inside = events[events["index"] >= scope.lookback]
    if intent.call is not None and intent.kind in ("any", "recent"):
        inside = inside[inside["judgment"] == intent.call]
    if intent.direction is not None and intent.kind in ("any", "recent"):
        inside = inside[inside["direction"] == intent.direction]
    return inside


def pick_event(events: pd.DataFrame, intent: BreakoutIntent, bars: pd.DataFrame) -> pd.Series | None:
    """The event the question is about, or None when the asked bar is no breakout."""
    if events.empty:
        return None
    if intent.kind == "last_bar":
        hits = events[events["index"] == len(bars) - 1]
    elif intent.kind == "date":
        hits = events[events["date"] == pd.Timestamp(intent.date)]
    else:
        hits = events
    return None if hits.empty else hits.iloc[-1]


def current(last_date: str, today: date | None = None) -> bool:
    """Whether the last bar is today's market (a weekend or a holiday may lie between)."""
    return ((today or date.today()) - date.fromisoformat(last_date)).days <= CURRENT_DAYS


def base_facts(data: MarketInput, bars: pd.DataFrame, events: pd.DataFrame, intent: BreakoutIntent, scope: Scope,
               config: ScanConfig) -> dict[str, Any]:
    """What every reply may cite: the data and the asked span, the last bar against its range, the breakouts."""
    ranges = trading_range(bars, config.window)
    last = _bar_position(bars, ranges, len(bars) - 1)
    asked = asked_events(events, intent, scope)
    facts: dict[str, Any] = {
        "name": data.name, "origin": data.origin, "source": data.source(), "fetch_note": data.note,
        "bars": scope.bars, "window": config.window, "intent": intent.model_dump(mode="json"),
        "scope": scope.model_dump(mode="json"), "where": scope.words(), "first_date": scope.first,
        "events": len(asked), "events_any": int((events["index"] >= scope.lookback).sum()),
        "events_up": int((asked["direction"] == "upward").sum()),
        "events_down": int((asked["direction"] == "downward").sum()),
        "listed": [_event_summary(e) for _, e in asked.tail(LISTED).iterrows()],
        "unlisted": max(0, len(asked) - LISTED),
        "last_date": f"{bars.index[-1]:%Y-%m-%d}", "last_close": last["close"],
        "last_range_low": last["range_low"], "last_range_high": last["range_high"], "last_state": last["state"],
        "recent": _event_summary(asked.iloc[-1]) if len(asked) else None,
    }
    facts["current"] = current(facts["last_date"])
    if intent.kind == "date":
        at = np.flatnonzero(bars.index.normalize() == pd.Timestamp(intent.date))
        at = at[at >= scope.lookback]
        facts["asked"] = _bar_position(bars, ranges, int(at[0])) if at.size else None
    return facts


def event_facts(base: dict[str, Any], event: pd.Series, bars: pd.DataFrame, config: ScanConfig) -> dict[str, Any]:
    """The facts of the breakout the reply is about (features up to its bar; outcome from later bars)."""
    i = int(event["index"])
    shown = bars.iloc[max(0, i - config.window) : i + 1]
    volume_ratio = None if pd.isna(event["volume_ratio"]) else float(event["volume_ratio"])
    facts = {
        **base,
        "index": i,
        "date": f"{event['date']:%Y-%m-%d}",
        "direction": str(event["direction"]),
        **{k: float(event[k]) for k in _EVENT_FLOATS},
        "touches": int(event["touches"]),
        "volume_ratio": volume_ratio,
        **{k: bool(event[k]) for k in CONFIRMATIONS},
        "confirmations": int(event["confirmations"]),
        "evidence_true": bool(event["evidence_true"]),
        "call": str(event["judgment"]),
        "volume_ratio_min": config.volume_ratio_min,
        "close_location_min": config.close_location_min,
        "strength_atr_min": config.strength_atr_min,
        "target_atr": config.target_atr,
        "horizon": config.horizon,
        "outcome": str(event["outcome"]),
        "bars_to_outcome": None if pd.isna(event["bars_to_outcome"]) else float(event["bars_to_outcome"]),
        "table": bars_table(shown),
        "dates": [f"{d:%Y-%m-%d}" for d in shown.index],
    }
    if volume_ratio is None:
        facts["note"] = "the bars carry no volume, so volume cannot confirm"
    return facts


def judged_options(intent: BreakoutIntent, asked: pd.DataFrame, event: pd.Series | None) -> ChoiceFacts | None:
    """The options judged against the asked span's breakouts (a period's or any: all of them; else the one asked)."""
    if not intent.choices.options:
        return None
    spanned = intent.kind == "any" or (intent.kind == "recent" and intent.period is not None)
    events = [_event_summary(e) for _, e in asked.iterrows()] if spanned else [] if event is None else [_event_summary(event)]
    return judge_options(intent.choices, events, intent.asks_call)


def unanswered_parts(intent: BreakoutIntent, last_dates: list[str], missing: list[str],
                     choice: ChoiceFacts | None) -> list[str]:
    """What was asked that the bars in hand cannot answer: days the period lacks, today's market on older
    bars, a second period, an option no tool judges."""
    parts = [f"{m}: no bars" for m in missing]
    if intent.now and last_dates and not all(current(d) for d in last_dates):
        parts.append(f"the market today: the latest bar in hand is from {min(last_dates)}")
    parts += [f"{extra}: one period per question; ask about it on its own" for extra in intent.extra]
    parts += [f"'{unread}': not read as a day or a period" for unread in intent.unread]
    parts += [f"'{word} breakout': '{word}' was not read, so breakouts of every kind count here" for word in intent.unread_qualifiers]
    unjudged = choice.unanswered() if choice is not None else None
    return parts + ([unjudged] if unjudged else [])
