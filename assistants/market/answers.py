"""Lenient reading of model answers and matching of the numbers and dates they cite."""

from __future__ import annotations

import re
from collections.abc import Iterable

_ANSWER = re.compile(r"answer\s*[:：]", re.IGNORECASE)
# The breakout answer words by the label each gives: what the stage prompts ask for ("upward or downward",
# "buyer/seller", "a true or a false breakout") in the forms a reply writes them. The chains' checks, the
# reading of BreakGPT's labels and the evals' label rules all read answers with these.
DIRECTIONS = {"upward": [r"up(?:ward)?s?"], "downward": [r"down(?:ward)?s?"]}
SIDES = {"buyer": [r"buy(?:er)?s?", r"buying"], "seller": [r"sell(?:er)?s?", r"selling"]}
JUDGMENTS = {"true": [r"true"], "false": [r"false"]}
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_NUMBER = re.compile(r"(?<![\w.])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w])|(?<![\w.])-?\d+(?:\.\d+)?(?![\w])")
_TABLE_REF = re.compile(r"\btables?\s*\d+(?:\s*(?:to|-|and)\s*(?:table\s*)?\d+)?", re.IGNORECASE)


def _last_mark(text: str) -> re.Match[str] | None:
    """The last 'Answer:' marker. Every stage prompt asks for the answer at the end (tristage's "End with
    'Answer: upward' or 'Answer: downward'", BreakGPT's "give reason to the answer firstly, and then answer"),
    so the last marker is the one that ends the reply; an earlier one is the reasoning quoting the
    instruction or an answer the model went on to revise."""
    marks = list(_ANSWER.finditer(text))
    return marks[-1] if marks else None


def answer_part(text: str) -> str:
    """The text after the last 'Answer:' marker, or the whole text when there is none."""
    mark = _last_mark(text)
    return text[mark.end():] if mark else text


def reason_part(text: str) -> str:
    """The text before the last 'Answer:' marker: the reasoning the prompts ask for first (the whole text
    when there is no marker)."""
    mark = _last_mark(text)
    return text[:mark.start()] if mark else text


def last_label(text: str, choices: dict[str, list[str]]) -> str | None:
    """The label whose word occurs last in the answer part (then the whole text); a word inside a
    longer matched phrase does not count ('valid' inside 'not valid')."""
    for part in (answer_part(text), text):
        spans = [
            (m.start(), m.end(), label)
            for label, words in choices.items()
            for word in words
            for m in re.finditer(rf"\b(?:{word})\b", part, re.IGNORECASE)
        ]
        outer = [s for s in spans if not any(o[0] <= s[0] and s[1] <= o[1] and o[:2] != s[:2] for o in spans)]
        if outer:
            return max(outer)[2]
    return None


def parse_direction(text: str) -> str | None:
    return last_label(text, DIRECTIONS)


def parse_side(text: str) -> str | None:
    return last_label(text, SIDES)


def parse_judgment(text: str) -> str | None:
    return last_label(text, JUDGMENTS)


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
