"""The bars a question is about: the asked period within the data, and the look-back a scan needs before it.

A scan can judge a bar only with the range and ATR of the bars before it, so the frame handed to the
scan starts `lookback` bars before the period; events on those bars are not the period's. Whatever part
of the period the data does not reach is named, so a reply says it is not covered instead of answering
from other bars.
"""

from __future__ import annotations

import pandas as pd
from pydantic import BaseModel, Field

from assistants.market.periods import Period


class Scope(BaseModel):
    """The asked span within one series of bars."""

    period: Period | None = Field(None, description="the asked period with its days fixed (None: all the bars)")
    data_first: str
    data_last: str
    first: str | None = Field(None, description="the first bar inside the period")
    last: str | None = Field(None, description="the last bar inside the period")
    bars: int = 0
    lookback: int = Field(0, description="bars before `first` in the scanned frame, there only for the scan")
    missing: list[str] = Field(default_factory=list, description="parts of the period the bars do not reach")

    @property
    def covered(self) -> bool:
        return self.bars > 0

    def words(self) -> str:
        """The asked span as a reply names it: 'in March 2011 (2011-03-01 to 2011-03-31)' or 'in the data'."""
        return "in the data" if self.period is None else self.period.phrase()


def _day(stamp: pd.Timestamp) -> str:
    return f"{stamp:%Y-%m-%d}"


def scope_of(bars: pd.DataFrame, period: Period | None, lookback: int) -> tuple[pd.DataFrame, Scope]:
    """The frame to scan (the period's bars with up to `lookback` bars before them) and its scope."""
    index = bars.index
    data = {"data_first": _day(index[0]), "data_last": _day(index[-1])}
    if period is None:
        return bars, Scope(**data, first=_day(index[0]), last=_day(index[-1]), bars=len(bars))
    period = period.resolved(index)
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    days = index.normalize()
    inside = (days >= start) & (days <= end)
    missing = _missing(start, end, days[0], days[-1])
    if not inside.any():
        return bars.iloc[:0], Scope(**data, period=period, missing=missing)
    positions = inside.nonzero()[0]
    first, last = int(positions[0]), int(positions[-1])
    begin = max(0, first - lookback)
    return bars.iloc[begin: last + 1], Scope(**data, period=period, first=_day(index[first]), last=_day(index[last]),
                                             bars=last - first + 1, lookback=first - begin, missing=missing)


def _missing(start: pd.Timestamp, end: pd.Timestamp, first: pd.Timestamp, last: pd.Timestamp) -> list[str]:
    """Weekdays of the period before the first bar or after the last one."""
    parts = []
    before = pd.bdate_range(start, min(end, first - pd.Timedelta(days=1)))
    if len(before):
        parts.append(f"{_day(before[0])} to {_day(before[-1])} (before the first bar, {_day(first)})")
    after = pd.bdate_range(max(start, last + pd.Timedelta(days=1)), end)
    if len(after):
        parts.append(f"{_day(after[0])} to {_day(after[-1])} (after the last bar, {_day(last)})")
    return parts
