"""Scan throughput: breakout events, features, probability and labels over many tickers, in bars per second.

The baseline, measured in the same run over the same bars, is the bare numpy floor of any range
scan: a rolling max of highs and a rolling min of lows (sliding windows, no features, no
labels). Targets: the full screen (`score_events`: scan, features, confirmations, the calibrated
probability, forward labels) at 1M bars/s or more; the scan with labels within 3x of the floor. The scan itself
uses an O(n) rolling extreme (van Herk / Gil-Werman), also timed alone for reference.

    python benchmarks/breakout_scan.py [--tickers 500] [--bars 5000] [--window 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from assistants.market.breakouts import ScanConfig, rolling_extreme, scan_many
from assistants.market.screen import score_events
from assistants.market.skill import load_model
from assistants.market.synthetic import synthetic_ohlcv


def best_of(repeat: int, fn) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickers", type=int, default=500)
    parser.add_argument("--bars", type=int, default=5000)
    parser.add_argument("--window", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    frames = synthetic_ohlcv(args.tickers, args.bars, seed=0)
    total = args.tickers * args.bars
    high = np.stack([f["high"].to_numpy() for f in frames.values()])
    low = np.stack([f["low"].to_numpy() for f in frames.values()])

    def floor() -> tuple[np.ndarray, np.ndarray]:
        return sliding_window_view(high, args.window, axis=1).max(axis=2), sliding_window_view(
            low, args.window, axis=1).min(axis=2)

    def linear_floor() -> list[np.ndarray]:
        return [rolling_extreme(x, args.window, how) for row_h, row_l in zip(high, low, strict=True)
                for x, how in ((row_h, "max"), (row_l, "min"))]

    config = ScanConfig(window=args.window)
    base_s, _ = best_of(args.repeat, floor)
    linear_s, _ = best_of(args.repeat, linear_floor)
    features_s, events = best_of(args.repeat, lambda: scan_many(frames, config, label=False))
    full_s, labelled = best_of(args.repeat, lambda: scan_many(frames, config, label=True))
    model = load_model().model_copy(update={"scan": config})
    screen_s, scored = best_of(args.repeat, lambda: score_events(frames, model))
    print(f"data: {args.tickers} tickers x {args.bars} bars = {total:,} bars (synthetic random walks), window {args.window}")
    print(f"numpy rolling max+min floor : {base_s:7.3f} s  {total / base_s / 1e6:7.2f} M bars/s")
    print(f"O(n) rolling max+min (scan's): {linear_s:7.3f} s  {total / linear_s / 1e6:7.2f} M bars/s  (per ticker)")
    print(f"scan (events + features)    : {features_s:7.3f} s  {total / features_s / 1e6:7.2f} M bars/s  "
          f"ratio {features_s / base_s:.2f}x  ({len(events):,} events)")
    print(f"scan (+ forward labels)     : {full_s:7.3f} s  {total / full_s / 1e6:7.2f} M bars/s  "
          f"ratio {full_s / base_s:.2f}x  ({int(labelled['label'].notna().sum()):,} labelled)")
    print(f"screen (+ confirmations, probability): {screen_s:7.3f} s  {total / screen_s / 1e6:7.2f} M bars/s  "
          f"ratio {screen_s / base_s:.2f}x  ({len(scored):,} events scored)")
    print(f"target >= 1M bars/s for the screen: {'met' if total / screen_s >= 1e6 else 'missed'}; "
          f"scan + labels within 3x of the floor: {'met' if full_s / base_s <= 3 else 'missed'}")


if __name__ == "__main__":
    main()
