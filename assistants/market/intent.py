"""What a breakout question asks about: the last bar, a given date, whether there is any, or the latest.

The answer must be about the bar that was asked: a question about the last bar is answered about
the last bar even when the most recent breakout happened earlier (the reply may add that one).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from stages.messages import Message, Request

IntentKind = Literal["last_bar", "date", "any", "recent"]

_ON_DATE = re.compile(r"\b(?:on|at|for|of the bar of|dated)\s+(\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)
_LAST_BAR = re.compile(
    r"\b(?:last|latest|final|current|newest|most recent|today'?s?)\s+(?:bar|candle|close|session|day|row)\b|"
    r"\btoday\b|\bright now\b|\bthis (?:bar|candle|session)\b", re.IGNORECASE)
_ANY = re.compile(r"\b(?:is|are) there (?:any|a|one)\b|\bany breakouts?\b|\bhow many breakouts?\b|"
                  r"\bwere there (?:any )?breakouts?\b|\bdid (?:it|the price|\w+) (?:ever )?break out\b", re.IGNORECASE)

# A forecast of the price itself: no tool makes one (the probability is that a breakout holds).
_FORECAST = re.compile(
    r"\bwill (?:it|the (?:stock|price|share)s?|this (?:stock|share|ticker|one)|\w+) (?:go|rise|fall|drop|climb|rally|crash|keep)\b|"
    r"\bgo (?:up|down)\b|\btomorrow\b|\bnext (?:day|week|month|year|session)\b|\bprice target\b|"
    r"\bshould (?:i|we) (?:buy|sell|short|hold)\b|\bforecast\b", re.IGNORECASE)


class BreakoutIntent(BaseModel):
    kind: IntentKind = "recent"
    date: str | None = None
    forecast: bool = Field(False, description="asks where the price goes next, which no tool forecasts")

    def describe(self) -> str:
        return {"last_bar": "the last bar", "date": f"the bar of {self.date}", "any": "whether there is any breakout",
                "recent": "the most recent breakout"}[self.kind]


def read_intent(text: str) -> BreakoutIntent:
    """The asked bar or question; a plain "judge it" means the most recent breakout."""
    forecast = _FORECAST.search(text) is not None
    dated = _ON_DATE.search(text)
    if dated:
        return BreakoutIntent(kind="date", date=dated.group(1), forecast=forecast)
    if _LAST_BAR.search(text) and not re.search(r"\btomorrow\b", text, re.IGNORECASE):
        return BreakoutIntent(kind="last_bar", forecast=forecast)
    if _ANY.search(text):
        return BreakoutIntent(kind="any", forecast=forecast)
    return BreakoutIntent(forecast=forecast)


def without_asked_date(request: Request, intent: BreakoutIntent) -> Request:
    """The request with the asked date taken out, so that only the other dates bound the data."""
    if intent.kind != "date":
        return request
    messages = list(request.messages)
    last = max(i for i, m in enumerate(messages) if m.role == "user")
    messages[last] = Message(role="user", content=_ON_DATE.sub(" ", messages[last].content, count=1))
    return request.model_copy(update={"messages": messages})
