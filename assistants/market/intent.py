"""What a breakout question asks, as data: which bar or period, which tickers, which comparison, which options.

Structure is read first, one reader each: the options (`stages.choices`), the days and periods
(`periods.read_dates`), the ticker symbols (`yahoo.SYMBOL`). Then what is asked of them: the last bar,
a given day, whether there is any breakout, or the most recent one; across tickers, which had one,
which had more, or which had the most recent. The answer must be about what was asked: a question
about March 2011 is answered about March 2011 or says it cannot be, never about another period, and a
question about the last bar is answered about the last bar even when the latest breakout came earlier.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from assistants.market.ohlcv import question_text
from assistants.market.periods import Period, read_dates
from assistants.market.reader import read_family
from assistants.market.samples import bundled_symbols
from assistants.market.yahoo import SYMBOL, iso_day
from stages.choices import Choices, read_choices
from stages.intent_model import NOT_UNDERSTOOD
from stages.messages import Request

IntentKind = Literal["last_bar", "date", "any", "recent"]
CompareKind = Literal["most_recent", "which", "count"]
Call = Literal["true", "false"]
Direction = Literal["upward", "downward"]

_LAST_BAR = re.compile(
    r"\b(?:last|latest|final|current|newest|most recent|today'?s?)\s+(?:bar|candle|close|session|day|row)\b|"
    r"\btoday\b|\bright now\b|\bthis (?:bar|candle|session)\b", re.IGNORECASE)
_ANY = re.compile(r"\b(?:is|are) there (?:any|a|one)\b|\bany breakouts?\b|\bhow many breakouts?\b|"
                  r"\bwere there (?:any )?breakouts?\b|\bdid (?:it|the price|\w+) (?:ever )?break out\b", re.IGNORECASE)
# Today's market, which no bar in hand may be: the reply says how old its latest bar is.
_NOW = re.compile(r"\b(?:right now|now|rn|today'?s?|currently|at the moment|at present|as of today|as we speak|these days)\b",
                  re.IGNORECASE)
_TRUE_WORDS = r"true|real|genuine|valid|legit(?:imate)?|confirmed|proper|actual|successful"
_FALSE_WORDS = r"false|fake|failed|bogus|phony|unsuccessful"
_UP_WORDS = r"up(?:ward)?|upside|bullish"
_DOWN_WORDS = r"down(?:ward)?|downside|bearish"
_CALLED = re.compile(rf"\b(?:(?P<true>{_TRUE_WORDS})|(?P<false>{_FALSE_WORDS}))\s+(?:(?:{_UP_WORDS}|{_DOWN_WORDS})\s+)?break-?outs?\b",
                     re.IGNORECASE)
# "the most recent upward breakout", "a bearish breakout", "break out to the upside": only that direction counts.
_DIRECTED = re.compile(rf"\b(?:(?P<upward>{_UP_WORDS})|(?P<downward>{_DOWN_WORDS}))\s+break-?outs?\b|"
                       r"\bbr(?:eak(?:s|ing)?|oke(?:n)?)\s+out\s+(?:(?P<upward2>upwards?|to the upside)|(?P<downward2>downwards?|to the downside))\b",
                       re.IGNORECASE)
# A word right before "breakout" that says nothing of which breakouts count; any other ("a big breakout",
# "a volume breakout") qualifies them in a way no tool reads, and the reply says so.
_QUALIFIER = re.compile(r"\b([A-Za-z][\w'-]*)\s+break-?outs?\b")
_NEUTRAL = frozenset((
    "a an the any one no some this that these those its their his her my our your each every such another other "
    "of for in on at to by from with about as and or was were is are be been being had has have having did does do "
    "see saw seen get got there recent latest last first next previous prior new newest current today's "
    "more most many fewer much clear possible potential range trading-range price stock chart daily real-time").split())
_ASKS_CALL = re.compile(rf"\b(?:{_TRUE_WORDS}|{_FALSE_WORDS}|fail(?:ed|s)?|hold(?:s|ing)?|held)\b", re.IGNORECASE)
_MOST_RECENT = re.compile(r"\b(?:most|more) recent(?:ly)?\b|\blatest\b|\blast\b", re.IGNORECASE)
_COUNT = re.compile(r"\bmore\b|\bmost\b|\bfewer\b|\bhow many\b|\bnumber of\b|\bcompare\b|\bvs\.?|\bversus\b", re.IGNORECASE)

# A forecast of the price itself: no tool makes one (the probability is that a breakout holds).
_FORECAST = re.compile(
    r"\bwill (?:it|the (?:stock|price|share)s?|this (?:stock|share|ticker|one)|\w+) (?:go|rise|fall|drop|climb|rally|crash|keep)\b|"
    r"\bgo (?:up|down)\b|\btomorrow\b|\bnext (?:day|week|month|year|session)\b|\bprice target\b|"
    r"\bshould (?:i|we) (?:buy|sell|short|hold)\b|\bforecast\b", re.IGNORECASE)

# A year or a numeric date still in the text once the day and period readers are done, with a word that
# qualifies it: the question names a time the reply must not answer about another.
_UNREAD_TIME = re.compile(
    r"(?:\b(?:early|mid|middle|late|around|circa|about|end|start|beginning|spring|summer|autumn|fall|winter)\b[\s-]+(?:of\s+)?)?"
    r"(?<![\d/.,:$-])(?:19|20)\d{2}(?![\d/.,:%-])|(?<![\d/.-])\d{1,2}[/.]\d{1,2}[/.](?:19|20)?\d{2}(?![\d/.-])", re.IGNORECASE)

# A question about trading ideas rather than about bars: "what is a false breakout?", "explain trading ranges".
_CONCEPT = re.compile(
    r"^\W*(?:what(?:'s|\s+is|\s+are|\s+does|\s+makes)|explain|define|describe|tell me (?:about|what)|"
    r"how (?:do|does|can|should|would|to)|why (?:do|does|is|are|would)|when (?:is|does|do|should)|"
    r"what(?:'s| is) the difference)\b", re.IGNORECASE)
_ABOUT_DATA = re.compile(r"\b(?:the (?:last|latest|most recent|current|newest|chart|data|stock|price|bars?|candles?)|"
                         r"this (?:stock|chart|data|ticker|one)|did|was there|is there|were there|today|now|currently)\b",
                         re.IGNORECASE)

# Words that make a question a breakout question whatever the reader makes of the rest.
_MARKET_CUE = re.compile(r"\bbreak(?:s|ing)?[\s-]?outs?\b|\bbroke(?:n)?\s+out\b|\branges?\b|\bresistance\b|\bsupport\b|"
                         r"\bfootprint\b|\bbars?\b|\bcandles?\b|\bstage\s*[1-3]\b|\bs[1-3]\b", re.IGNORECASE)
_READER_KINDS: dict[str, IntentKind] = {"last_bar": "last_bar", "any": "any", "recent": "recent"}

_OPENING_NOW = re.compile(r"(?:^|(?<=[.!?]))\s*now\b,?", re.IGNORECASE)
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”")
_SAMPLE = re.compile(r"\b(?:bokeh|backtesting)[/:][A-Za-z]+\b", re.IGNORECASE)
# A symbol on its own (not inside a word, a path or a sample name): read in capitals where it can be ("BRK-b"
# is BRK), else in any case, for a bundled symbol written in lower case ("aapl"); find_tickers decides which count.
_SYMBOL_IN_TEXT = re.compile(rf"(?<![\w/:])(?:{SYMBOL.pattern}|(?i:{SYMBOL.pattern}))(?![\w/])")
_NOT_TICKERS = {
    "A", "I", "OHLC", "OHLCV", "CSV", "ATR", "UTC", "USD", "AND", "OR", "THE", "IS", "IT", "ON", "TO", "IN", "OF",
    "FROM", "TRUE", "FALSE", "BUY", "SELL", "NOT", "OK", "PM", "AM", "EOD", "ETF", "IPO", "S1", "S2", "S3", "NOW",
    "YES", "NO", "VS", "US", "UP", "DOWN", "ANY", "RSI", "MACD", "SMA", "EMA", "AI", "LLM", "FAQ", "Q1", "Q2", "Q3", "Q4",
}


class BreakoutIntent(BaseModel):
    """What was asked: read before any tool answers, and what the reply is checked against."""

    kind: IntentKind = "recent"
    date: str | None = Field(None, description="the asked day (ISO)")
    period: Period | None = Field(None, description="the asked period; it also bounds the data")
    tickers: list[str] = Field(default_factory=list, description="symbols or sample names, as written, in order")
    compare: CompareKind | None = Field(None, description="across several tickers: what decides between them")
    call: Call | None = Field(None, description="'a true breakout': only breakouts with this call count")
    direction: Direction | None = Field(None, description="'an upward breakout': only breakouts this way count")
    asks_call: bool = Field(False, description="a yes/no about whether the breakout is true")
    now: bool = Field(False, description="asks about today's market, which the bars may not reach")
    forecast: bool = Field(False, description="asks where the price goes next, which no tool forecasts")
    choices: Choices = Field(default_factory=lambda: Choices(stem=""))
    extra: list[str] = Field(default_factory=list, description="further days or periods one answer does not cover")
    unread: list[str] = Field(default_factory=list, description="years or dates the question writes that no reader took "
                                                                "as a day or a period ('around 2011', '3/4/2011')")
    concept: bool = Field(False, description="asks about trading ideas ('what is a false breakout?'), not about any bars")
    unread_qualifiers: list[str] = Field(default_factory=list, description="words qualifying 'breakout' that no reader "
                                                                          "takes ('a big breakout'): said not read")
    family: str = Field("judge", description="the learned reader's family of the question (stages.intent_model)")
    understood: bool = Field(True, description="False: neither a breakout word nor the reader says what is asked")
    out_of_scope: bool = Field(False, description="the reader is sure it is no breakout question ('What dividend does IBM pay?')")

    def qualifier(self) -> str:
        """The asked kind of breakout in words, before "breakout": 'true upward ', or ''."""
        return "".join(f"{word} " for word in (self.call, self.direction) if word)

    def describe(self) -> str:
        what = {"last_bar": "the last bar", "date": f"the bar of {self.date}", "any": "whether there is any breakout",
                "recent": "the most recent breakout"}[self.kind]
        return f"{what} in {self.period.label}" if self.period is not None and self.kind != "date" else what


def read_intent(text: str) -> BreakoutIntent:
    """The request model of one question; a plain "judge it" means the most recent breakout."""
    choices = read_choices(text)
    dates = read_dates(choices.stem)
    rest = dates.rest
    spoken = _OPENING_NOW.sub(" ", rest)  # "Now you're an expert in …" opens a prompt; it asks nothing of today
    now = _NOW.search(spoken) is not None and dates.period is None and dates.day is None
    tickers = find_tickers(rest)
    asked = _QUOTED.sub(" ", rest)  # '… then answer "It is a true breakout" or "It is a false breakout"' is a format
    guess = read_family(_QUOTED.sub(" ", dates.marked), tickers)
    cued = True
    if dates.day:
        kind: IntentKind = "date"
    elif (_LAST_BAR.search(spoken) or now) and not re.search(r"\btomorrow\b", rest, re.I):
        kind = "last_bar"
    elif _ANY.search(rest):
        kind = "any"
    else:  # no pattern says which bars: the reader does, if it can
        kind, cued = _READER_KINDS.get(guess.label, "recent"), False
    called = [name for m in _CALLED.finditer(asked) for name, word in m.groupdict().items() if word]
    call = called[0] if len(set(called)) == 1 else None
    directed = {name.rstrip("2") for m in _DIRECTED.finditer(asked) for name, word in m.groupdict().items() if word}
    asks_call = call is None and _ASKS_CALL.search(asked) is not None
    cued = cued or bool(dates.period or call or asks_call or choices.options or len(tickers) > 1 or _MARKET_CUE.search(asked))
    dated = dates.period is not None or dates.day is not None
    concept_words = bool(_CONCEPT.search(asked)) and not _ABOUT_DATA.search(asked)
    outside = not cued and guess.label == "out_of_scope"
    return BreakoutIntent(
        kind=kind, date=dates.day, period=dates.period, tickers=tickers, call=call,  # type: ignore[arg-type]
        direction=directed.pop() if len(directed) == 1 else None,
        unread_qualifiers=_unread_qualifiers(asked, tickers),
        compare=_compare(_LAST_BAR.sub(" ", rest)) if len(tickers) > 1 else None, now=now,
        forecast=_FORECAST.search(rest) is not None or (guess.label == "forecast" and not cued),
        asks_call=asks_call, choices=choices, extra=dates.extra,
        unread=[m.group(0).strip() for m in _UNREAD_TIME.finditer(asked)],
        concept=((concept_words or guess.label == "concept" and not cued) and not tickers and not choices.options and not dated
                 and not outside),
        family=guess.label, understood=cued or guess.label not in (NOT_UNDERSTOOD, "out_of_scope") or not asked.strip(),
        out_of_scope=outside)


def _unread_qualifiers(text: str, tickers: list[str]) -> list[str]:
    read = {t.lower() for t in tickers}
    words = [m.group(1) for m in _QUALIFIER.finditer(text)]
    return list(dict.fromkeys(w for w in words if w.lower() not in _NEUTRAL | read and not _CALLED.search(f"{w} breakout")
                              and not _DIRECTED.search(f"{w} breakout")))


def find_tickers(text: str) -> list[str]:
    """Sample names and ticker symbols written in capitals, once each in order (OHLC, ATR and the like are
    words); a bundled sample's symbol also in lower case ("is aapl breaking out"), upper-cased."""
    found = [m.group(0) for m in _SAMPLE.finditer(text)]
    bundled = bundled_symbols()
    for token in (m.group(0) for m in _SYMBOL_IN_TEXT.finditer(text)):
        if token.islower() and token.upper() in bundled:
            token = token.upper()
        elif not SYMBOL.fullmatch(token) or token in _NOT_TICKERS or not token.lstrip("^")[:1].isalpha():
            continue
        if token not in found:
            found.append(token)
    return found


def _compare(text: str) -> CompareKind:
    """Across tickers: the most recent breakout, the larger count, or which had one at all."""
    if _MOST_RECENT.search(text):
        return "most_recent"
    return "count" if _COUNT.search(text) else "which"


def asked_intent(request: Request) -> BreakoutIntent:
    """The last question's request model; a ticker attachment's dates are the asked period when the text names none."""
    intent = read_intent(question_text(request.last_user_text))
    ticker = next((a for a in request.attachments if a.kind == "ticker" and (a.start or a.end)), None)
    if ticker is None or intent.period is not None:
        return intent
    start = iso_day(ticker.start) if ticker.start else None
    end = iso_day(ticker.end) if ticker.end else None
    label = f"{start} to {end}" if start and end else f"from {start}" if start else f"until {end}"
    return intent.model_copy(update={"period": Period(label=label, start=start, end=end)})
