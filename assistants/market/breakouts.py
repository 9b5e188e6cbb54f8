"""Trading ranges, breakout events, confirmation features and forward labels on OHLCV bars.

Everything runs on numpy arrays over one long, concatenated series with a group id per bar,
so one ticker and five hundred tickers take the same code path and no per-bar Python loop.
The range at bar i is the `window` bars before i (it excludes bar i, or no close could ever
leave it). Features use only bars up to the event; labels and the retest look forward.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from pydantic import BaseModel, Field

from stages.stage import BadInput

FEATURES = ["width_atr", "touches", "volume_ratio", "close_location", "gap_atr", "atr_multiple"]


class ScanConfig(BaseModel):
    """How ranges, breakouts and their outcomes are defined (all distances in ATRs)."""

    window: int = Field(20, ge=2, le=1000, description="Bars before the current one that form the range")
    atr_period: int = Field(14, ge=1, le=1000, description="Bars in the average true range (prior bars only)")
    threshold_atr: float = Field(0.0, ge=0, description="Close must exceed the level by this many ATRs")
    touch_atr: float = Field(0.25, ge=0, description="A range bar within this many ATRs of the level touches it")
    horizon: int = Field(20, ge=1, le=1000, description="Forward bars in which the outcome is decided")
    target_atr: float = Field(2.0, gt=0, description="Move beyond the level that makes a breakout true")
    volume_ratio_min: float = Field(1.5, gt=0, description="Volume-confirmation rule: volume vs range average")
    close_location_min: float = Field(0.7, ge=0, le=1, description="Close in the outer part of the bar")
    strength_atr_min: float = Field(0.5, ge=0, description="Close beyond the level by this many ATRs")

    @property
    def warmup(self) -> int:
        return max(self.window, self.atr_period)


class _Panel(BaseModel):
    """Concatenated arrays of one or more frames."""

    model_config = {"arbitrary_types_allowed": True}

    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    pos: np.ndarray  # position of each bar inside its frame
    end: np.ndarray  # index one past the last bar of each bar's frame
    dates: np.ndarray
    group: np.ndarray


def _panel(frames: list[pd.DataFrame]) -> _Panel:
    lengths = np.array([len(f) for f in frames], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    group = np.repeat(np.arange(len(frames)), lengths)
    columns = ["open", "high", "low", "close", "volume"]
    stacked = np.concatenate(
        [f.to_numpy(np.float64) if list(f.columns) == columns else f[columns].to_numpy(np.float64) for f in frames]
    )
    return _Panel(
        **{c: np.ascontiguousarray(stacked[:, i]) for i, c in enumerate(columns)},
        pos=np.arange(lengths.sum()) - starts[group],
        end=(starts + lengths)[group],
        dates=np.concatenate([f.index.to_numpy() for f in frames]),
        group=group,
    )


def rolling_extreme(x: np.ndarray, window: int, how: Literal["max", "min"]) -> np.ndarray:
    """Extreme of x over each `window` values ending at i (NaN before), in O(n).

    Van Herk / Gil-Werman: cut x into blocks of `window`; the extreme of any window is that of a
    suffix of one block and a prefix of the next, both running accumulations.
    """
    ufunc = np.maximum if how == "max" else np.minimum
    n = x.size
    out = np.full(n, np.nan)
    if n < window:
        return out
    fill = -np.inf if how == "max" else np.inf
    blocks = np.concatenate([x, np.full(-n % window, fill)]).reshape(-1, window)
    prefix = ufunc.accumulate(blocks, axis=1).ravel()
    suffix = ufunc.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    out[window - 1 :] = ufunc(suffix[: n - window + 1], prefix[window - 1 : n])
    return out


def _prior_rolling(x: np.ndarray, window: int, how: Literal["max", "min"]) -> np.ndarray:
    """Extreme of x over the `window` values before each index (NaN where fewer exist)."""
    out = np.full(x.shape, np.nan)
    out[window:] = rolling_extreme(x, window, how)[window - 1 : -1]
    return out


def _prior_mean(x: np.ndarray, window: int) -> np.ndarray:
    """Mean of x over the `window` values before each index."""
    out = np.full(x.shape, np.nan)
    csum = np.concatenate([[0.0], np.cumsum(x)])
    out[window:] = (csum[window:-1] - csum[:-window - 1]) / window
    return out


def _true_range(p: _Panel) -> np.ndarray:
    prev_close = np.concatenate([[np.nan], p.close[:-1]])
    prev_close[p.pos == 0] = np.nan
    return np.fmax(p.high - p.low, np.fmax(np.abs(p.high - prev_close), np.abs(p.low - prev_close)))


def _ranges(p: _Panel, config: ScanConfig) -> dict[str, np.ndarray]:
    high = _prior_rolling(p.high, config.window, "max")
    low = _prior_rolling(p.low, config.window, "min")
    high[p.pos < config.window] = np.nan
    low[p.pos < config.window] = np.nan
    atr = _prior_mean(_true_range(p), config.atr_period)
    atr[p.pos < config.atr_period] = np.nan
    return {"range_high": high, "range_low": low, "atr": atr}


def _check_length(frames: dict[str, pd.DataFrame], config: ScanConfig) -> None:
    short = {name: len(f) for name, f in frames.items() if len(f) <= config.warmup}
    if short and len(short) == len(frames):
        name, n = next(iter(short.items()))
        raise BadInput(
            f"{name} has {n} bars; a breakout needs more than {config.warmup} "
            f"(range window {config.window}, ATR period {config.atr_period})."
        )


def trading_range(frame: pd.DataFrame, window: int = 20) -> pd.DataFrame:
    """The high and low of the `window` bars before each bar (NaN during the first `window`)."""
    p = _panel([frame])
    return pd.DataFrame(
        {
            "range_high": np.where(p.pos >= window, _prior_rolling(p.high, window, "max"), np.nan),
            "range_low": np.where(p.pos >= window, _prior_rolling(p.low, window, "min"), np.nan),
        },
        index=frame.index,
    )


def _events(p: _Panel, config: ScanConfig) -> pd.DataFrame:
    r = _ranges(p, config)
    atr, hi, lo = r["atr"], r["range_high"], r["range_low"]
    valid = (p.pos >= config.warmup) & (atr > 0)
    with np.errstate(invalid="ignore"):
        up = valid & (p.close > hi + config.threshold_atr * atr)
        down = valid & (p.close < lo - config.threshold_atr * atr)
    prev_up = np.concatenate([[False], up[:-1]]) & (p.pos > 0)
    prev_down = np.concatenate([[False], down[:-1]]) & (p.pos > 0)
    idx = np.flatnonzero((up & ~prev_up) | (down & ~prev_down))
    sign = np.where(up[idx], 1.0, -1.0)
    level = np.where(sign > 0, hi[idx], lo[idx])
    a = atr[idx]
    w = config.window
    tolerance = config.touch_atr * a
    up_event = sign > 0
    touches = np.zeros(idx.size, dtype=np.int64)
    touches[up_event] = (sliding_window_view(p.high, w)[idx[up_event] - w]
                         >= (level - tolerance)[up_event, None]).sum(axis=1)
    touches[~up_event] = (sliding_window_view(p.low, w)[idx[~up_event] - w]
                          <= (level + tolerance)[~up_event, None]).sum(axis=1)
    volume = np.nan_to_num(p.volume)
    avg_volume = _prior_mean(volume, w)[idx]
    bar_range = p.high[idx] - p.low[idx]
    with np.errstate(invalid="ignore", divide="ignore"):
        volume_ratio = np.where(avg_volume > 0, volume[idx] / avg_volume, np.nan)
        up_location = np.where(bar_range > 0, (p.close[idx] - p.low[idx]) / bar_range, 0.5)
    prev_close = p.close[idx - 1]
    return pd.DataFrame(
        {
            "group": p.group[idx],
            "index": p.pos[idx],
            "date": p.dates[idx],
            "direction": pd.Categorical.from_codes((sign < 0).astype(np.int8), ["upward", "downward"]),
            "level": level,
            "range_high": hi[idx],
            "range_low": lo[idx],
            "close": p.close[idx],
            "atr": a,
            "width_atr": (hi[idx] - lo[idx]) / a,
            "touches": touches,
            "volume_ratio": volume_ratio,
            "close_location": np.where(sign > 0, up_location, 1.0 - up_location),
            "gap_atr": sign * (p.open[idx] - prev_close) / a,
            "atr_multiple": sign * (p.close[idx] - level) / a,
            "_row": idx,
        }
    )


def _label(p: _Panel, events: pd.DataFrame, config: ScanConfig) -> pd.DataFrame:
    """First hit of the target vs first close back inside the range, within `horizon` bars."""
    k = config.horizon
    rows = events["_row"].to_numpy()
    out = events.copy()
    if rows.size == 0:
        return out.assign(outcome=pd.Series(dtype=object), bars_to_outcome=pd.Series(dtype=float),
                          label=pd.Series(dtype="boolean"), retest=pd.Series(dtype="boolean"))
    up = events["direction"].to_numpy() == "upward"
    sign = np.where(up, 1.0, -1.0)[:, None]

    def forward(values: np.ndarray) -> np.ndarray:
        return sliding_window_view(np.concatenate([values, np.full(k, np.nan)]), k)

    def signed(for_up: np.ndarray, for_down: np.ndarray) -> np.ndarray:
        """Forward windows in the breakout's direction: up events as is, down events negated."""
        window = np.empty((rows.size, k))
        window[up] = forward(for_up)[rows[up] + 1]
        window[~up] = -forward(for_down)[rows[~up] + 1]
        return window

    available = np.minimum(k, p.end[rows] - rows - 1)
    inside = np.arange(k)[None, :] < available[:, None]
    level = sign * events["level"].to_numpy()[:, None]
    atr = events["atr"].to_numpy()[:, None]
    with np.errstate(invalid="ignore"):
        hit = inside & (signed(p.high, p.low) >= level + config.target_atr * atr)
        failed = inside & (signed(p.close, p.close) < level)
        retest_bar = inside & (signed(p.low, p.high) <= level + config.touch_atr * atr)
    first_hit = np.where(hit.any(axis=1), hit.argmax(axis=1), k)
    first_fail = np.where(failed.any(axis=1), failed.argmax(axis=1), k)
    # A bar that both reaches the target and closes back inside counts as a failure.
    win = first_hit < first_fail
    decided = (first_hit < k) | (first_fail < k)
    codes = np.select([win, decided, available >= k], [0, 1, 2], 3)
    is_open = codes == 3
    stop = np.minimum(first_fail, k)
    retest = (retest_bar & (np.arange(k)[None, :] < stop[:, None])).any(axis=1)
    out["outcome"] = pd.Categorical.from_codes(codes, ["target", "failed", "timeout", "open"])
    out["bars_to_outcome"] = np.where(decided, np.minimum(first_hit, first_fail) + 1.0, np.nan)
    out["label"] = pd.arrays.BooleanArray(win, is_open)
    out["retest"] = pd.arrays.BooleanArray(retest, is_open)
    return out


def _finish(events: pd.DataFrame) -> pd.DataFrame:
    events = events.drop(columns=["_row"])
    events["date"] = pd.to_datetime(events["date"])
    return events.reset_index(drop=True)


def scan_breakouts(frame: pd.DataFrame, config: ScanConfig | None = None, label: bool = False) -> pd.DataFrame:
    """Breakout events of one OHLCV frame with their features (and forward labels if asked)."""
    return scan_many({"data": frame}, config, label=label).drop(columns=["ticker"])


def scan_many(
    frames: dict[str, pd.DataFrame], config: ScanConfig | None = None, label: bool = True
) -> pd.DataFrame:
    """One table of events over many tickers: features, and labels unless `label` is False."""
    config = config or ScanConfig()
    if not frames:
        raise BadInput("No data to scan.")
    _check_length(frames, config)
    names = list(frames)
    p = _panel([frames[n] for n in names])
    events = _events(p, config)
    if label:
        events = _label(p, events, config)
    events.insert(0, "ticker", pd.Categorical.from_codes(events.pop("group").to_numpy(), names))
    return _finish(events)


def label_events(frame: pd.DataFrame, events: pd.DataFrame, config: ScanConfig | None = None) -> pd.DataFrame:
    """Forward labels for events found in `frame` (by their `index` column)."""
    config = config or ScanConfig()
    p = _panel([frame])
    rows = events.assign(_row=events["index"].to_numpy(np.int64))
    return _label(p, rows, config).drop(columns=["_row"])


def evidence(events: pd.DataFrame, config: ScanConfig | None = None) -> pd.DataFrame:
    """Which confirmations each event shows, and the call they support (2 of 3 → true)."""
    config = config or ScanConfig()
    table = pd.DataFrame(
        {
            "volume_confirmed": events["volume_ratio"].fillna(0) >= config.volume_ratio_min,
            "close_confirmed": events["close_location"] >= config.close_location_min,
            "strength_confirmed": events["atr_multiple"] >= config.strength_atr_min,
        },
        index=events.index,
    )
    table["evidence_true"] = table.sum(axis=1) >= 2
    return table


def volume_rule(events: pd.DataFrame, config: ScanConfig | None = None) -> pd.Series:
    """The volume-confirmation baseline: a breakout on above-average volume is called true."""
    config = config or ScanConfig()
    return events["volume_ratio"].fillna(0) >= config.volume_ratio_min
