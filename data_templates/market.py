"""The breakout builder: OHLCV series and footprint samples → the facts each market pack needs.

OHLCV events come from the same scoring as the replies (`score_events`: features, confirmations,
the calibrated probability with its base rate, and the forward label), and a judgment's rationale
states them in the replies' own words (`probability_text`, `evidence_text`); footprint facts come
from `analyze_footprint`. A judgment's prompt shows only bars up to the event (checked per sample),
while its answer follows the forward label, so the label never leaks into the question.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from assistants.market.breakouts import ScanConfig
from assistants.market.chains import bars_table, evidence_text, price, volume
from assistants.market.footprint import analyze_footprint, footprint_from_table, footprint_to_text, parse_footprint_text
from assistants.market.ohlcv import load_ohlcv_file
from assistants.market.replies import probability_text
from assistants.market.samples import sample_names, sample_ohlcv
from assistants.market.screen import CONFIRMATIONS, score_events
from assistants.market.skill import BreakoutModel, load_model
from assistants.market.yahoo import fetch_yfinance
from data_templates.domain import Malformed, Outcome
from data_templates.samples import pack_samples, record_rng
from data_templates.splits import hashed_split, time_split_labels
from data_templates.templates import Pack, all_packs, domain_packs
from stages.stage import BadInput

EMBARGO = "event in the embargo between time splits"
JUDGMENT = "market.ohlcv_judgment"
OHLCV_TASKS = ("market.ohlcv_range", "market.ohlcv_breakout", "market.ohlcv_evidence", JUDGMENT)
FOOTPRINT_TASKS = ("market.s1_direction", "market.s2_level", "market.s3_side", "market.report", "market.single_stage")


class SeriesRecord(BaseModel):
    """One OHLCV series; all its breakout events are built from it together (one time split)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    source: str
    source_id: str
    bars: pd.DataFrame


class FootprintRecord(BaseModel):
    source: str
    source_id: str
    tables: str = Field(description="the footprint in BreakGPT's text format")


def footprint_records(path: Path) -> Iterator[FootprintRecord | Malformed]:
    """Footprints from a text file (one sample per line), JSONL (`tables` or chat `messages`) or CSV
    (columns bar, price, sell, buy and optionally `sample` to hold several)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table = pd.read_csv(path)
        key = next((c for c in table.columns if str(c).lower() == "sample"), None)
        groups = table.groupby(key, sort=False) if key else [("1", table)]
        for sample, group in groups:
            try:
                frame = footprint_from_table(group.drop(columns=[key]) if key else group)
            except BadInput as exc:
                yield Malformed(source=path.name, source_id=str(sample), reason="bad footprint", detail=str(exc))
                continue
            yield FootprintRecord(source=path.name, source_id=str(sample), tables=footprint_to_text(frame))
        return
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            text = line.strip()
            if not text:
                continue
            if suffix == ".jsonl":
                try:
                    row = json.loads(text)
                    text = row.get("tables") or next(m["content"] for m in row["messages"] if m["role"] == "user")
                except (json.JSONDecodeError, AttributeError, KeyError, StopIteration, TypeError):
                    yield Malformed(source=path.name, source_id=str(number), reason="unreadable row",
                                    detail="expected a 'tables' field or chat messages")
                    continue
            yield FootprintRecord(source=path.name, source_id=str(number), tables=text)


def _is_footprint_file(path: Path) -> bool:
    if path.suffix.lower() in (".txt", ".jsonl"):
        return True
    if path.suffix.lower() == ".csv":
        header = path.open(encoding="utf-8").readline().lower()
        return "sell" in header and "buy" in header
    return False


def footprint_facts(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Template fields of the footprint tasks, from `analyze_footprint`."""
    f = analyze_footprint(frame)
    upward = f.direction == "upward"
    common = {
        "tables": footprint_to_text(frame),
        "direction": f.direction,
        "level": price(f.level),
        "beyond": "above" if upward else "below",
        "extreme": "high" if upward else "low",
        "side": f.side,
        "sell_volume": volume(f.sell_volume),
        "buy_volume": volume(f.buy_volume),
        "verdict": f.label,
        "push": "buyer" if upward else "seller",
        "prior_high": price(f.prior_high),
        "prior_low": price(f.prior_low),
        "last_high": price(f.last_high),
        "last_low": price(f.last_low),
        "earlier": f.bars - 1,
    }
    return {task: common for task in FOOTPRINT_TASKS}


def series_splits(bars: pd.DataFrame, config: ScanConfig) -> np.ndarray:
    """train / validation / test for each bar of one series by date ('' = embargo), so no event's
    range or outcome window spans two splits. Eval suites drawn from the bundled series take test
    events only, so a model fine-tuned on the built data is never scored on its training events."""
    return time_split_labels(len(bars), gap=config.window + config.horizon)


def when(stamp: pd.Timestamp) -> str:
    """A bar's time as the bar tables show it: the date, plus the time for intraday bars."""
    return f"{stamp:%Y-%m-%d}" if stamp.hour == 0 and stamp.minute == 0 else f"{stamp:%Y-%m-%d %H:%M}"


def event_facts(name: str, lines: list[str], dates: pd.DatetimeIndex, event: dict[str, Any], config: ScanConfig) -> dict[str, Any]:
    """Template fields of one scored OHLCV breakout event (a `score_events` row; bars up to and
    including the event only, the forward label apart).

    `lines` is the whole series as `bars_table` writes it (one line per bar), made once per series.
    """
    i = int(event["index"])
    first = max(0, i - config.window)
    upward = event["direction"] == "upward"
    ratio = None if pd.isna(event["volume_ratio"]) else float(event["volume_ratio"])
    raw = {
        "volume_ratio": ratio,
        "close_location": float(event["close_location"]),
        "atr_multiple": float(event["atr_multiple"]),
        **{k: bool(event[k]) for k in CONFIRMATIONS},
        "confirmations": int(event["confirmations"]),
    }
    scored = {"probability": float(event["probability"]), "base_rate": float(event["base_rate"]),
              "direction": str(event["direction"]), "call": str(event["judgment"])}
    label = event["label"]
    verdict = None if pd.isna(label) else ("true" if bool(label) else "false")
    return {
        "name": name,
        "table": "\n".join(lines[first : i + 1]),
        "last_date": when(dates[i]),
        "window": config.window,
        "date": when(event["date"]),
        "direction": event["direction"],
        "extreme": "high" if upward else "low",
        "level": price(float(event["level"])),
        "close": price(float(event["close"])),
        "range_high": price(float(event["range_high"])),
        "range_low": price(float(event["range_low"])),
        "width_atr": f"{float(event['width_atr']):.2f}",
        "touches": int(event["touches"]),
        "close_location": f"{raw['close_location']:.2f}",
        "atr_multiple": f"{raw['atr_multiple']:.2f}",
        "confirmations": raw["confirmations"],
        "evidence": evidence_text(raw),
        "evidence_verdict": "true" if bool(event["evidence_true"]) else "false",
        "call": scored["call"],
        "judgment": probability_text(scored),
        "verdict": verdict,
        "verdict_answer": None if verdict is None else f"Answer: {verdict} breakout",
        "horizon": config.horizon,
        "target_atr": f"{config.target_atr:g}",
    }


class YahooSeries(BaseModel):
    """Tickers to fetch from Yahoo Finance (cached; fails fast and is counted when offline)."""

    tickers: list[str] = Field(default_factory=list)
    start: str = "2015-01-01"
    end: str = "2025-01-01"
    interval: str = "1d"


class MarketDomain(BaseModel):
    """Bundled OHLCV samples (unless `bundled` is off), Yahoo tickers, and OHLCV and footprint files."""

    name: str = "market"
    files: list[Path] = Field(default_factory=list)
    yahoo: YahooSeries = Field(default_factory=YahooSeries)
    tasks: list[str] = Field(default_factory=list, description="pack names; empty = every market pack")
    bundled: bool = True
    config: ScanConfig = Field(default_factory=ScanConfig)
    _chosen: list[Pack] | None = PrivateAttr(default=None)
    _model: BreakoutModel | None = PrivateAttr(default=None)

    def packs(self) -> list[Pack]:
        return domain_packs("market", self.tasks)

    def _packs(self) -> list[Pack]:
        if self._chosen is None:
            self._chosen = self.packs()
        return self._chosen

    def describe(self) -> dict[str, Any]:
        sources = ([f"bundled:{n}" for n in sample_names()] if self.bundled else []) + [str(f) for f in self.files]
        y = self.yahoo
        sources += [f"yahoo:{t}:{y.start}..{y.end}:{y.interval}" for t in y.tickers]
        model = self.breakout_model()
        return {"sources": sources, "tasks": [p.name for p in self.packs()], "scan": self.config.model_dump(),
                "probability_model": {"kind": model.kind, "fitted_on": model.provenance.get("data"),
                                      "sha256": model.provenance.get("sha256")}}

    def records(self) -> Iterator[SeriesRecord | FootprintRecord | Malformed]:
        if self.bundled:
            for name in sample_names():
                yield SeriesRecord(source="bundled", source_id=name, bars=sample_ohlcv(name))
        for ticker in self.yahoo.tickers:
            y = self.yahoo
            try:
                yield SeriesRecord(source="yahoo", source_id=ticker, bars=fetch_yfinance(ticker, y.start, y.end, y.interval))
            except BadInput as exc:
                yield Malformed(source="yahoo", source_id=ticker, reason="ticker unavailable", detail=str(exc))
        for path in self.files:
            if _is_footprint_file(path):
                yield from footprint_records(path)
                continue
            try:
                yield SeriesRecord(source=path.name, source_id=path.stem, bars=load_ohlcv_file(path))
            except BadInput as exc:
                yield Malformed(source=path.name, source_id=path.stem, reason="unusable OHLCV file", detail=str(exc))

    def prepare(self) -> None:
        all_packs()

    def facts(self, record: SeriesRecord | FootprintRecord, seed: int) -> list[dict[str, dict[str, Any]]]:
        """The template fields per task for each event (or footprint) of one record."""
        if isinstance(record, FootprintRecord):
            return [footprint_facts(parse_footprint_text(record.tables))]
        return [by_task for _index, by_task in self._events(record)]

    def breakout_model(self) -> BreakoutModel:
        """The shipped calibrated model, reading events as `config` defines them."""
        if self._model is None:
            self._model = load_model().model_copy(update={"scan": self.config})
        return self._model

    def _events(self, record: SeriesRecord) -> Iterator[tuple[int, dict[str, dict[str, Any]]]]:
        """Each breakout event of a series: its bar index and its fields per task (BadInput if too short)."""
        events = score_events({record.source_id: record.bars}, self.breakout_model())
        lines = bars_table(record.bars).split("\n")
        for event in events.to_dict("records"):
            facts = event_facts(record.source_id, lines, record.bars.index, event, self.config)
            yield int(event["index"]), {t: facts for t in OHLCV_TASKS if t != JUDGMENT or facts["verdict"] is not None}

    def process(self, record: SeriesRecord | FootprintRecord, seed: int) -> Outcome:
        if isinstance(record, FootprintRecord):
            return self._footprint(record, seed)
        return self._series(record, seed)

    def _emit(self, outcome: Outcome, record: Any, facts: dict[str, dict[str, Any]], key: str, split: str,
              seed: int, rng: random.Random, time: str = "") -> None:
        rows, invalid = pack_samples(self._packs(), facts, rng, source=record.source, source_id=record.source_id,
                                     key=key, split=split, seed=seed, time=time)
        outcome.rows += rows
        outcome.invalid += invalid

    def _footprint(self, record: FootprintRecord, seed: int) -> Outcome:
        try:
            facts = footprint_facts(parse_footprint_text(record.tables))
        except BadInput as exc:
            return Outcome(skipped="no breakout in footprint", detail=f"{record.source}#{record.source_id}: {exc}")
        tables = facts[FOOTPRINT_TASKS[0]]["tables"]
        key = hashlib.blake2b(tables.encode(), digest_size=12).hexdigest()
        outcome = Outcome()
        rng = record_rng(seed, self.name, f"{record.source}#{record.source_id}")
        self._emit(outcome, record, facts, key, hashed_split(key), seed, rng)
        return outcome

    def _series(self, record: SeriesRecord, seed: int) -> Outcome:
        splits = series_splits(record.bars, self.config)
        outcome = Outcome()
        try:
            for index, by_task in self._events(record):
                split = str(splits[index])
                if not split:
                    outcome.dropped[EMBARGO] = outcome.dropped.get(EMBARGO, 0) + 1
                    continue
                facts = next(iter(by_task.values()))
                if facts["last_date"] != facts["date"]:
                    outcome.invalid.append(f"{record.source_id} {facts['date']}: the prompt shows bars after the event")
                    continue
                key = hashlib.blake2b(facts["table"].encode(), digest_size=12).hexdigest()
                rng = record_rng(seed, self.name, f"{record.source}#{record.source_id}#{facts['date']}")
                self._emit(outcome, record, by_task, key, split, seed, rng, time=facts["date"])
        except BadInput as exc:
            return Outcome(skipped="series too short", detail=f"{record.source}#{record.source_id}: {exc}")
        return outcome
