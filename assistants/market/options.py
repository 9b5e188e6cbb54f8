"""Multiple-choice breakout questions: every option judged against what the tools found, or named as unjudgeable.

An option is a claim about the asked span: "Yes, upward", "No", "A true breakout", "2011-03-15", "3",
or, across tickers, "IBM" or "None of them". The tools choose only when they can judge every option
(a choice among options some of which no tool reads would be a guess), and the reply names the choice
first, in the `[ANSWER]C[/ANSWER]` form benchmark harnesses read (`stages.choices`).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

from assistants.market.intent import find_tickers
from assistants.market.periods import read_dates
from stages.choices import Choices, answer_tag
from stages.stage import BadInput

_YES = {"yes", "yeah", "yep", "correct"}
_NO = {"no", "none", "neither", "not", "never", "nothing", "nope"}
_UP = {"up", "upward", "upwards", "upside", "above", "higher", "bullish", "resistance"}
_DOWN = {"down", "downward", "downwards", "downside", "below", "lower", "bearish", "support"}
_TRUE = {"true", "real", "genuine", "valid", "held", "holds", "confirmed"}
_FALSE = {"false", "fake", "failed", "fails", "fakeout", "trap"}
_FILLER = {"it", "did", "does", "do", "was", "were", "is", "are", "there", "a", "an", "the", "breakout", "breakouts",
           "broke", "break", "breaks", "out", "of", "its", "range", "had", "has", "have", "any", "in", "on", "and",
           "with", "through", "them", "these", "those", "stock", "stocks", "price", "to", "one", "ones", "direction",
           "side", "that", "this", "period", "at", "all", "only", "time", "times", "ticker", "tickers", "s"}


class OptionVerdict(BaseModel):
    label: str
    text: str
    holds: bool | None = Field(None, description="None: no tool here can judge this option")


class ChoiceFacts(BaseModel):
    """Each option's verdict; the chosen ones are those that hold, when every option could be judged."""

    verdicts: list[OptionVerdict]

    @property
    def unjudged(self) -> list[OptionVerdict]:
        return [v for v in self.verdicts if v.holds is None]

    @property
    def chosen(self) -> list[str]:
        return [] if self.unjudged else [v.label for v in self.verdicts if v.holds]

    def line(self) -> str:
        """The reply's first line: the chosen option(s), also as the harnesses' answer tag."""
        named = [f"{v.label} ({v.text})" for v in self.verdicts if v.label in self.chosen]
        named = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
        return f"**Answer: {named}.** {answer_tag(self.chosen)}"

    def facts(self) -> dict[str, Any]:
        """As reply facts: each verdict, the chosen labels and the line that names them (None: no choice)."""
        return {**self.model_dump(), "chosen": self.chosen, "line": self.line() if self.chosen else None}

    def unanswered(self) -> str | None:
        """Why no option is chosen, in words for a "Not answered" line (None when one is)."""
        if self.unjudged:
            named = ", ".join(f"{v.label} (“{v.text}”)" for v in self.unjudged)
            return f"which option is right: no tool here can judge option {named}"
        if not self.chosen:
            return f"which option is right: none of {', '.join(v.label for v in self.verdicts)} matches what the tools found"
        return None


class _Claim(BaseModel):
    """What one option says, read from its words."""

    yes: bool = False
    no: bool = False
    direction: str | None = None
    call: str | None = None
    day: str | None = None
    count: int | None = None
    tickers: list[str] = Field(default_factory=list)


def judge_options(choices: Choices, events: list[dict[str, Any]], asks_call: bool = False,
                  winners: list[str] | None = None) -> ChoiceFacts:
    """Each option against the asked span's breakouts (`events`: date, direction, call) or, across tickers,
    against the tickers the comparison picks (`winners`: an option naming any of them holds)."""
    verdicts = []
    for option in choices.options:
        claim = _read(option.text)
        holds = None if claim is None else _holds(claim, events, asks_call, winners)
        verdicts.append(OptionVerdict(label=option.label, text=option.text, holds=holds))
    return ChoiceFacts(verdicts=verdicts)


def _read(text: str) -> _Claim | None:
    """The option's claim, or None when it says something no tool here checks."""
    try:
        dates = read_dates(text)
    except BadInput:
        return None
    if dates.period is not None:
        return None
    tickers = find_tickers(dates.rest)
    rest = dates.rest
    for ticker in tickers:
        rest = rest.replace(ticker, " ")
    claim = _Claim(day=dates.day, tickers=tickers)
    for word in re.findall(r"[a-z0-9]+", rest.lower()):
        if word.isdigit():
            if claim.count is not None:
                return None
            claim.count = int(word)
        elif word in _YES:
            claim.yes = True
        elif word in _NO:
            claim.no = True
        elif word in _UP or word in _DOWN:
            claim.direction = "upward" if word in _UP else "downward"
        elif word in _TRUE or word in _FALSE:
            claim.call = "true" if word in _TRUE else "false"
        elif word not in _FILLER:
            return None
    said = claim.model_dump(exclude_defaults=True)
    return claim if said and not (claim.yes and claim.no) else None


def _holds(claim: _Claim, events: list[dict[str, Any]], asks_call: bool, winners: list[str] | None) -> bool | None:
    if winners is not None:
        if claim.direction or claim.call or claim.day or claim.count is not None:
            return None
        if claim.no and not claim.tickers:
            return not winners
        return bool(claim.tickers) and not claim.no and set(claim.tickers) <= set(winners)
    if claim.tickers:
        return None
    specific = claim.direction or claim.call or claim.day or claim.count is not None
    if claim.no:
        if specific:
            return None
        return bool(events) and all(e["call"] == "false" for e in events) if asks_call else not events
    matching = [e for e in events if (claim.direction in (None, e["direction"])) and (claim.call in (None, e["call"]))
                and (claim.day in (None, e["date"]))]
    if claim.count is not None:
        return len(matching) == claim.count
    if asks_call and claim.call is None:
        matching = [e for e in matching if e["call"] == "true"]
    return bool(matching)
