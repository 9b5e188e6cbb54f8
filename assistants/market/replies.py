"""Breakout replies written from tool facts, and the coverage check that a reply answers what was asked.

A reply opens with the chosen option (when options were given) and, asked about today, the date of the
latest bar in hand; then the first sentence answers the asked bar or span (the last bar, a date, a
period, whether there is any, the latest breakout); then the calibrated probability with the base rate
of the same direction, the confirmations as its explanation, the outcomes of the most similar past
cases, and hindsight; last, the asked parts it does not answer, named.
"""

from __future__ import annotations

import re
from typing import Any

from assistants.market.chains import cited_numbers, evidence_text, hindsight, price
from assistants.market.screen import last_bar_ranking
from stages.choices import Choices, chosen
from stages.reply import CheckResult
from stages.retrieval import Retrieval

_OUTCOME_WORDS = {"target": "reached the target", "failed": "closed back inside the range",
                  "timeout": "did neither within the horizon"}


def pct(probability: float) -> str:
    return f"{probability:.0%}"


def case_outcomes(retrieval: Retrieval | None) -> dict[str, Any]:
    """How the retrieved similar cases turned out, or why there are none."""
    if retrieval is None or not retrieval.passages:
        note = retrieval.note if retrieval is not None else "retrieval is off for this request"
        return {"k": 0, "note": re.sub(r"\s*\([^()]*\)", "", note)}
    outcomes = [str(p.metadata.get("outcome", "")) for p in retrieval.passages]
    return {"k": len(outcomes), **{o: outcomes.count(o) for o in _OUTCOME_WORDS}}


def cases_text(cases: dict[str, Any]) -> str:
    if not cases.get("k"):
        return f"Similar past cases: none retrieved ({cases.get('note', '')})."
    parts = [f"{cases[o]} {_OUTCOME_WORDS[o]}" for o in _OUTCOME_WORDS if cases.get(o)]
    return f"Of the {cases['k']} most similar past cases, " + ", ".join(parts) + "."


def probability_text(facts: dict[str, Any]) -> str:
    return (f"the calibrated model gives a {pct(facts['probability'])} probability that it is true (base rate of "
            f"{facts['direction']} breakouts: {pct(facts['base_rate'])}), so it is a {facts['call']} breakout")


def _where(facts: dict[str, Any]) -> str:
    return (f"close {price(facts['last_close'])} {facts['last_state']} the {facts['window']}-bar range "
            f"{price(facts['last_range_low'])}–{price(facts['last_range_high'])}")


def _recent_text(facts: dict[str, Any]) -> str:
    recent = facts.get("recent")
    if not recent:
        return f"There is no breakout anywhere {facts['where']}."
    return (f"The most recent breakout was {recent['direction']} on {recent['date']} through {price(recent['level'])} "
            f"({pct(recent['probability'])} probability of a true breakout).")


def _called(facts: dict[str, Any]) -> str:
    """'true ', 'upward ', 'true upward ' when only breakouts of that call or direction were asked about, else ''."""
    intent = facts["intent"]
    return "".join(f"{intent[key]} " for key in ("call", "direction") if intent.get(key))


def _in_period(facts: dict[str, Any]) -> bool:
    return facts["scope"]["period"] is not None and facts["intent"]["kind"] in ("any", "recent")


def as_of_text(facts: dict[str, Any]) -> str:
    """The opening of a reply to a question about today: how old the bars in hand are, before anything else."""
    return f"The latest bar I have for {facts['name']} is {facts['last_date']} ({facts['source']}); as of that bar:"


# First, when the question was not understood: what follows answers the default question, not the user's.
NOT_UNDERSTOOD_LINE = ("Not answered: what the question asks: it was not recognised as a breakout question; below is what "
                       "the tools find for the default question, the most recent breakout.")


def opening(facts: dict[str, Any]) -> list[str]:
    """What comes before the answer: that the question was not understood, the chosen option, then (asked
    about today) the bars' as-of date."""
    lines = [NOT_UNDERSTOOD_LINE] if not (facts.get("intent") or {}).get("understood", True) else []
    lines += [facts["choice"]["line"]] if (facts.get("choice") or {}).get("line") else []
    return lines + ([facts["as_of"]] if facts.get("as_of") else [])



def closing(facts: dict[str, Any]) -> list[str]:
    """The asked parts the reply does not answer, named."""
    parts = facts.get("unanswered") or []
    return [f"Not answered: {'; '.join(parts)}."] if parts else []


def framed(facts: dict[str, Any], body: str) -> str:
    return "\n".join([*opening(facts), body, *closing(facts)])


def _listing(facts: dict[str, Any]) -> str:
    shown = ", ".join(f"{e['direction']} on {e['date']} ({e['call']})" for e in facts["listed"])
    return shown + (f", and {facts['unlisted']} earlier" if facts["unlisted"] else "")


def _breakouts(facts: dict[str, Any]) -> str:
    n = facts["events"]
    return f"{n} {_called(facts)}breakout{'s' if n != 1 else ''}"


def _period_count(facts: dict[str, Any]) -> str:
    return (f"{facts['name']} had {_breakouts(facts)} {facts['where']}, {facts['events_up']} upward and "
            f"{facts['events_down']} downward")


def no_event_text(facts: dict[str, Any]) -> str:
    """The answer when the asked bar (or the asked span) has no breakout."""
    return framed(facts, _no_event(facts))


def _no_event(facts: dict[str, Any]) -> str:
    kind = facts["intent"]["kind"]
    if kind == "last_bar":
        head = f"No breakout on the last bar ({facts['last_date']}: {_where(facts)})."
        return f"{head} {_recent_text(facts)}"
    if kind == "date":
        asked = facts["asked"]
        head = (f"No breakout on {facts['intent']['date']} (close {price(asked['close'])} {asked['state']} the "
                f"{facts['window']}-bar range {price(asked['range_low'])}–{price(asked['range_high'])}).")
        return f"{head} {_recent_text(facts)}"
    others = facts["events_any"] - facts["events"]
    called = f" ({others} breakout{'s' if others != 1 else ''} there, none of them {_called(facts).strip()})" if others else ""
    if _in_period(facts):
        return (f"No {_called(facts)}breakout in {facts['name']} {facts['where']}{called}: {facts['bars']} bars from "
                f"{facts['first_date']} to {facts['last_date']} (last bar {facts['last_date']}: {_where(facts)}).")
    return (f"No {_called(facts)}breakout in {facts['name']} ({facts['bars']} bars to {facts['last_date']}){called}: "
            f"no close left the range of the {facts['window']} bars before it (last bar {facts['last_date']}: "
            f"{_where(facts)}).")


def event_head(facts: dict[str, Any]) -> str:
    """The first sentence of a reply about one breakout, answering the asked bar or span."""
    kind = facts["intent"]["kind"]
    what = (f"{facts['direction']} breakout on {facts['date']} through {price(facts['level'])}: "
            f"{pct(facts['probability'])} likely true (base rate {pct(facts['base_rate'])}), a {facts['call']} breakout")
    if kind == "last_bar":
        return f"**Yes, the last bar is a breakout: {what}.**"
    if kind == "date":
        return f"**Yes, {facts['date']} is a breakout: {what}.**"
    if kind == "any" and _in_period(facts):
        return f"**Yes, {_period_count(facts)}: {_listing(facts)}; the most recent: {what}.**"
    if kind == "any":
        count = (f"{facts['events']} {_called(facts)}breakouts in the data ({facts['events_up']} upward, "
                 f"{facts['events_down']} downward)")
        return f"**Yes, {count}; the most recent: {what}.**"
    last = "" if facts["date"] == facts["last_date"] else f" (last bar {facts['last_date']}: {_where(facts)})"
    where, count = (f" {facts['where']}", f"; {_breakouts(facts)} there") if _in_period(facts) else ("", "")
    return f"**{facts['name']}: the most recent {_called(facts)}breakout{where} is the {what}{count}{last}.**"


def event_text(facts: dict[str, Any]) -> str:
    """The reply about one breakout written from the facts alone."""
    side = "high" if facts["direction"] == "upward" else "low"
    rule = "true" if facts["evidence_true"] else "false"
    lines = [
        event_head(facts),
        f"- S1 range and breakout: the close {price(facts['close'])} left the {facts['window']}-bar range "
        f"{price(facts['range_low'])}–{price(facts['range_high'])} through its {side} "
        f"(width {facts['width_atr']:.2f} ATR, {facts['touches']} touches of the level).",
        f"- S2 confirmation: {evidence_text(facts)} (the rule alone would say {rule}); gap {facts['gap_atr']:.2f} ATR.",
        f"- S3 judgment: {probability_text(facts)}.",
        f"- {cases_text(facts['cases'])}",
    ]
    return framed(facts, "\n".join(filter(None, [*lines, hindsight(facts)])))


def not_covered_text(facts: dict[str, Any]) -> str:
    """The whole answer when the asked period lies outside the bars: what they cover, and nothing else."""
    scope = facts["scope"]
    fetch = f" (No other bars: {facts['fetch_note']})" if facts.get("fetch_note") else ""
    body = (f"The bars I have for {facts['name']} ({facts['source']}) run from {scope['data_first']} to "
            f"{scope['data_last']}; {facts['where'].removeprefix('in ').removeprefix('from ')} is not covered, so I "
            f"cannot say whether {facts['name']} broke out then.{fetch}")
    return framed(facts, body)


def _has(text: str, value: str) -> bool:
    return value.lower() in text.lower()


def coverage_check(text: str, facts: dict[str, Any]) -> CheckResult:
    """The reply answers every asked part: the asked bar or span, with the call and its probability; the option
    first when options were given; the bars' as-of date first when today was asked; and nothing left unanswered."""
    kind = facts["intent"]["kind"]
    needed: list[str] = []
    if not facts["scope"].get("first"):  # the asked period has no bars at all
        needed.append("is not covered")
    elif "date" not in facts:  # no breakout where asked
        needed += {"last_bar": ["no breakout on the last bar", facts["last_date"]],
                   "date": [f"no breakout on {facts['intent'].get('date')}"]}.get(
                       kind, [f"no {_called(facts)}breakout in {facts['name']}"])
    else:
        needed += [facts["date"], f"{facts['call']} breakout", pct(facts["probability"])]
        needed += {"last_bar": ["the last bar is a breakout"], "any": [f"{facts['events']} {_called(facts)}breakout"]}.get(
            kind, [])
        if kind == "any" and _in_period(facts):
            needed += [_period_count(facts), *(e["date"] for e in facts["listed"])]
    if _in_period(facts):
        needed += [facts["where"].removeprefix("in ").removeprefix("from ")]
    missing = [n for n in needed if not _has(text, n)]
    if kind == "last_bar" and "date" not in facts and re.search(r"\bthe last bar is a breakout\b", text, re.I):
        missing.append("not a breakout on the last bar")
    missing += opening_missing(text, facts)
    missing += [f"the answer to {part}" for part in facts.get("unanswered") or []]
    return CheckResult(
        name="answers_intent", kind="coverage", passed=not missing, expected=needed, found=missing,
        message="" if not missing else f"it did not answer about {_intent_words(facts)} (missing: {', '.join(missing)})",
        feedback=f"Answer about {_intent_words(facts)}.")


def opening_missing(text: str, facts: dict[str, Any]) -> list[str]:
    """The chosen option must come first (and be the one the tools chose); the as-of date right after."""
    missing = []
    lines = text.strip().splitlines()
    choice = facts.get("choice")
    if choice is not None:
        options = Choices.model_validate(facts["intent"]["choices"])
        if not choice["chosen"] or not lines or chosen(lines[0], options) != choice["chosen"]:
            missing.append(f"option {', '.join(choice['chosen']) or '(none chosen)'} named first")
    if facts.get("as_of") and not any(line.startswith(facts["as_of"]) for line in lines[:2]):
        missing.append(f"the as-of date ({facts['as_of']}) first")
    return missing


def _intent_words(facts: dict[str, Any]) -> str:
    kind = facts["intent"]["kind"]
    words = {"last_bar": "the last bar", "date": f"the bar of {facts['intent'].get('date')}",
             "any": "whether there is any breakout"}.get(kind, "the most recent breakout")
    return f"{words} {facts['where']}" if facts["scope"]["period"] is not None and kind != "date" else words


def tool_text_checks(text: str, facts: dict[str, Any]) -> list[CheckResult]:
    """Checks of a reply the tools wrote: it answers the question and cites only facts."""
    return [coverage_check(text, facts), cited_numbers("reply_numbers", text, facts)]


def footprint_coverage(text: str, facts: dict[str, Any]) -> CheckResult:
    """A footprint reply states the direction, the level and the true/false call."""
    needed = [facts["direction"], price(facts["level"]), f"{facts['label']} breakout"]
    missing = [n for n in needed if not _has(text, n)]
    return CheckResult(name="answers_breakout", kind="coverage", passed=not missing, expected=needed, found=missing,
                       message="" if not missing else f"it left out {', '.join(missing)}",
                       feedback="State the direction, the level and whether it is a true or false breakout.")


SCREEN_ROWS = 10


def screen_facts(universe: Any, events: Any) -> dict[str, Any]:
    """A screen of many tickers: today's breakouts ranked by probability (else the most recent ones)."""
    today = last_bar_ranking(events)
    shown = today if len(today) else events.sort_values(["date", "probability"], ascending=[False, False])
    ranking = [{"ticker": str(r.ticker), "date": f"{r.date:%Y-%m-%d}", "direction": str(r.direction),
                "level": float(r.level), "probability": float(r.probability), "base_rate": float(r.base_rate),
                "confirmations": int(r.confirmations), "judgment": str(r.judgment), "outcome": str(r.outcome)}
               for r in shown.head(SCREEN_ROWS).itertuples()]
    return {"tickers": len(universe.frames), "bars": universe.bars, "skipped": universe.skipped[:5],
            "skipped_count": len(universe.skipped), "dropped_rows": universe.dropped_rows[:5],
            "events": len(events), "last_bar_events": len(today), "ranking": ranking}


def screen_text(facts: dict[str, Any]) -> str:
    skipped = f", {facts['skipped_count']} skipped ({'; '.join(facts['skipped'][:3])})" if facts["skipped_count"] else ""
    head = (f"Screened {facts['tickers']} tickers ({facts['bars']:,} bars{skipped}): {facts['events']:,} breakouts, "
            f"{facts['last_bar_events']} on the last bar.")
    if facts["last_bar_events"]:
        title = "Breakouts on the last bar, most probably true first:"
    else:
        title = "No breakout on any ticker's last bar; the most recent breakouts:"
    rows = [f"{i}. {r['ticker']} {r['date']} {r['direction']} through {price(r['level'])}: {pct(r['probability'])} "
            f"probability of a true breakout (base rate {pct(r['base_rate'])}), {r['confirmations']}/3 confirmations"
            for i, r in enumerate(facts["ranking"], start=1)]
    notes = [f"Rows dropped: {'; '.join(facts['dropped_rows'])}."] if facts["dropped_rows"] else []
    return "\n".join([head, title, *rows, *notes])


def screen_coverage(text: str, facts: dict[str, Any]) -> CheckResult:
    """The screen says how many tickers and last-bar breakouts there are and lists each ranked one."""
    needed = [f"Screened {facts['tickers']} tickers", f"{facts['last_bar_events']} on the last bar"]
    needed += [f"{r['ticker']} {r['date']} {r['direction']} through {price(r['level'])}: {pct(r['probability'])}"
               for r in facts["ranking"]]
    missing = [n for n in needed if n not in text]
    return CheckResult(name="answers_screen", kind="coverage", passed=not missing, expected=len(needed),
                       found=missing, message="" if not missing else f"it left out {'; '.join(missing[:3])}")
