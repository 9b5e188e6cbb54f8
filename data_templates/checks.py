"""Answer validators: every fact a rendered answer states is found in its text and re-checked.

SMILES are read back from `backticks` and re-parsed with RDKit, numbers are read back from the
text and compared with the computed value at the precision they were printed, formulas and
names must appear as whole words, and a choice must name its value and none of the others.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from data_templates.templates import Check

_CODE = re.compile(r"`([^`\s]+)`")
# (number, its decimals, its exponent); findall hands back plain tuples, the cheapest way to read them
_NUMBER = re.compile(r"(?<![\w.])(-?\d+(?:\.(\d+))?(?:[eE]([+-]?\d+))?)")


def _joins(char: str) -> bool:
    return char.isalnum() or char in "_+-"


def _whole_word(value: str, text: str) -> bool:
    """`value` occurs in `text` (any case) not glued to a letter, digit, '_', '+' or '-'."""
    needle, haystack = value.lower(), text.lower()
    if not needle:
        return False
    start = haystack.find(needle)
    while start >= 0:
        end = start + len(needle)
        if not (start and _joins(haystack[start - 1])) and not (end < len(haystack) and _joins(haystack[end])):
            return True
        start = haystack.find(needle, start + 1)
    return False


@lru_cache(maxsize=64)
def _numbers(text: str) -> list[tuple[float, float]]:
    """Every number in the text with its last printed digit's place value (0.01 for '46.07').

    Cached: an answer with several number checks is scanned once."""
    return [(float(token), 10.0 ** (int(exponent or 0) - len(decimals)))
            for token, decimals, exponent in _NUMBER.findall(text.replace(",", ""))]


def _smiles_matches(expected: str, text: str) -> bool:
    from assistants.chem.molecule import InvalidSmiles, canonical_smiles

    target = canonical_smiles(expected)
    for token in _CODE.findall(text):
        try:
            if canonical_smiles(token) == target:
                return True
        except InvalidSmiles:
            continue
    return False


def _number_matches(expected: float, text: str, tolerance: float) -> bool:
    for value, place in _numbers(text):
        slack = max(tolerance * abs(expected), 0.5 * place + 1e-9)
        if abs(value - expected) <= slack:
            return True
    return False


def failed_check(check: Check, text: str, facts: dict[str, Any]) -> str | None:
    """Why `text` does not state `facts[check.field]`, or None when it does."""
    expected = facts[check.field]
    if check.kind == "smiles":
        ok = _smiles_matches(str(expected), text)
    elif check.kind == "number":
        ok = _number_matches(float(str(expected).replace(",", "")), text, check.tolerance)
    elif check.kind == "choice":
        others = [o for o in check.options if o.lower() != str(expected).lower()]
        ok = _whole_word(str(expected), text) and not any(_whole_word(o, text) for o in others)
    else:
        ok = _whole_word(str(expected), text)
    return None if ok else f"the answer does not state {check.field} = {expected!r} ({check.kind})"


def answer_problems(checks: list[Check], text: str, facts: dict[str, Any]) -> list[str]:
    return [problem for check in checks if (problem := failed_check(check, text, facts)) is not None]
