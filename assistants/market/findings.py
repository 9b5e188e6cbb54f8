"""The facts of one OHLCV question: where the asked bar stands, and the breakout it is about (if any).

Every breakout of the series is scored once (`score_events`: features, confirmations, the
calibrated probability, the forward outcome); the intent then picks the event the reply is
about: the last bar's, the given date's, or the most recent one. When the asked bar is no
breakout, the facts say where its close stands against the range before it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from assistants.market.breakouts import ScanConfig, trading_range
from assistants.market.chains import bars_table
from assistants.market.intent import BreakoutIntent
from assistants.market.screen import CONFIRMATIONS

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


def base_facts(name: str, origin: str, bars: pd.DataFrame, events: pd.DataFrame, intent: BreakoutIntent,
               config: ScanConfig) -> dict[str, Any]:
    """What every reply may cite: the data, the last bar against its range, the most recent breakout."""
    ranges = trading_range(bars, config.window)
    last = _bar_position(bars, ranges, len(bars) - 1)
    facts: dict[str, Any] = {
        "name": name, "origin": origin, "bars": len(bars), "window": config.window,
        "intent": intent.model_dump(), "events": len(events),
        "events_up": int((events["direction"] == "upward").sum()),
        "events_down": int((events["direction"] == "downward").sum()),
        "last_date": f"{bars.index[-1]:%Y-%m-%d}", "last_close": last["close"],
        "last_range_low": last["range_low"], "last_range_high": last["range_high"], "last_state": last["state"],
        "recent": _event_summary(events.iloc[-1]) if len(events) else None,
    }
    if intent.kind == "date":
        at = np.flatnonzero(bars.index.normalize() == pd.Timestamp(intent.date))
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
