"""The breakout case library: past breakout events with their features and outcomes, as passages.

Events come from the same scan the breakout assistant runs (`scan_many` over real OHLCV bars,
the bundled samples by default); each case describes its features in the same words that
`case_query` uses for the breakout being judged, so the nearest passages are the most similar
historical cases. Cases whose outcome is still open are left out: they teach nothing yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from assistants.market.breakouts import ScanConfig, evidence, scan_many
from assistants.market.chains import price
from assistants.market.samples import sample_names, sample_ohlcv
from stages.retrieval import Passage

SOURCE = "breakout case library"
_OUTCOMES = {
    "target": "reached the {target:g} ATR target after {bars:.0f} bars (a true breakout)",
    "failed": "closed back inside the range after {bars:.0f} bars (a false breakout)",
    "timeout": "neither reached the target nor closed back inside within {horizon} bars",
}


def _date(value: Any) -> str:
    stamp = pd.Timestamp(value)
    return f"{stamp:%Y-%m-%d}" if stamp == stamp.normalize() else f"{stamp:%Y-%m-%dT%H%M}"


def case_query(event: Mapping[str, Any]) -> str:
    """The features of a breakout in words: the retrieval query for a breakout being judged, and
    the first part of every case passage."""
    volume = "no volume data" if event.get("volume_ratio") is None or pd.isna(event["volume_ratio"]) else (
        f"volume {float(event['volume_ratio']):.2f} times the range average")
    return (
        f"{str(event['direction']).capitalize()} breakout through {price(float(event['level']))} out of a range "
        f"{float(event['width_atr']):.2f} ATR wide with {int(event['touches'])} touches of the level; {volume}; "
        f"close location {float(event['close_location']):.2f}; close {float(event['atr_multiple']):.2f} ATR "
        f"beyond the level; gap {float(event['gap_atr']):.2f} ATR."
    )


def case_passage(event: Mapping[str, Any], config: ScanConfig, confirmations: int) -> Passage:
    ticker = str(event["ticker"])
    date = _date(event["date"])
    outcome = _OUTCOMES[str(event["outcome"])].format(
        target=config.target_atr, bars=float(event["bars_to_outcome"] or 0), horizon=config.horizon)
    text = f"{ticker} on {date}: {case_query(event)} {confirmations} of 3 confirmations. Outcome: the price {outcome}."
    return Passage(
        id=f"case:{ticker.replace('/', '-')}:{date}",
        text=text,
        source=SOURCE,
        metadata={"kind": "breakout_case", "ticker": ticker, "date": date, "direction": str(event["direction"]),
                  "outcome": str(event["outcome"]), "confirmations": confirmations},
    )


def case_passages(frames: dict[str, pd.DataFrame] | None = None, config: ScanConfig | None = None) -> list[Passage]:
    """Every decided breakout in `frames` (default: the bundled real samples) as a case passage."""
    config = config or ScanConfig()
    frames = frames if frames is not None else {name: sample_ohlcv(name) for name in sample_names()}
    events = scan_many(frames, config, label=True)
    events = events[events["outcome"] != "open"]
    proof = evidence(events, config)
    confirmations = proof[["volume_confirmed", "close_confirmed", "strength_confirmed"]].sum(axis=1)
    return [case_passage(row, config, int(confirmations[i])) for i, row in events.iterrows()]
