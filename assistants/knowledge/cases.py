"""The breakout case library: past breakout events with their features and outcomes, as passages.

Events come from the same scan the breakout assistant runs (`scan_many` over real OHLCV bars,
the bundled samples by default); each case describes its features in the same words that
`case_query` uses for the breakout being judged, and only those words are embedded, so the
nearest passages are the most similar historical cases. Cases whose outcome is still open are left out: they teach nothing yet.
Each case carries the time its outcome was decided (`decided_s`), so a breakout is only ever shown
cases already decided before its own bar (`decided_before`): no case, not even the event itself,
tells the judgment what happened later.
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


def _band(value: float, bands: tuple[tuple[float, str], ...], top: str) -> str:
    return next((word for bound, word in bands if value < bound), top)


def case_query(event: Mapping[str, Any]) -> str:
    """A breakout's features in words, one band per feature.

    Sentence embeddings barely tell 1.2 from 3.4, but they do tell "narrow range" from "wide
    range": the bands make cases with the same character nearest to each other. This is the
    retrieval query for a breakout being judged, and the first sentence of every case."""
    ratio = event.get("volume_ratio")
    volume = "no volume data" if ratio is None or pd.isna(ratio) else _band(
        float(ratio), ((1.0, "low volume"), (1.5, "average volume"), (2.5, "high volume")), "very high volume")
    words = [
        f"{str(event['direction']).capitalize()} breakout",
        _band(float(event["width_atr"]), ((2.0, "narrow range"), (5.0, "medium range")), "wide range"),
        _band(float(event["touches"]), ((2, "level touched once"), (4, "level tested a few times")),
              "level tested many times"),
        volume,
        _band(float(event["close_location"]), ((0.5, "weak close"), (0.7, "middling close")), "strong close"),
        _band(float(event["atr_multiple"]), ((0.25, "barely beyond the level"), (0.5, "slightly beyond the level"),
                                             (1.0, "clearly beyond the level")), "far beyond the level"),
        _band(float(event["gap_atr"]), ((0.1, "no gap"), (0.5, "small gap")), "large gap"),
    ]
    return ", ".join(words) + "."


def _measured(event: Mapping[str, Any]) -> str:
    ratio = event.get("volume_ratio")
    volume = "n/a" if ratio is None or pd.isna(ratio) else f"{float(ratio):.2f}"
    return (f"Level {price(float(event['level']))}, range width {float(event['width_atr']):.2f} ATR, "
            f"{int(event['touches'])} touches, volume ratio {volume}, close location {float(event['close_location']):.2f}, "
            f"{float(event['atr_multiple']):.2f} ATR beyond the level, gap {float(event['gap_atr']):.2f} ATR.")


def _seconds(stamp: Any) -> int:
    return int(pd.Timestamp(stamp).timestamp())


def decided_before(direction: str, stamp: Any) -> dict[str, Any]:
    """The metadata filter of the cases a breakout at `stamp` may see: same direction, decided earlier."""
    return {"$and": [{"direction": direction}, {"decided_s": {"$lt": _seconds(stamp)}}]}


def case_passage(event: Mapping[str, Any], config: ScanConfig, confirmations: int, decided: Any) -> Passage:
    """One decided breakout as a case; `decided` is the time of the bar that decided its outcome."""
    ticker = str(event["ticker"])
    date = _date(event["date"])
    outcome = _OUTCOMES[str(event["outcome"])].format(
        target=config.target_atr, bars=float(event["bars_to_outcome"] or 0), horizon=config.horizon)
    text = (f"{ticker} on {date}: {case_query(event)} {_measured(event)} {confirmations} of 3 confirmations. "
            f"Outcome: the price {outcome}.")
    return Passage(
        id=f"case:{ticker.replace('/', '-')}:{date}",
        text=text,
        key=case_query(event),
        source=SOURCE,
        metadata={"kind": "breakout_case", "ticker": ticker, "date": date, "direction": str(event["direction"]),
                  "outcome": str(event["outcome"]), "confirmations": confirmations, "decided_s": _seconds(decided)},
    )


def case_passages(frames: dict[str, pd.DataFrame] | None = None, config: ScanConfig | None = None) -> list[Passage]:
    """Every decided breakout in `frames` (default: the bundled real samples) as a case passage."""
    config = config or ScanConfig()
    frames = frames if frames is not None else {name: sample_ohlcv(name) for name in sample_names()}
    events = scan_many(frames, config, label=True)
    events = events[events["outcome"] != "open"]
    proof = evidence(events, config)
    confirmations = proof[["volume_confirmed", "close_confirmed", "strength_confirmed"]].sum(axis=1)
    ahead = events["bars_to_outcome"].fillna(config.horizon).to_numpy().astype(int)
    passages = []
    for (i, row), step in zip(events.iterrows(), ahead, strict=True):
        dates = frames[str(row["ticker"])].index
        decided = dates[min(int(row["index"]) + step, len(dates) - 1)]
        passages.append(case_passage(row, config, int(confirmations[i]), decided))
    return passages
