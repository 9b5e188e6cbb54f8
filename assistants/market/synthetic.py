"""Generated market data with known answers: footprints for tests, OHLCV panels for benchmarks."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from assistants.market.footprint import COLUMNS, validate_footprint


def synthetic_footprint(
    direction: Literal["upward", "downward"] = "upward",
    stronger: Literal["buyer", "seller"] = "buyer",
    bars: int = 6,
    tick: float = 0.25,
    base: float = 1000.0,
    seed: int = 0,
) -> pd.DataFrame:
    """A footprint whose last bar breaks `direction` out of a flat range with `stronger` dominant beyond it.

    The range bars span base .. base + 8 ticks; the breakout bar extends 3 ticks past the level
    on its side. Beyond the level the dominant side trades 3x the other (read diagonally).
    """
    rng = np.random.default_rng(seed)
    rows = []
    for bar in range(bars - 1):
        lo, hi = rng.integers(0, 2), 8 - rng.integers(0, 2)
        if bar == 0:
            lo, hi = 0, 8
        for t in range(hi, lo - 1, -1):
            rows.append((bar, bar + 1, base + t * tick, float(rng.integers(20, 200)), float(rng.integers(20, 200))))
    ticks = range(11, 4, -1) if direction == "upward" else range(3, -4, -1)
    level_tick = 8 if direction == "upward" else 0
    strong, weak = 300.0, 100.0
    for t in ticks:
        beyond = t >= level_tick if direction == "upward" else t <= level_tick
        sell = (weak if stronger == "buyer" else strong) if beyond else float(rng.integers(20, 200))
        buy_below = (strong if stronger == "buyer" else weak) if beyond else float(rng.integers(20, 200))
        rows.append((bars - 1, bars, base + t * tick, sell, buy_below))
    frame = pd.DataFrame(rows, columns=["bar", "label", "price", "sell", "buy"])
    # buy volume read diagonally sits one tick above the sell it is compared with
    last = frame["bar"] == bars - 1
    frame.loc[last, "buy"] = frame.loc[last, "buy"].shift(-1, fill_value=float(rng.integers(20, 200))).to_numpy()
    return validate_footprint(frame[COLUMNS])


def synthetic_ohlcv(tickers: int, bars: int, seed: int = 0, start: str = "2000-01-03") -> dict[str, pd.DataFrame]:
    """Random-walk daily bars (log-normal closes, realistic highs/lows, volumes) for `tickers` names."""
    rng = np.random.default_rng(seed)
    index = pd.bdate_range(start, periods=bars, name="date")
    returns = rng.normal(0, 0.015, size=(tickers, bars))
    close = 50.0 * np.exp(np.cumsum(returns, axis=1))
    open_ = np.concatenate([close[:, :1], close[:, :-1]], axis=1) * np.exp(rng.normal(0, 0.003, (tickers, bars)))
    spread = np.abs(rng.normal(0, 0.008, (tickers, bars))) * close
    high = np.maximum(open_, close) + spread
    low = np.minimum(open_, close) - spread
    volume = rng.lognormal(13, 0.4, (tickers, bars)).round()
    return {
        f"SYN{i:04d}": pd.DataFrame(
            {"open": open_[i], "high": high[i], "low": low[i], "close": close[i], "volume": volume[i]}, index=index
        )
        for i in range(tickers)
    }
