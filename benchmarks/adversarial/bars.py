"""Small daily OHLCV series with a known answer, built by construction for the adversarial questions.

Every series is a quiet range (closes near 100, highs and lows within about ±1.1) on business days from
2024-01-02; a shape then places a breakout bar (close 104 / 96 on triple volume) where its answer needs
it, so the expected answer follows from the shape, not from the tools being measured.
"""

from __future__ import annotations

import math
from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field

Shape = Literal["flat", "last_up", "last_down", "earlier_up", "no_volume_last_up"]
START = "2024-01-02"
RANGE_HIGH_MAX = 101.2  # no quiet bar reaches above this
RANGE_LOW_MIN = 98.8


class BarsSpec(BaseModel):
    shape: Shape
    bars: int = Field(60, ge=30, le=400)
    breakout_at: int = Field(-1, description="bar index of the breakout for 'earlier_up' (negative: from the end)")


def _quiet(i: int) -> tuple[float, float, float, float, float]:
    close = 100.0 + 0.7 * math.sin(i * 0.9) + 0.2 * math.cos(i * 2.3)
    open_ = 100.0 + 0.7 * math.sin((i - 1) * 0.9) + 0.2 * math.cos((i - 1) * 2.3)
    return open_, max(open_, close) + 0.25, min(open_, close) - 0.25, close, 1_000_000 + 50_000 * math.sin(i * 1.7)


def _breakout(up: bool) -> tuple[float, float, float, float, float]:
    return (100.9, 104.3, 100.7, 104.0, 3_200_000) if up else (99.1, 99.3, 95.7, 96.0, 3_200_000)


def build_bars(spec: BarsSpec) -> pd.DataFrame:
    rows = [_quiet(i) for i in range(spec.bars)]
    if spec.shape in ("last_up", "no_volume_last_up"):
        rows[-1] = _breakout(up=True)
    elif spec.shape == "last_down":
        rows[-1] = _breakout(up=False)
    elif spec.shape == "earlier_up":
        at = spec.breakout_at % spec.bars
        rows[at] = _breakout(up=True)
    frame = pd.DataFrame(rows, columns=["open", "high", "low", "close", "volume"],
                         index=pd.bdate_range(START, periods=spec.bars, name="date")).round(2)
    if spec.shape == "no_volume_last_up":
        frame = frame.drop(columns="volume")
    return frame


def bars_csv(spec: BarsSpec) -> str:
    return build_bars(spec).to_csv(date_format="%Y-%m-%d")


def dates(spec: BarsSpec) -> list[str]:
    return [f"{d:%Y-%m-%d}" for d in pd.bdate_range(START, periods=spec.bars)]
