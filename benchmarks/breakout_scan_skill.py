"""Skill of `tristage breakout scan` on the years and tickers the model never saw, against its baselines.

Reads the events CSV the scan wrote over the data the model was fitted on, keeps the events of
the model's test period (dates from its `test_start`; later than every training and validation
event's outcome) with a decided outcome, and splits them into tickers seen in training and the
tickers held out of it (the fit's stable hash of the name). Each row: AUC (and that of the
confirmation count, the tool rule's ranking), Brier against always saying the training base rate,
accuracy against the training majority class and against the 2-of-3 evidence rule, F1 against
always saying true; overall and per direction. The issue's bars: AUC >= 0.68, Brier below the
base-rate Brier, accuracy >= majority + 4 points.

    tristage breakout scan --data sp500_2013_2018_daily.csv.gz --out events.csv
    python benchmarks/breakout_scan_skill.py --events events.csv [--model MODEL.json] [--holdout-share 0.2]
"""

from __future__ import annotations

import argparse

import pandas as pd

from assistants.market.fit import heldout_tickers
from assistants.market.scores import auc, probability_scores
from assistants.market.skill import load_model


def line(name: str, rows: pd.DataFrame, base_rate: dict[str, float], majority: bool) -> str:
    truth = rows["label"].astype(bool).to_numpy()
    s = probability_scores(truth, rows["probability"].to_numpy(), rows["direction"].map(base_rate).to_numpy(), majority)
    rule = float((rows["evidence_true"].astype(bool).to_numpy() == truth).mean())
    passed = s["auc"] >= 0.68 and s["brier"] < s["brier_base_rate"] and s["accuracy"] >= s["accuracy_majority"] + 0.04
    return (f"{name:<30} n={s['n']:>6,} true={s['true_share']:.3f} AUC={s['auc']:.3f} "
            f"(confirmation count {auc(truth, rows['confirmations'].to_numpy()):.3f}) "
            f"Brier={s['brier']:.4f} vs base rate {s['brier_base_rate']:.4f} "
            f"acc={s['accuracy']:.3f} vs majority {s['accuracy_majority']:.3f} ({s['accuracy'] - s['accuracy_majority']:+.3f}) "
            f"vs rule {rule:.3f}  F1={s['f1']:.3f} vs always-true {s['f1_always_true']:.3f}  "
            f"{'meets the bars' if passed else 'below a bar'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", required=True, help="the CSV `tristage breakout scan` wrote")
    parser.add_argument("--model", help="the model the scan used (default: the shipped one)")
    parser.add_argument("--holdout-share", type=float, default=0.2, help="the share the model was fitted with")
    args = parser.parse_args()
    model = load_model(args.model)
    splits = model.report["splits"]
    events = pd.read_csv(args.events, parse_dates=["date"], dtype={"ticker": str, "judgment": str})
    held = heldout_tickers(sorted(events["ticker"].unique()), args.holdout_share)
    if len(held) != splits["heldout_tickers"]:
        raise SystemExit(f"{len(held)} held-out tickers here, {splits['heldout_tickers']} when the model was fitted: "
                         "give the model's --holdout-share and scan the data it was fitted on")
    later = events[(events["date"] >= pd.Timestamp(splits["test_start"])) & events["label"].notna()]
    is_held = later["ticker"].isin(held)
    majority = str(model.report.get("majority_class")).lower() == "true"
    print(f"{len(events):,} events scanned; test period from {splits['test_start']} to {later['date'].max():%Y-%m-%d}: "
          f"{len(later):,} decided events, {int(is_held.sum()):,} on {len(held)} held-out tickers; "
          f"model {model.kind}, training base rates {model.base_rate}, majority class {majority}")
    for name, rows in (("later years, seen tickers", later[~is_held]), ("later years, held-out tickers", later[is_held])):
        print(line(name, rows, model.base_rate, majority))
        for direction, part in rows.groupby("direction"):
            print(line(f"  {direction}", part, model.base_rate, majority))


if __name__ == "__main__":
    main()
