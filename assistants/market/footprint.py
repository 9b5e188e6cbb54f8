"""Footprint bars (sell and buy volume per price, per bar) and BreakGPT's reading of them.

A footprint is a long DataFrame with columns `bar` (0-based order), `label` (the table number
as written), `price`, `sell`, `buy`. The last bar is the breakout bar; the earlier bars form the
range. The rules below are the ones BreakGPT's published labels follow: direction is where the
last bar leaves the prior range, the level is the prior extreme on that side, and the side is
read "at an angle" (sell at p against buy at p + one tick) at and beyond the level.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from stages.stage import BadInput

Direction = Literal["upward", "downward"]
Side = Literal["buyer", "seller"]

_TABLE = re.compile(r"Table\s*(\d+)\s*:?\s*Sell\s+Buy\s+Price\b", re.IGNORECASE)
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
COLUMNS = ["bar", "label", "price", "sell", "buy"]


def looks_like_footprint_text(text: str) -> bool:
    return _TABLE.search(text) is not None


def parse_footprint_text(text: str) -> pd.DataFrame:
    """BreakGPT's text format: `Table k: Sell Buy Price` then `sell buy price` triples.

    Text after the last triple (a question) is ignored; anything else malformed is a BadInput
    naming the table.
    """
    heads = list(_TABLE.finditer(text))
    if not heads:
        raise BadInput("No footprint found: expected tables like 'Table 1: Sell Buy Price 12 30 1001.25 ...'.")
    rows: list[tuple[int, int, float, float, float]] = []
    for i, head in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        tokens = text[head.end() : end].split()
        numbers: list[float] = []
        for token in tokens:
            if not _NUMBER.match(token):
                break
            numbers.append(float(token))
        if i + 1 < len(heads) and len(numbers) != len(tokens):
            raise BadInput(f"Footprint table {head.group(1)} has a non-numeric entry {tokens[len(numbers)]!r}.")
        if not numbers or len(numbers) % 3:
            raise BadInput(
                f"Footprint table {head.group(1)} has {len(numbers)} numbers; expected sell, buy, price triples."
            )
        triples = np.asarray(numbers).reshape(-1, 3)
        rows.extend((i, int(head.group(1)), price, sell, buy) for sell, buy, price in triples)
    return validate_footprint(pd.DataFrame(rows, columns=COLUMNS))


def load_footprint_csv(path: str | Path) -> pd.DataFrame:
    """A CSV with columns bar, price, sell, buy (names case-insensitive; sell_volume etc. accepted)."""
    try:
        frame = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise BadInput(f"Cannot read footprint CSV {Path(path).name}: {exc}") from exc
    return footprint_from_table(frame)


def footprint_from_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Map a table's columns (bar, price, sell[_volume], buy[_volume]) onto the footprint shape."""
    names = {c: re.sub(r"[^a-z]", "", str(c).lower()).removesuffix("volume") for c in frame.columns}
    renamed = frame.rename(columns=names)
    missing = {"bar", "price", "sell", "buy"} - set(renamed.columns)
    if missing:
        raise BadInput(f"Footprint table lacks columns: {', '.join(sorted(missing))}.")
    table = renamed[["bar", "price", "sell", "buy"]].apply(pd.to_numeric, errors="coerce")
    if table.isna().any().any():
        raise BadInput("Footprint table has missing or non-numeric values.")
    labels = table["bar"].astype(int)
    order = {label: i for i, label in enumerate(pd.unique(labels))}
    table = table.assign(label=labels, bar=labels.map(order)).sort_values(["bar", "price"], ascending=[True, False])
    return validate_footprint(table[COLUMNS].reset_index(drop=True))


def footprint_from_trades(
    trades: pd.DataFrame, bar_seconds: float | None = None, bar_size: int | None = None, tick: float | None = None
) -> pd.DataFrame:
    """Footprint bars from trade prints with columns time, price, size, side (buy/sell aggressor).

    Bars are cut by time (`bar_seconds`) or by count of prints (`bar_size`); prices are
    snapped to the tick grid (given, or inferred from the prices).
    """
    if (bar_seconds is None) == (bar_size is None):
        raise BadInput("Give exactly one of bar_seconds or bar_size.")
    cols = {c.lower(): c for c in trades.columns}
    missing = {"time", "price", "size", "side"} - set(cols)
    if missing:
        raise BadInput(f"Trade prints lack columns: {', '.join(sorted(missing))}.")
    if trades.empty:
        raise BadInput("No trade prints given.")
    prices = pd.to_numeric(trades[cols["price"]], errors="coerce").to_numpy(float)
    sizes = pd.to_numeric(trades[cols["size"]], errors="coerce").to_numpy(float)
    if np.isnan(prices).any() or np.isnan(sizes).any() or (sizes < 0).any():
        raise BadInput("Trade prints have missing, non-numeric or negative prices/sizes.")
    side = trades[cols["side"]].astype(str).str.lower().str[0].to_numpy()
    if not np.isin(side, ["b", "s"]).all():
        raise BadInput("Trade side must be buy or sell (the aggressor).")
    tick = tick or infer_tick(prices)
    if bar_seconds is not None:
        times = pd.to_datetime(trades[cols["time"]], errors="coerce")
        if times.isna().any():
            raise BadInput("Trade prints have unreadable times.")
        seconds = (times - times.min()).dt.total_seconds().to_numpy()
        bucket = (seconds // bar_seconds).astype(int)
    else:
        bucket = np.arange(len(trades)) // int(bar_size)  # type: ignore[arg-type]
    frame = pd.DataFrame(
        {
            "label": bucket,
            "price": np.round(np.round(prices / tick) * tick, 10),
            "sell": np.where(side == "s", sizes, 0.0),
            "buy": np.where(side == "b", sizes, 0.0),
        }
    )
    grouped = frame.groupby(["label", "price"], as_index=False)[["sell", "buy"]].sum()
    order = {label: i for i, label in enumerate(sorted(grouped["label"].unique()))}
    grouped["bar"] = grouped["label"].map(order)
    grouped = grouped.sort_values(["bar", "price"], ascending=[True, False])
    return validate_footprint(grouped[COLUMNS].reset_index(drop=True))


def validate_footprint(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        raise BadInput("The footprint has no rows.")
    values = frame[["price", "sell", "buy"]].to_numpy(float)
    if not np.isfinite(values).all():
        raise BadInput("The footprint has missing or infinite values.")
    if (values < 0).any():
        raise BadInput("The footprint has negative prices or volumes.")
    if frame.duplicated(["bar", "price"]).any():
        bar = int(frame.loc[frame.duplicated(["bar", "price"]), "label"].iloc[0])
        raise BadInput(f"Footprint table {bar} lists the same price twice.")
    return frame


def infer_tick(prices: np.ndarray) -> float:
    """The smallest positive step between distinct prices (rounded to 1e-8)."""
    unique = np.unique(np.round(np.asarray(prices, float), 8))
    steps = np.diff(unique)
    steps = steps[steps > 1e-9]
    if steps.size == 0:
        raise BadInput("Cannot infer the tick size from a single price; give it explicitly.")
    return float(np.round(steps.min(), 8))


class FootprintFacts(BaseModel):
    """What the tools read from a footprint; the model's answers are checked against these."""

    bars: int
    tick: float
    prior_high: float
    prior_low: float
    last_high: float
    last_low: float
    direction: Direction
    level: float
    side: Side
    sell_volume: float = Field(description="Sell volume at prices at or beyond the level")
    buy_volume: float = Field(description="Buy volume one tick above those prices")
    pairs: list[tuple[float, float, float]] = Field(description="(price, sell at price, buy at price + tick)")
    label: Literal["true", "false"]


def footprint_direction(frame: pd.DataFrame) -> Direction:
    """Where the last bar leaves the range of the earlier bars; BadInput when it does not."""
    extremes = _extremes(frame)
    up = extremes["last_high"] - extremes["prior_high"]
    down = extremes["prior_low"] - extremes["last_low"]
    if up <= 0 and down <= 0:
        raise BadInput(
            "The last footprint bar stays inside the range of the earlier bars "
            f"({extremes['prior_low']:g}–{extremes['prior_high']:g}): there is no breakout to judge."
        )
    if up == down:
        raise BadInput("The last footprint bar leaves the range on both sides by the same amount: no clear direction.")
    return "upward" if up > down else "downward"


def footprint_level(frame: pd.DataFrame, direction: Direction) -> float:
    """The prior high (upward) or prior low (downward) over all bars but the last."""
    extremes = _extremes(frame)
    return extremes["prior_high"] if direction == "upward" else extremes["prior_low"]


def footprint_side(
    frame: pd.DataFrame, direction: Direction, level: float, tick: float | None = None
) -> tuple[Side, float, float, list[tuple[float, float, float]]]:
    """Buyers or sellers stronger in the last bar at and beyond the level, read diagonally.

    Sell volume at p is set against buy volume at p + one tick, over prices p at or beyond the
    level (a missing price counts as zero); ties go to sellers (no buying pressure shown).
    """
    tick = tick or infer_tick(frame["price"].to_numpy())
    last = frame[frame["bar"] == frame["bar"].max()]
    ticks = np.round(last["price"].to_numpy(float) / tick).astype(np.int64)
    buy_by_tick = pd.Series(last["buy"].to_numpy(float), index=ticks)
    level_tick = round(level / tick)
    beyond = ticks >= level_tick if direction == "upward" else ticks <= level_tick
    sell = last["sell"].to_numpy(float)[beyond]
    buy = buy_by_tick.reindex(ticks[beyond] + 1, fill_value=0.0).to_numpy()
    prices = ticks[beyond] * tick
    pairs = [(round(float(p), 8), float(s), float(b)) for p, s, b in zip(prices, sell, buy, strict=True)]
    sell_sum, buy_sum = float(sell.sum()), float(buy.sum())
    return ("buyer" if buy_sum > sell_sum else "seller"), sell_sum, buy_sum, pairs


def breakout_label(direction: Direction, side: Side) -> Literal["true", "false"]:
    """True when the stronger side pushes the way the price broke out."""
    return "true" if (direction == "upward") == (side == "buyer") else "false"


def analyze_footprint(frame: pd.DataFrame, tick: float | None = None) -> FootprintFacts:
    """All deterministic facts of a footprint; BadInput when it cannot hold a breakout."""
    if frame["bar"].nunique() < 2:
        raise BadInput("The footprint has a single table: a breakout needs earlier bars to form the range.")
    tick = tick or infer_tick(frame["price"].to_numpy())
    direction = footprint_direction(frame)
    level = footprint_level(frame, direction)
    side, sell, buy, pairs = footprint_side(frame, direction, level, tick)
    return FootprintFacts(
        bars=int(frame["bar"].nunique()),
        tick=tick,
        **_extremes(frame),
        direction=direction,
        level=level,
        side=side,
        sell_volume=sell,
        buy_volume=buy,
        pairs=pairs,
        label=breakout_label(direction, side),
    )


def footprint_to_text(frame: pd.DataFrame) -> str:
    """The footprint back in BreakGPT's text format (for prompts and generated fixtures)."""
    parts = []
    for (_, label), table in frame.groupby(["bar", "label"], sort=True):
        triples = " ".join(f"{s:g} {b:g} {p:.2f}" for s, b, p in table[["sell", "buy", "price"]].to_numpy())
        parts.append(f"Table {label}: Sell Buy Price {triples}")
    return " ".join(parts)


def footprint_bars(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per bar: high, low, sell and buy totals (for charts and summaries)."""
    return frame.groupby("bar").agg(
        label=("label", "first"), high=("price", "max"), low=("price", "min"), sell=("sell", "sum"), buy=("buy", "sum")
    )


def _extremes(frame: pd.DataFrame) -> dict[str, float]:
    last_bar = frame["bar"].max()
    is_last = frame["bar"].to_numpy() == last_bar
    prices = frame["price"].to_numpy(float)
    if is_last.all():
        raise BadInput("The footprint has a single table: a breakout needs earlier bars to form the range.")
    return {
        "prior_high": float(prices[~is_last].max()),
        "prior_low": float(prices[~is_last].min()),
        "last_high": float(prices[is_last].max()),
        "last_low": float(prices[is_last].min()),
    }
