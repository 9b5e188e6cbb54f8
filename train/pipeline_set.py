"""The pipeline-shaped training set: questions asked through the real chem and breakout pipelines with a
teacher in the model's seat (train/teacher.py), each kept model call written as one conversation
(the exact prompt, then the checked answer) in a dataset build that `tristage train sft` reads.

Questions come from a chem dataset build (its first user turns, split by scaffold as the build split
them) and from daily bars (breakouts the scanner finds, asked with the bars inline; split by ticker,
so a held-out ticker's bars are never trained on).
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel

from data_templates.samples import Row, SampleMeta, sample_id
from data_templates.shards import iter_samples, open_output, read_manifest, save_manifest, write_chunk
from stages.atomic import write_lines
from stages.messages import RunOptions, ask
from train.teacher import first_draft_passed, taught_calls, taught_pipelines

Assistant = Literal["chem", "breakout"]
CONTEXT_BARS = 40  # bars shown with a breakout question: the range window and the breakout bar
HELD_OUT_TICKERS = frozenset({"AAPL", "IBM", "MSFT", "GOOG"})  # the breakout eval suite's bundled tickers
DRAFT_TOKENS = 160  # the product's draft allowance (the chat and API default)
BREAKOUT_WORDINGS = (
    "Did the last bar break out of the trading range? Give the direction, the level it broke through, and "
    "whether it is a true or false breakout.",
    "Is the last bar a true breakout or a false one?",
    "Judge the breakout on the last bar.",
    "Was there a breakout on the last day? True or false?",
)
Progress = Callable[[int, int, int], None]
QUESTIONS = "questions.jsonl"


class Question(BaseModel):
    assistant: Assistant
    text: str
    task: str
    split: str
    source_id: str


def chem_questions(build: Path) -> Iterator[Question]:
    """The first user turn of every sample of a chem dataset build, in its split."""
    manifest = read_manifest(build)
    if manifest is None:
        raise ValueError(f"{build} holds no dataset build")
    for sample in iter_samples(build, manifest):
        first = next((m.content for m in sample.messages if m.role == "user"), "")
        if first:
            yield Question(assistant="chem", text=first, task=sample.meta.task, split=sample.meta.split,
                           source_id=sample.meta.source_id)


def ticker_split(ticker: str) -> str:
    """A ticker's split: the eval suite's tickers and a fifth of the rest are held out, a tenth validate."""
    if ticker in HELD_OUT_TICKERS:
        return "test"
    bucket = int(hashlib.blake2b(ticker.encode(), digest_size=2).hexdigest(), 16) % 10
    return "test" if bucket < 2 else "validation" if bucket == 2 else "train"


def bars_text(bars: pd.DataFrame) -> str:
    lines = ["date,open,high,low,close,volume"]
    lines += [f"{d:%Y-%m-%d},{o:.2f},{h:.2f},{lo:.2f},{c:.2f},{v:.0f}" for d, o, h, lo, c, v in zip(
        bars.index, bars["open"], bars["high"], bars["low"], bars["close"], bars["volume"].fillna(0), strict=True)]
    return "\n".join(lines)


def breakout_questions(path: Path, per_ticker: int, seed: int) -> Iterator[Question]:
    """Up to `per_ticker` scanned breakouts of each ticker of a long table (date, OHLCV, ticker), each
    asked with its last `CONTEXT_BARS` bars inline in one of the wordings."""
    from assistants.market.breakouts import scan_breakouts

    table = pd.read_csv(path, parse_dates=["date"])
    rng = random.Random(seed)
    for ticker, frame in table.groupby("ticker", sort=True):
        bars = frame.set_index("date").sort_index()[["open", "high", "low", "close", "volume"]]
        events = scan_breakouts(bars)
        starts = [int(i) for i in events["index"] if int(i) >= CONTEXT_BARS]
        for i in sorted(rng.sample(starts, min(per_ticker, len(starts)))):
            shown = bars.iloc[i - CONTEXT_BARS + 1: i + 1]
            wording = rng.choice(BREAKOUT_WORDINGS)
            yield Question(assistant="breakout", text=f"Daily bars of {ticker}:\n{bars_text(shown)}\n\n{wording}",
                           task="breakout.ohlcv", split=ticker_split(str(ticker)),
                           source_id=f"{ticker}-{bars.index[i]:%Y-%m-%d}")


def select_questions(questions: list[Question], per_split: dict[str, int], seed: int) -> list[Question]:
    """At most `per_split[split]` questions of each task in each split (a seeded sample), so that every
    family is taught and measured, not only the most frequent; splits not named are left out."""
    groups: dict[tuple[str, str], list[Question]] = {}
    for question in questions:
        if question.split in per_split:
            groups.setdefault((question.task, question.split), []).append(question)
    rng = random.Random(seed)
    chosen = [q for (_task, split), group in sorted(groups.items())
              for q in rng.sample(group, min(per_split[split], len(group)))]
    rng.shuffle(chosen)
    return chosen


FOOTPRINT_WORDINGS = ("", "Is this a true breakout?", "Judge the breakout in these footprint bars.",
                      "Which way did it break out, and is the breakout true or false?")


def footprint_questions(n: int, seed: int) -> Iterator[Question]:
    """`n` seeded synthetic footprints (direction, stronger side, price scale, tick and bar count drawn),
    split by their index: a tenth validates, a tenth is held out."""
    from assistants.market.footprint import footprint_to_text
    from assistants.market.synthetic import synthetic_footprint

    rng = random.Random(seed)
    for i in range(n):
        frame = synthetic_footprint(rng.choice(("upward", "downward")), rng.choice(("buyer", "seller")),
                                    bars=rng.randint(3, 6), tick=rng.choice((0.01, 0.05, 0.25, 1.0)),
                                    base=float(rng.choice((25, 140, 1000, 4200))), seed=seed * 100_000 + i)
        wording = rng.choice(FOOTPRINT_WORDINGS)
        split = "test" if i % 10 == 9 else "validation" if i % 10 == 8 else "train"
        yield Question(assistant="breakout", text=f"{footprint_to_text(frame)}\n\n{wording}".strip(),
                       task="breakout.footprint", split=split, source_id=f"synthetic-footprint-{seed}-{i}")


class BuildTally(BaseModel):
    """What a build kept and why the rest was left out."""

    questions: int = 0
    kept_questions: int = 0
    conversations: int = 0
    first_draft_failed: int = 0
    too_long: int = 0
    seconds: float = 0.0


def write_questions(out: Path, questions: list[Question]) -> None:
    """Every asked question with its split, so the held-out ones can be asked again to measure a model."""
    write_lines(out / QUESTIONS, (q.model_dump_json() for q in questions))


def read_questions(build: Path, split: str | None = None) -> list[Question]:
    lines = (build / QUESTIONS).read_text(encoding="utf-8").splitlines()
    questions = [Question.model_validate_json(line) for line in lines if line.strip()]
    return [q for q in questions if split is None or q.split == split]


def build_pipeline_set(questions: list[Question], out: Path, answer_tokens: Callable[[str], int],
                       overwrite: bool = False, progress: Progress | None = None, chunk: int = 500) -> BuildTally:
    """Ask every question through its pipeline with the teacher; keep the model calls of the runs whose
    first draft passed, one conversation each, in `out` as a dataset build. A run with an answer longer
    than the draft budget (`answer_tokens` counts the model's tokens) is left out whole: a model could
    not write it."""
    started = time.perf_counter()
    pipelines = taught_pipelines()
    manifest = open_output(out, {"domain": "pipeline", "questions": len(questions), "draft_tokens": DRAFT_TOKENS},
                           resume=False, overwrite=overwrite)
    tally, rows, seen = BuildTally(questions=len(questions)), [], set()
    for done, question in enumerate(questions, start=1):
        reply = pipelines[question.assistant].run(
            ask(question.text, options=RunOptions(max_tokens=DRAFT_TOKENS)))
        calls = taught_calls(reply)
        tally.first_draft_failed += not first_draft_passed(reply)
        if any(answer_tokens(call.output) > DRAFT_TOKENS for call in calls):
            tally.too_long += 1
            calls = []
        tally.kept_questions += bool(calls)
        for n, call in enumerate(calls):
            messages = [*call.prompt, {"role": "assistant", "content": call.output}]
            key = hashlib.blake2b(json.dumps(messages, sort_keys=True).encode(), digest_size=8).hexdigest()
            if key in seen:
                continue
            seen.add(key)
            meta = SampleMeta(source=question.assistant, source_id=question.source_id, task=question.task,
                              template_version=1, templates=[f"call{n}"], seed=0, split=question.split, key=key)
            line = json.dumps({"id": sample_id(question.task, key, 0), "messages": messages,
                               "meta": meta.model_dump()}, ensure_ascii=False)
            rows.append(Row(key=key, task=question.task, split=question.split, line=line))
        if len(rows) >= chunk or done == len(questions):
            write_chunk(out, manifest, manifest.chunks_done, rows)
            tally.conversations += len(rows)
            rows = []
        if progress is not None:
            progress(done, len(questions), tally.conversations + len(rows))
    write_questions(out, questions)
    tally.seconds = time.perf_counter() - started
    manifest.records = len(questions)
    manifest.skipped = {"first draft failed its checks (the teacher's answer or no checked answer)": tally.first_draft_failed,
                        f"an answer longer than the {DRAFT_TOKENS}-token draft budget": tally.too_long}
    manifest.status = "complete"
    manifest.seconds = tally.seconds
    save_manifest(out, manifest)
    return tally
