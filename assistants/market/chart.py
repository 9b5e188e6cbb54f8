"""Charts of a breakout reply's `result["chart"]`: plotly for the UI, matplotlib PNG for files.

OHLCV: candlesticks, the range (box over its bars), the level, the breakout bar, volume below.
Footprint: each bar's price span, the level and the prior range, sell and buy volume below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stages.atomic import atomic_path
from stages.stage import BadInput

_UP, _DOWN, _LEVEL, _RANGE = "#26a69a", "#ef5350", "#1f4e9c", "rgba(31,78,156,0.12)"


def _chart(result: dict[str, Any]) -> dict[str, Any]:
    chart = result.get("chart")
    if not chart or not chart.get("bars"):
        raise BadInput("The result carries no chart data (no breakout was found).")
    return chart


def plotly_figure(result: dict[str, Any]) -> Any:
    """An interactive figure (plotly.graph_objects.Figure) of the breakout."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    chart = _chart(result)
    bars = chart["bars"]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.75, 0.25], vertical_spacing=0.03)
    b = chart["breakout_index"]
    if chart["kind"] == "ohlcv":
        x = [bar["date"] for bar in bars]
        fig.add_trace(go.Candlestick(x=x, open=[r["open"] for r in bars], high=[r["high"] for r in bars],
                                     low=[r["low"] for r in bars], close=[r["close"] for r in bars], name="price",
                                     increasing_line_color=_UP, decreasing_line_color=_DOWN), row=1, col=1)
        colors = [_LEVEL if i == b else "#9e9e9e" for i in range(len(bars))]
        fig.add_trace(go.Bar(x=x, y=[r["volume"] or 0 for r in bars], marker_color=colors, name="volume"), row=2, col=1)
        x0 = x[max(0, chart["range_start"])]
    else:
        x = [f"T{bar['label']}" for bar in bars]
        fig.add_trace(go.Bar(x=x, y=[r["high"] - r["low"] for r in bars], base=[r["low"] for r in bars],
                             marker_color=[_LEVEL if i == b else "#9e9e9e" for i in range(len(bars))],
                             name="price span"), row=1, col=1)
        fig.add_trace(go.Bar(x=x, y=[r["sell"] for r in bars], name="sell", marker_color=_DOWN), row=2, col=1)
        fig.add_trace(go.Bar(x=x, y=[r["buy"] for r in bars], name="buy", marker_color=_UP), row=2, col=1)
        x0 = x[0]
    fig.add_shape(type="rect", x0=x0, x1=x[b - 1] if b > 0 else x[0], y0=chart["range_low"], y1=chart["range_high"],
                  fillcolor=_RANGE, line_width=0, row=1, col=1)
    fig.add_hline(y=chart["level"], line_color=_LEVEL, line_dash="dash", row=1, col=1,
                  annotation_text=f"level {chart['level']:g}")
    fig.add_vline(x=x[b], line_color=_LEVEL, line_dash="dot")
    fig.update_layout(title=f"{chart['title']} → {chart['judgment']} breakout", xaxis_rangeslider_visible=False,
                      showlegend=False, height=560, margin={"l": 40, "r": 20, "t": 50, "b": 30})
    return fig


def save_png(result: dict[str, Any], path: Path) -> Path:
    """Draw the breakout with matplotlib (Agg) and write it atomically to `path`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    chart = _chart(result)
    bars = chart["bars"]
    b = chart["breakout_index"]
    fig, (ax, vol) = plt.subplots(2, 1, sharex=True, figsize=(10, 6), gridspec_kw={"height_ratios": [3, 1]})
    xs = range(len(bars))
    if chart["kind"] == "ohlcv":
        for i, r in zip(xs, bars, strict=True):
            color = _UP if r["close"] >= r["open"] else _DOWN
            ax.vlines(i, r["low"], r["high"], color=color, linewidth=1)
            ax.add_patch(Rectangle((i - 0.35, min(r["open"], r["close"])), 0.7,
                                   max(abs(r["close"] - r["open"]), 1e-12), color=color))
        vol.bar(xs, [r["volume"] or 0 for r in bars], color=[_LEVEL if i == b else "#9e9e9e" for i in xs])
        start = max(0, chart["range_start"])
        labels = [r["date"][:10] for r in bars]
    else:
        ax.bar(xs, [r["high"] - r["low"] for r in bars], bottom=[r["low"] for r in bars], width=0.6,
               color=[_LEVEL if i == b else "#9e9e9e" for i in xs])
        vol.bar([i - 0.2 for i in xs], [r["sell"] for r in bars], width=0.4, color=_DOWN, label="sell")
        vol.bar([i + 0.2 for i in xs], [r["buy"] for r in bars], width=0.4, color=_UP, label="buy")
        vol.legend(loc="upper left", fontsize=8)
        start = 0
        labels = [f"T{r['label']}" for r in bars]
    ax.add_patch(Rectangle((start - 0.5, chart["range_low"]), b - start, chart["range_high"] - chart["range_low"],
                           color=_LEVEL, alpha=0.12, linewidth=0))
    ax.axhline(chart["level"], color=_LEVEL, linestyle="--", linewidth=1, label=f"level {chart['level']:g}")
    ax.axvline(b, color=_LEVEL, linestyle=":", linewidth=1)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(f"{chart['title']} → {chart['judgment']} breakout")
    low, high = min(r["low"] for r in bars), max(r["high"] for r in bars)
    pad = (high - low) * 0.05 or abs(high) * 0.01 or 1.0
    ax.set_ylim(low - pad, high + pad)
    step = max(1, len(bars) // 10)
    vol.set_xticks(list(xs)[::step], labels[::step], rotation=30, fontsize=7)
    vol.set_ylabel("volume")
    fig.tight_layout()
    try:
        with atomic_path(path) as temp:
            fig.savefig(temp, format="png", dpi=110)
    finally:
        plt.close(fig)
    return path
