"""Several tickers in one question: the comparison asked, answered first, then every ticker on its own line.

The tickers take the screen's path: one `score_events` pass over their frames (each bounded by the
asked span, with the scan's look-back). The comparison (the most recent breakout, which had one, which
had more) is computed from the per-ticker rows, and the coverage check computes it again from the rows
in the facts, so the first line cannot disagree with the lines under it, and a ticker the bars do not
cover is named as not answered rather than left out.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import BaseModel, Field

from assistants.market.chains import price
from assistants.market.intent import BreakoutIntent, CompareKind
from assistants.market.replies import opening_missing
from assistants.market.scope import Scope, scope_of
from assistants.market.screen import score_events
from assistants.market.skill import BreakoutModel
from assistants.market.sources import MarketInput
from stages.reply import CheckResult


class TickerRow(BaseModel):
    """One ticker's answer: its breakouts in the asked span, the most recent of them, and where its bars came from."""

    ticker: str
    source: str = ""
    scope: Scope | None = Field(None, description="None: no bars at all (the reason is in `note`)")
    note: str = ""
    events: int = 0
    up: int = 0
    down: int = 0
    latest: dict[str, Any] | None = None

    @property
    def covered(self) -> bool:
        return self.scope is not None and self.scope.covered


def ticker_rows(inputs: dict[str, MarketInput], failed: dict[str, str], intent: BreakoutIntent, model: BreakoutModel,
                lookback: int) -> list[TickerRow]:
    """Every asked ticker's row, in the order asked; one scoring pass over all the covered ones."""
    frames: dict[str, pd.DataFrame] = {}
    scopes: dict[str, Scope] = {}
    for name, data in inputs.items():
        assert data.bars is not None
        frame, scopes[name] = scope_of(data.bars, intent.period, lookback)
        if scopes[name].covered:
            frames[name] = frame
    events = score_events(frames, model) if frames else None
    rows = []
    for name in [*inputs, *failed]:
        if name in failed:
            rows.append(TickerRow(ticker=name, note=failed[name]))
            continue
        data, scope = inputs[name], scopes[name]
        row = TickerRow(ticker=name, source=data.source(), scope=scope, note=data.note)
        if name in frames and events is not None:
            mine = _asked(events[events["ticker"] == name], intent, scope, len(frames[name]))
            row.events, row.up, row.down = len(mine), int((mine["direction"] == "upward").sum()), int(
                (mine["direction"] == "downward").sum())
            row.latest = _summary(mine.iloc[-1]) if len(mine) else None
        rows.append(row)
    return rows


def _asked(events: pd.DataFrame, intent: BreakoutIntent, scope: Scope, bars: int) -> pd.DataFrame:
    inside = events[events["index"] >= scope.lookback]
    if intent.kind == "last_bar":
        return inside[inside["index"] == bars - 1]
    if intent.kind == "date":
        return inside[inside["date"] == pd.Timestamp(intent.date)]
    inside = inside[inside["judgment"] == intent.call] if intent.call else inside
    return inside[inside["direction"] == intent.direction] if intent.direction else inside


def _summary(event: pd.Series) -> dict[str, Any]:
    return {"date": f"{event['date']:%Y-%m-%d}", "direction": str(event["direction"]), "level": float(event["level"]),
            "probability": float(event["probability"]), "call": str(event["judgment"])}


def winners(rows: list[dict[str, Any]], compare: CompareKind) -> list[str]:
    """The tickers the comparison picks, from the rows alone (none when no ticker had a breakout)."""
    had = [r for r in rows if r["events"]]
    if not had:
        return []
    if compare == "most_recent":
        newest = max(r["latest"]["date"] for r in had)
        return [r["ticker"] for r in had if r["latest"]["date"] == newest]
    if compare == "count":
        most = max(r["events"] for r in had)
        return [r["ticker"] for r in had if r["events"] == most]
    return [r["ticker"] for r in had]


def _breakouts(n: int, call: str) -> str:
    return f"{n} {call}breakout{'s' if n != 1 else ''}"


def _event_words(event: dict[str, Any]) -> str:
    return (f"{event['direction']} on {event['date']} through {price(event['level'])}, "
            f"{event['probability']:.0%} likely true, a {event['call']} breakout")


def head_text(facts: dict[str, Any]) -> str:
    """The comparison's answer, from the winners."""
    rows, won, call, where = facts["rows"], facts["winners"], facts["call"], facts["where"]
    names = _joined(won)
    if not won:
        return f"**None of {_names(rows)} had a {call}breakout {where}.**"
    if facts["compare"] == "most_recent":
        latest = next(r["latest"] for r in rows if r["ticker"] == won[0])
        return f"**{names} had the most recent {call}breakout {where}: {_event_words(latest)}.**"
    if facts["compare"] == "count":
        counts = ", ".join(f"{r['ticker']} {r['events']}" for r in rows if r["scope"] and r["ticker"] not in won)
        n = next(r["events"] for r in rows if r["ticker"] == won[0])
        each = " each" if len(won) > 1 else ""
        return f"**{names} had the most {call}breakouts {where}: {n}{each}" + (f" (vs {counts})" if counts else "") + ".**"
    others = [r["ticker"] for r in rows if r["ticker"] not in won and r["scope"] and r["scope"]["bars"]]
    rest = f"; {_joined(others)} did not" if others else ""
    return f"**{names} had a {call}breakout {where}{rest}.**"


def row_text(row: dict[str, Any], facts: dict[str, Any]) -> str:
    """One ticker's line: its count and most recent breakout in the asked span, and its bars' source."""
    scope, call = row["scope"], facts["call"]
    if scope is None or not scope["bars"]:
        bars = f"its bars run from {scope['data_first']} to {scope['data_last']}" if scope else "no bars"
        why = f" ({row['note']})" if row["note"] else ""
        return f"- {row['ticker']}: not covered: {bars}{why}."
    where = "on its last bar" if facts["kind"] == "last_bar" else facts["where"]
    bars = f"bars {scope['first']} to {scope['last']}, {row['source']}"
    if not row["events"]:
        return f"- {row['ticker']}: no {call}breakout {where}; {bars}."
    count = f"{_breakouts(row['events'], call)} {where}, {row['up']} upward and {row['down']} downward"
    return f"- {row['ticker']}: {count}; the most recent {_event_words(row['latest'])}; {bars}."


def _names(rows: list[dict[str, Any]]) -> str:
    return _joined([r["ticker"] for r in rows])


def _joined(names: list[str]) -> str:
    """"A", "A and B", "A, B and C"; empty for none."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}" if names else ""


def compare_coverage(text: str, facts: dict[str, Any]) -> CheckResult:
    """Every asked ticker has its line with its own facts; the first answer line names the tickers the
    rows pick; an uncovered ticker is named as not answered (and fails the check)."""
    rows, lines = facts["rows"], text.splitlines()
    missing = [f"{r['ticker']}'s line" for r in rows if not any(line.startswith(row_text(r, facts)) for line in lines)]
    picked = winners(rows, facts["compare"])
    head = next((line for line in lines if line.startswith("**") and not line.startswith("**Answer")), "")
    if picked != facts["winners"] or not all(t in head for t in picked) or (not picked and "None of" not in head):
        missing.append(f"the comparison's answer ({_joined(picked) if picked else 'none'}) first")
    missing += opening_missing(text, facts)
    missing += [f"the answer to {part}" for part in facts["unanswered"]]
    return CheckResult(
        name="answers_tickers", kind="coverage", passed=not missing, expected=[r["ticker"] for r in rows], found=missing,
        message="" if not missing else f"it did not answer for every ticker asked (missing: {'; '.join(missing)})")


def compare_facts(rows: list[TickerRow], intent: BreakoutIntent) -> dict[str, Any]:
    """The facts of a several-ticker answer: the rows, the comparison and its winners, what stays unanswered."""
    covered = [r for r in rows if r.covered]
    where = ("on the last bar" if intent.kind == "last_bar" else f"on {intent.date}" if intent.kind == "date"
             else covered[0].scope.words() if covered and covered[0].scope
             else f"in {intent.period.label}" if intent.period else "in the data")
    dumped = [r.model_dump(mode="json") for r in rows]
    compare: CompareKind = intent.compare or "which"
    facts: dict[str, Any] = {"kind": intent.kind, "compare": compare, "call": intent.qualifier(),
                             "where": where, "rows": dumped, "winners": winners(dumped, compare),
                             "intent": intent.model_dump(mode="json")}
    facts["as_of"] = ("The latest bars I have: " + ", ".join(f"{r.ticker} {r.scope.data_last}" for r in rows if r.scope)
                      + "; as of those bars:") if intent.now else None
    return facts


def unanswered_tickers(rows: list[TickerRow], intent: BreakoutIntent, where: str) -> list[str]:
    """Asked tickers (or parts of their span) that no bars answer, and today's market when the bars are older."""
    parts = [f"{r.ticker} {where}: not covered by its bars" for r in rows if not r.covered]
    parts += [f"{r.ticker} for {m}" for r in rows if r.covered and r.scope for m in r.scope.missing]
    return parts
