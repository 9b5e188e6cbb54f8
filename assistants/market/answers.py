"""Lenient reading of model answers and matching of the numbers and dates they cite."""

from __future__ import annotations

import re
from collections.abc import Iterable

_ANSWER = re.compile(r"answer\s*[:：]", re.IGNORECASE)
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_NUMBER = re.compile(r"(?<![\w.])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w])|(?<![\w.])-?\d+(?:\.\d+)?(?![\w])")
_TABLE_REF = re.compile(r"\btables?\s*\d+(?:\s*(?:to|-|and)\s*(?:table\s*)?\d+)?", re.IGNORECASE)


def answer_part(text: str) -> str:
    """The text after the last 'Answer:' marker, or the whole text when there is none."""
    marks = list(_ANSWER.finditer(text))
    return text[marks[-1].end():] if marks else text


def _last_word(text: str, words: dict[str, str]) -> str | None:
    """The canonical value of whichever word occurs last in the answer part (then the whole text)."""
    for part in (answer_part(text), text):
        hits = [(m.start(), value) for word, value in words.items() for m in re.finditer(word, part, re.IGNORECASE)]
        if hits:
            return max(hits)[1]
    return None


def parse_direction(text: str) -> str | None:
    return _last_word(text, {r"\bup(?:ward)?s?\b": "upward", r"\bdown(?:ward)?s?\b": "downward"})


def parse_side(text: str) -> str | None:
    return _last_word(text, {r"\bbuy(?:er)?s?\b": "buyer", r"\bsell(?:er)?s?\b": "seller"})


def parse_judgment(text: str) -> str | None:
    return _last_word(text, {r"\btrue\b": "true", r"\bfalse\b": "false"})


def parse_dates(text: str) -> list[str]:
    return _DATE.findall(text)


def parse_numbers(text: str) -> list[str]:
    """Numbers as written (dates and 'table k' references removed), thousands separators kept."""
    cleaned = _TABLE_REF.sub(" ", _DATE.sub(" ", text))
    return _NUMBER.findall(cleaned)


def to_float(number: str) -> float:
    return float(number.replace(",", ""))


def matches(number: str, value: float) -> bool:
    """True when `number` is `value` rounded to the digits it shows."""
    digits = len(number.split(".")[1]) if "." in number else 0
    return abs(to_float(number) - value) <= 0.5 * 10**-digits + 1e-9 * max(1.0, abs(value))


def unknown_numbers(text: str, allowed: Iterable[float]) -> list[str]:
    """Numbers cited in `text` that match none of the allowed values."""
    values = list(allowed)
    return [n for n in parse_numbers(text) if not any(matches(n, v) for v in values)]


def cites(text: str, value: float) -> bool:
    return any(matches(n, value) for n in parse_numbers(text))


def number_after(text: str, keyword: str, span: int = 40) -> str | None:
    """The first number within `span` characters after `keyword` (case-insensitive)."""
    for m in re.finditer(re.escape(keyword), text, re.IGNORECASE):
        found = parse_numbers(text[m.end(): m.end() + span])
        if found:
            return found[0]
    return None
