"""A number as questions and replies write it, read by the calculators and by the checks of their answers."""

from __future__ import annotations

import re


def number_value(written: str) -> float | None:
    """A number as written: "-11", "−20", "1,000", "6.02e23", "1.2 × 10^24"."""
    parts = re.split(r"\s*(?:x\s*10\^?\s*|[eE])", written.replace("−", "-").replace(",", "").replace("×", "x"), maxsplit=1)
    try:
        return float(parts[0]) * 10 ** float(parts[1].replace("+", "")) if len(parts) == 2 else float(parts[0])
    except ValueError:
        return None
