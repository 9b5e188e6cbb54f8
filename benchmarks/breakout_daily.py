"""Breakout judgments on real daily bars (bokeh-sampledata AAPL, IBM, MSFT, GOOG, 2000–2013).

Events come from the scan with forward labels (true = the target, 2 ATR beyond the level, is
hit before a close back inside the range, within 20 bars). Split by time with no look-ahead:
train before 2010 (events whose outcome window reaches into 2010 are dropped), test from 2010.
Scored on the test events (positive class: true breakout):

- majority class of the training events (the baseline of this run),
- the volume-confirmation rule (volume >= 1.5x the range average),
- tristage's deterministic evidence call (2 of 3: volume, close location, strength) — a tool rule,
- the shipped calibrated model (P(true) >= 0.5; fitted on S&P 500 bars of 2013–2018, so these
  tickers and years are all out of its sample) — AUC and Brier against the training base rate too,
- the embedded language model alone, one prompt with the bars (on a seeded subset of test events),
- the tristage pipeline (S1 → S2 → S3, checked) on the same subset, given only bars up to the event:
  its call is the calibrated model's; the language model's own S3 answer is scored on its own row,
- stability: the same input several times → the same judgment.

    python benchmarks/breakout_daily.py [--subset 12] [--seed 0] [--stability 1] [--repeats 5] [--no-model]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np
import pandas as pd
from breakout_common import breakout_backend, row, scores

from assistants.market import chains
from assistants.market.answers import parse_judgment
from assistants.market.assistant import BreakoutAssistant
from assistants.market.breakouts import ScanConfig, evidence, scan_many, volume_rule
from assistants.market.prompts import load_pack
from assistants.market.scores import auc, brier
from assistants.market.skill import load_model
from assistants.market.samples import sample_ohlcv
from stages.backends.base import Backend, GenerationParams
from stages.messages import Attachment, Message, ask
from stages.pipeline import Pipeline

TICKERS = ("AAPL", "IBM", "MSFT", "GOOG")
SPLIT = pd.Timestamp("2010-01-01")
CONTEXT_BARS = 60


def events_with_labels(config: ScanConfig) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.DataFrame]:
    frames = {t: sample_ohlcv(f"bokeh/{t}") for t in TICKERS}
    events = scan_many(frames, config)
    events = events[events["label"].notna()].reset_index(drop=True)
    embargo = SPLIT - pd.tseries.offsets.BDay(config.horizon + 1)
    train = events[events["date"] < embargo].reset_index(drop=True)
    test = events[events["date"] >= SPLIT].reset_index(drop=True)
    return frames, train, test


def bars_until(frames: dict[str, pd.DataFrame], event: pd.Series) -> pd.DataFrame:
    """The bars a judge may see: up to and including the breakout bar, nothing after."""
    i = int(event["index"])
    return frames[event["ticker"]].iloc[max(0, i - CONTEXT_BARS + 1) : i + 1]


def model_alone(backend: Backend, bars: pd.DataFrame, name: str, window: int) -> bool | None:
    pack = load_pack("tristage")
    prompt = pack.render("ohlcv_single", name=name, window=window, table=chains.bars_table(bars.iloc[-window - 1 :]))
    messages = [Message(role="system", content=pack.system), Message(role="user", content=prompt)]
    judgment = parse_judgment(backend.complete(messages, GenerationParams(max_tokens=128, temperature=0.0)).text)
    return None if judgment is None else judgment == "true"


def chain(pipeline: Pipeline, bars: pd.DataFrame, name: str) -> tuple[bool | None, bool | None, str]:
    """The pipeline's call (the calibrated model's), the language model's own S3 call, and the status."""
    text = bars.to_csv(index_label="date")
    reply = pipeline.run(ask(f"Is the last breakout of {name} true or false?",
                             attachments=[Attachment(kind="text", name=name, text=text)]))
    judgment, own = reply.result.get("judgment"), reply.result.get("model_judgment")
    return (None if judgment is None else judgment == "true"), (None if own is None else own == "true"), reply.status.value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subset", type=int, default=12, help="test events for the model parts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--stability", type=int, default=1, help="events for the stability check")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-model", action="store_true")
    args = parser.parse_args()
    config = ScanConfig()
    frames, train, test = events_with_labels(config)
    truth = test["label"].astype(bool).tolist()
    majority = bool(train["label"].astype(bool).mean() >= 0.5)
    print(f"events with labels: train {len(train)} (< 2010, {train['label'].astype(bool).mean():.1%} true), "
          f"test {len(test)} (>= 2010, {test['label'].astype(bool).mean():.1%} true); "
          f"outcomes in test: {dict(Counter(test['outcome'].astype(str)))}")
    print(row(f"majority class ({'true' if majority else 'false'})", scores(truth, [majority] * len(test))))
    print(row("volume-confirmation rule", scores(truth, volume_rule(test, config).tolist())))
    print(row("tool rule: evidence call (2 of 3)", scores(truth, evidence(test, config)["evidence_true"].tolist())))
    model = load_model()
    probability = model.probability(test)
    print(row("calibrated model (P >= 0.5)", scores(truth, (probability >= 0.5).tolist())) +
          f"  AUC {auc(np.array(truth), probability):.3f}, Brier {brier(np.array(truth), probability):.4f} vs "
          f"base rate {brier(np.array(truth), np.full(len(test), train['label'].astype(bool).mean())):.4f}")
    if args.no_model:
        return

    picks = np.sort(np.random.default_rng(args.seed).choice(len(test), size=min(args.subset, len(test)), replace=False))
    subset = test.iloc[picks]
    sub_truth = [truth[i] for i in picks]
    backend, load_s = breakout_backend()
    print(f"\nbackend {backend.name}/{backend.model} (loaded in {load_s:.1f} s); "
          f"model parts on {len(subset)} test events drawn with seed {args.seed}")
    print(row("  majority class on the subset", scores(sub_truth, [majority] * len(subset))))
    print(row("  evidence call on the subset", scores(sub_truth, evidence(subset, config)["evidence_true"].tolist())))
    started = time.perf_counter()
    alone = [model_alone(backend, bars_until(frames, e), e["ticker"], config.window) for _, e in subset.iterrows()]
    alone_s = (time.perf_counter() - started) / len(subset)
    print(row("  language model alone (1 prompt)", scores(sub_truth, alone)) + f"  {alone_s:.1f} s/event")
    print(row("  calibrated model on the subset", scores(sub_truth, (model.probability(subset) >= 0.5).tolist())))
    pipeline = Pipeline(BreakoutAssistant(config=config), backend)
    started = time.perf_counter()
    runs = [chain(pipeline, bars_until(frames, e), e["ticker"]) for _, e in subset.iterrows()]
    chain_s = (time.perf_counter() - started) / len(subset)
    print(row("  pipeline (call: calibrated model)", scores(sub_truth, [j for j, _, _ in runs])) + f"  {chain_s:.1f} s/event; "
          f"statuses {dict(Counter(s for _, _, s in runs))}")
    print(row("  pipeline: language model's S3 call", scores(sub_truth, [own for _, own, _ in runs])))

    stable_alone = stable_chain = 0
    for _, e in subset.head(args.stability).iterrows():
        bars = bars_until(frames, e)
        stable_alone += len({model_alone(backend, bars, e["ticker"], config.window) for _ in range(args.repeats)}) == 1
        stable_chain += len({chain(pipeline, bars, e["ticker"])[1] for _ in range(args.repeats)}) == 1
    print(f"stability ({args.repeats} runs each, {args.stability} events): model alone {stable_alone}/{args.stability}, "
          f"chain {stable_chain}/{args.stability} gave one judgment")


if __name__ == "__main__":
    main()
