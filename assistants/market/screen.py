"""Score every breakout of many tickers: features, confirmations, probability, call and outcome.

One vectorised pass (`scan_many`, `evidence`, `BreakoutModel.probability`) over all tickers.
The call is the calibrated one (probability >= 0.5); the confirmations are kept as its
explanation. The outcome columns are filled only where later bars decided it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from assistants.market.breakouts import evidence, scan_many
from assistants.market.skill import BreakoutModel
from stages.atomic import atomic_path

CONFIRMATIONS = ["volume_confirmed", "close_confirmed", "strength_confirmed"]


def score_events(frames: dict[str, pd.DataFrame], model: BreakoutModel) -> pd.DataFrame:
    """Every event of `frames` with its probability of being true, the call and the realised label."""
    events = scan_many(frames, model.scan, label=True)
    proof = evidence(events, model.scan)
    events = pd.concat([events, proof], axis=1)
    events["confirmations"] = proof[CONFIRMATIONS].sum(axis=1).astype(np.int64)
    events["probability"] = model.probability(events)
    events["base_rate"] = model.base_rates(events)
    events["judgment"] = np.where(events["probability"] >= 0.5, "true", "false")
    lengths = pd.Series({name: len(f) for name, f in frames.items()})
    events["last_bar"] = events["index"].to_numpy() == events["ticker"].map(lengths).to_numpy(np.int64) - 1
    return events


def last_bar_ranking(events: pd.DataFrame) -> pd.DataFrame:
    """Breakouts on each ticker's last bar, most probably true first."""
    today = events[events["last_bar"]]
    return today.sort_values(["probability", "ticker"], ascending=[False, True]).reset_index(drop=True)


def write_csv(table: pd.DataFrame, path: Path) -> Path:
    with atomic_path(path) as temp:
        table.to_csv(temp, index=False, float_format="%.6g", date_format="%Y-%m-%d")
    return path
