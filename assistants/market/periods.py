"""The days and periods a question names: one reader for the asked day, the asked period and the data's bounds.

Forms read: days ("2011-03-03", "2011/03/03", "March 3, 2011", "3 March 2011", "15/3/2011" and "3/15/2011"
where a number over 12 says which is the day), months ("March 2011", "2011-03"), quarters ("Q1 2012",
"first quarter of 2012"), halves ("first half of 2011", "H2 2011"), parts and seasons of a year by
convention ("early 2011" January–April, "mid 2011" May–August, "late 2011" September–December, the
"beginning" and "end" of a year its first and last quarter, "summer 2011" June–August, "winter 2011"
December 2011–February 2012), years ("in 2011"), a range between any two
("between 2011-01-01 and 2011-06-30", "from Jan 2011 to March 2011", "from January to March 2011"),
"the week of 2012-05-07", open ranges ("since 2012-01-01"), and spans relative to the data's last bar
("last month", "in the last 30 days"), which are resolved only once the bars are known, since the
data (a bundled sample ending in 2013, say) decides what "last month" can mean.
"""

from __future__ import annotations

import re
from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field

from assistants.market.yahoo import iso_day
from stages.stage import BadInput

Unit = Literal["bar", "day", "week", "month", "quarter", "year"]
Grain = Literal["day", "month", "quarter", "year"]

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"
_QUARTERS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
# One written date, most specific form first (at a given position the first alternative that matches wins).
_WRITTEN = re.compile(
    rf"(?<![\d/.-])(?P<iso>\d{{4}}[-/]\d{{1,2}}[-/]\d{{1,2}})(?![\d/-])"
    rf"|\b(?P<mdy_m>{_MONTH})\s+(?P<mdy_d>\d{{1,2}}){_ORD},?\s+(?P<mdy_y>{_YEAR})\b"
    rf"|\b(?P<dmy_d>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<dmy_m>{_MONTH}),?\s+(?P<dmy_y>{_YEAR})\b"
    rf"|\b(?P<my_m>{_MONTH}),?\s+(?:of\s+)?(?P<my_y>{_YEAR})\b"
    rf"|(?<![\d/.-])(?P<ym_y>{_YEAR})-(?P<ym_m>\d{{2}})(?![\d/-])"
    rf"|\bQ(?P<q_n>[1-4])\s*(?:of\s+)?'?(?P<q_y>{_YEAR})\b"
    rf"|\b(?P<yq_y>{_YEAR})\s*Q(?P<yq_n>[1-4])\b"
    rf"|\b(?P<wq_n>{'|'.join(_QUARTERS)})\s+quarter\s+(?:of\s+)?(?P<wq_y>{_YEAR})\b"
    rf"|\b(?P<h_n>first|1st|second|2nd)\s+half\s+(?:of\s+)?(?P<h_y>{_YEAR})\b"
    rf"|\bH(?P<hh_n>[12])\s*'?(?P<hh_y>{_YEAR})\b"
    rf"|\b(?P<part>early|mid|middle\s+of|late|end\s+of|beginning\s+of|start\s+of)[\s-]+(?:the\s+year\s+)?(?P<part_y>{_YEAR})\b"
    rf"|\b(?P<season>spring|summer|autumn|fall|winter)\s+(?:of\s+)?(?P<season_y>{_YEAR})\b"
    rf"|(?<![\d/.-])(?P<nd_d>1[3-9]|2\d|3[01])[/.](?P<nd_m>0?[1-9]|1[0-2])[/.](?P<nd_y>{_YEAR})(?![\d/.-])"
    rf"|(?<![\d/.-])(?P<nm_m>0?[1-9]|1[0-2])[/.](?P<nm_d>1[3-9]|2\d|3[01])[/.](?P<nm_y>{_YEAR})(?![\d/.-])"
    rf"|(?<![\d/.-])(?P<year>{_YEAR})(?![\d/-])"
    rf"|\b(?P<bare_m>{_MONTH})(?=\s+(?:to|until|till|through|thru|and|-|–)\s)",
    re.IGNORECASE,
)
_RANGE_JOIN = re.compile(r"^\s*(?:to|until|till|through|thru|and|-|–|—)\s*$", re.IGNORECASE)
_RANGE_OPEN = re.compile(r"\b(?:from|between)\s*$", re.IGNORECASE)
_WEEK_OF = re.compile(r"\bweek\s+(?:of|starting|beginning)\s+(?:on\s+)?$", re.IGNORECASE)
_SINCE = re.compile(r"\b(?:since|from|starting(?:\s+on)?|after)\s*$", re.IGNORECASE)
_UNTIL = re.compile(r"\b(?:until|till|through|up\s+to|to|before|by)\s*$", re.IGNORECASE)
_YEAR_CONTEXT = re.compile(r"\b(?:in|during|for|of|over|throughout|year|and|or)\s*$", re.IGNORECASE)
_LEAD = re.compile(r"(?:\b(?:in|during|for|over|throughout|on|at|of|the)\s+)+$", re.IGNORECASE)
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10, "twelve": 12}
_RELATIVE = re.compile(
    r"\b(?P<the>the\s+)?(?P<which>last|past|previous|prior|this)\s+(?:(?P<count>\d{1,4}|"
    + "|".join(_NUMBER_WORDS) + r")\s+)?(?P<unit>trading\s+days?|sessions?|bars?|days?|weeks?|months?|quarters?|years?)\b",
    re.IGNORECASE,
)
_OWN_PREPOSITION = {"last", "this", "previous", "prior", "since", "from", "starting", "after", "until", "till", "through",
                    "thru", "up", "to", "before", "by"}
_OFFSETS = {"week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}  # calendar units ("last week" is Mon-Sun)


class Relative(BaseModel):
    """A span counted from the data's last bar."""

    unit: Unit
    count: int = Field(1, ge=1)
    trailing: bool = Field(description="the `count` units up to the last bar; else the calendar unit before "
                                       "the last bar's (or, with `current`, the one holding it)")
    current: bool = Field(False, description="'this month': the calendar unit that holds the last bar")


class Period(BaseModel):
    """An asked period as written and, once known, its first and last day (inclusive, ISO)."""

    label: str = Field(description="as the question writes it: 'March 2011', 'last month'")
    start: str | None = None
    end: str | None = None
    relative: Relative | None = None
    anchor: str | None = Field(None, description="the last bar a relative period was counted from")

    def resolved(self, index: pd.DatetimeIndex) -> Period:
        """Fixed bounds: a relative span counted from the data's last bar; an open end at the data's end."""
        last = index[-1].normalize()
        if self.relative is not None:
            start, end = _relative_bounds(self.relative, index)
            return self.model_copy(update={"start": start, "end": end, "anchor": f"{last:%Y-%m-%d}"})
        return self.model_copy(update={"start": self.start or f"{index[0]:%Y-%m-%d}",
                                       "end": self.end or f"{last:%Y-%m-%d}"})

    def describe(self) -> str:
        """The period in words with its days, saying how a relative one was counted."""
        days = f"{self.start} to {self.end}"
        if self.relative is None:
            return self.label if self.label == days else f"{self.label} ({days})"
        how = ("the calendar {unit} holding" if self.relative.current else
               "counted back from" if self.relative.trailing else "the calendar {unit} before").format(unit=self.relative.unit)
        return f"{self.label} ({days}: {how} the data's last bar, {self.anchor})"

    def phrase(self) -> str:
        """The period after a verb: 'in March 2011 (…)', 'from 2010-01-04 to 2010-06-30', 'last month (…)'."""
        first = self.label.split()[0].lower()
        if first in _OWN_PREPOSITION:
            return self.describe()
        return f"from {self.describe()}" if " to " in self.label else f"in {self.describe()}"


class DatesRead(BaseModel):
    """What a question's dates say: the asked period, the asked day, and what was left unread."""

    period: Period | None = None
    day: str | None = Field(None, description="a single asked day (ISO)")
    extra: list[str] = Field(default_factory=list, description="further periods or days no answer here covers")
    rest: str = Field("", description="the text with every date taken out (for reading tickers)")
    marked: str = Field("", description="the text with every date and period marked DATEX (for the intent reader)")


class _Found(BaseModel):
    """One written date: where it is, and its first and last day."""

    text: str
    begin: int
    stop: int
    start: str | None
    end: str | None
    grain: Grain | None = None  # None: a month without its year, valid only as a range's first end


class _Piece(BaseModel):
    """A period or an asked day, with the span of text that says it (its leading preposition included)."""

    begin: int
    stop: int
    period: Period | None = None
    day: str | None = None


def read_dates(text: str) -> DatesRead:
    """The period and day a question asks about; BadInput for a date that is no calendar day."""
    found = _written(text)
    pieces: list[_Piece] = []
    i = 0
    while i < len(found):
        piece, used = _piece(text, found, i)
        pieces += [piece] if piece is not None else []
        i += used
    relative = _RELATIVE.search(text)
    period = _relative(relative) if relative else None
    if relative and period and not any(p.begin <= relative.start() < p.stop for p in pieces):
        pieces.append(_Piece(begin=relative.start(), stop=relative.end(), period=period))
    pieces.sort(key=lambda p: p.begin)
    periods = [p.period for p in pieces if p.period is not None]
    days = [p.day for p in pieces if p.day is not None]
    rest, marked = text, text
    for piece in reversed(pieces):
        rest = rest[: piece.begin] + " " + rest[piece.stop :]
        marked = marked[: piece.begin] + " DATEX " + marked[piece.stop :]
    return DatesRead(period=periods[0] if periods else None, day=days[0] if days else None,
                     extra=[p.label for p in periods[1:]] + days[1:], rest=rest, marked=marked)


def _written(text: str) -> list[_Found]:
    out = []
    for match in _WRITTEN.finditer(text):
        start, end, grain = _bounds(match)
        out.append(_Found(text=match.group(0), begin=match.start(), stop=match.end(), start=start, end=end, grain=grain))
    return out


def _piece(text: str, found: list[_Found], i: int) -> tuple[_Piece | None, int]:
    """The period or day written at found[i] (read with the words before it), and how many written dates it used."""
    this = found[i]
    before = text[: this.begin]
    after = found[i + 1] if i + 1 < len(found) else None
    if after is not None and after.grain is not None and _joins(text[this.stop : after.begin], before):
        first = this if this.grain is not None else _with_year(this, after)
        opened = _RANGE_OPEN.search(before)
        period = Period(label=f"{first.text} to {after.text}", start=first.start, end=after.end)
        return _Piece(begin=opened.start() if opened else this.begin, stop=after.stop, period=period), 2
    if this.grain is None or (this.grain == "year" and not (
            _YEAR_CONTEXT.search(before) or _SINCE.search(before) or _UNTIL.search(before))):
        return None, 1
    week, since, until = _WEEK_OF.search(before), _SINCE.search(before), _UNTIL.search(before)
    if week and this.grain == "day":
        monday = pd.Timestamp(this.start) - pd.Timedelta(days=pd.Timestamp(this.start).weekday())
        lead = _LEAD.search(before[: week.start()])
        period = Period(label=f"the week of {this.text}", start=f"{monday:%Y-%m-%d}",
                        end=f"{monday + pd.Timedelta(days=6):%Y-%m-%d}")
        return _Piece(begin=lead.start() if lead else week.start(), stop=this.stop, period=period), 1
    if since:
        start = _next_day(this.end) if since.group(0).lower().startswith("after") else this.start
        period = Period(label=f"{since.group(0).strip()} {this.text}", start=start)
        return _Piece(begin=since.start(), stop=this.stop, period=period), 1
    if until:
        end = _previous_day(this.start) if until.group(0).lower().startswith("before") else this.end
        return _Piece(begin=until.start(), stop=this.stop, period=Period(label=f"{until.group(0).strip()} {this.text}",
                                                                        end=end)), 1
    lead = _LEAD.search(before)
    begin = lead.start() if lead else this.begin
    if this.grain == "day":
        return _Piece(begin=begin, stop=this.stop, day=this.start), 1
    return _Piece(begin=begin, stop=this.stop, period=Period(label=this.text, start=this.start, end=this.end)), 1


def _joins(between: str, before: str) -> bool:
    """Two written dates make one range: 'X to Y', 'X - Y', and 'between X and Y' (a bare 'and' lists two)."""
    return bool(_RANGE_JOIN.match(between)) and (not re.match(r"\s*and\b", between) or bool(_RANGE_OPEN.search(before)))


def _bounds(match: re.Match[str]) -> tuple[str | None, str | None, Grain | None]:
    g = match.groupdict()
    if g["iso"]:
        day = iso_day(g["iso"].replace("/", "-"))
        return day, day, "day"
    for m, d, y in (("mdy_m", "mdy_d", "mdy_y"), ("dmy_m", "dmy_d", "dmy_y")):
        if g[m]:
            day = iso_day(f"{g[y]}-{_month_number(g[m])}-{g[d]}")
            return day, day, "day"
    if g["my_m"] or g["ym_y"]:
        year, month = (g["my_y"], _month_number(g["my_m"])) if g["my_m"] else (g["ym_y"], int(g["ym_m"]))
        if not 1 <= month <= 12:
            raise BadInput(f"{match.group(0)!r} is not a month.")
        return _span(pd.Period(year=int(year), month=month, freq="M")) + ("month",)  # type: ignore[return-value]
    quarter = next(((g[n], g[y]) for n, y in (("q_n", "q_y"), ("yq_n", "yq_y"), ("wq_n", "wq_y")) if g[n]), None)
    if quarter:
        number = _QUARTERS.get(quarter[0].lower()) or int(quarter[0])
        return _span(pd.Period(year=int(quarter[1]), quarter=number, freq="Q")) + ("quarter",)  # type: ignore[return-value]
    if g["nd_d"] or g["nm_d"]:  # 15/3/2011 or 3/15/2011: read only where the day (over 12) tells which is which
        year, month, day = (g["nd_y"], g["nd_m"], g["nd_d"]) if g["nd_d"] else (g["nm_y"], g["nm_m"], g["nm_d"])
        iso = iso_day(f"{year}-{month}-{day}")
        return iso, iso, "day"
    months = _months_of(g)
    if months is not None:
        year, first, last = months
        start = pd.Period(year=year, month=1, freq="M") + (first - 1)
        return f"{start.start_time:%Y-%m-%d}", f"{(start + (last - first)).end_time:%Y-%m-%d}", "quarter"
    if g["year"]:
        return _span(pd.Period(year=int(g["year"]), freq="Y")) + ("year",)  # type: ignore[return-value]
    return None, None, None


# Months of the parts of a year a question may name loosely, by convention (the reply shows the days):
# early / mid / late as thirds, halves, and meteorological seasons (winter runs into the next year).
_PARTS = {"early": (1, 4), "beginning of": (1, 3), "start of": (1, 3), "mid": (5, 8), "middle of": (5, 8),
          "late": (9, 12), "end of": (10, 12)}
_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 14)}


def _months_of(g: dict[str, str | None]) -> tuple[int, int, int] | None:
    """(year, first month, last month counted from January of that year) of a half, a part or a season."""
    if g["h_n"] or g["hh_n"]:
        second = (g["h_n"] or "").lower() in ("second", "2nd") or g["hh_n"] == "2"
        return int(g["h_y"] or g["hh_y"] or 0), 7 if second else 1, 12 if second else 6
    if g["part"]:
        first, last = _PARTS[re.sub(r"\s+", " ", g["part"].lower())]
        return int(g["part_y"] or 0), first, last
    if g["season"]:
        first, last = _SEASONS[g["season"].lower()]
        return int(g["season_y"] or 0), first, last
    return None


def _with_year(bare: _Found, after: _Found) -> _Found:
    """'January' in 'from January to March 2011': the month of the other end's year."""
    year = int((after.start or "")[:4])
    start, end = _span(pd.Period(year=year, month=_month_number(bare.text), freq="M"))
    return bare.model_copy(update={"start": start, "end": end, "text": f"{bare.text} {year}", "grain": "month"})


def _month_number(name: str) -> int:
    key = name.lower().rstrip(".")[:3]
    return next(i for i, month in enumerate(_MONTHS, start=1) if month.startswith(key))


def _span(period: pd.Period) -> tuple[str, str]:
    return f"{period.start_time:%Y-%m-%d}", f"{period.end_time:%Y-%m-%d}"


def _next_day(day: str | None) -> str:
    return f"{pd.Timestamp(day) + pd.Timedelta(days=1):%Y-%m-%d}"


def _previous_day(day: str | None) -> str:
    return f"{pd.Timestamp(day) - pd.Timedelta(days=1):%Y-%m-%d}"


def _relative(match: re.Match[str]) -> Period | None:
    """'last month', 'the past 30 days', 'this year'; a bare 'last day' or 'last bar' is the last bar, no period."""
    unit_word = match.group("unit").lower()
    unit: Unit = "bar" if unit_word.startswith(("trading", "session", "bar")) else unit_word.rstrip("s")  # type: ignore[assignment]
    count_word = (match.group("count") or "").lower()
    count = int(count_word) if count_word.isdigit() else _NUMBER_WORDS.get(count_word, 1)
    which = match.group("which").lower()
    if unit in ("bar", "day") and not count_word:
        return None
    trailing = bool(count_word or match.group("the") or which == "past" or unit in ("bar", "day"))
    current = which == "this" and not count_word
    relative = Relative(unit=unit, count=max(count, 1), trailing=trailing and not current, current=current)
    return Period(label=match.group(0).strip(), relative=relative)


def _relative_bounds(relative: Relative, index: pd.DatetimeIndex) -> tuple[str, str]:
    last = index[-1].normalize()
    if relative.unit == "bar":
        return f"{index[max(0, len(index) - relative.count)]:%Y-%m-%d}", f"{last:%Y-%m-%d}"
    if relative.trailing:
        months = {"month": 1, "quarter": 3, "year": 12}.get(relative.unit)
        back = pd.DateOffset(months=months * relative.count) if months else pd.DateOffset(
            **{f"{relative.unit}s": relative.count})  # type: ignore[arg-type]
        return f"{last - back + pd.Timedelta(days=1):%Y-%m-%d}", f"{last:%Y-%m-%d}"
    holding = last.to_period(_OFFSETS[relative.unit])
    if relative.current:
        return f"{holding.start_time:%Y-%m-%d}", f"{last:%Y-%m-%d}"
    return _span(holding - relative.count)
