"""The market tools as LangChain tools, for agents that call them directly."""

from __future__ import annotations

from typing import Any

from assistants.market.breakouts import ScanConfig, evidence, scan_breakouts
from assistants.market.footprint import analyze_footprint, parse_footprint_text
from assistants.market.samples import resolve_sample, sample_ohlcv
from assistants.market.yahoo import fetch_yfinance
from stages.stage import BadInput


def read_footprint(tables: str) -> dict[str, Any]:
    """Read BreakGPT-style footprint tables ('Table 1: Sell Buy Price ...'): breakout direction, level,
    sell vs buy volume at and beyond the level (read diagonally), stronger side and true/false label."""
    return analyze_footprint(parse_footprint_text(tables)).model_dump()


def find_breakouts(
    ticker: str, start: str | None = None, end: str | None = None, window: int = 20, last: int = 5
) -> list[dict[str, Any]]:
    """Trading-range breakouts of a ticker or bundled sample between start and end (YYYY-MM-DD):
    date, direction, level, confirmation features and whether the evidence supports a true breakout."""
    if resolve_sample(ticker):
        bars = sample_ohlcv(ticker).loc[start:end]
    else:
        if not (start and end):
            raise BadInput("give start and end dates for a ticker that is not a bundled sample")
        bars = fetch_yfinance(ticker, start, end)
    config = ScanConfig(window=window)
    events = scan_breakouts(bars, config)
    table = events.join(evidence(events, config)).tail(last)
    table["date"] = table["date"].dt.strftime("%Y-%m-%d")
    return table.round(4).to_dict(orient="records")


def market_tools() -> list[Any]:
    """`read_footprint` and `find_breakouts` as LangChain StructuredTools."""
    from langchain_core.tools import StructuredTool

    return [StructuredTool.from_function(read_footprint), StructuredTool.from_function(find_breakouts)]
