"""A value read from one of the `chemicals` package's tables, with the table it came from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel


class Sourced(BaseModel):
    value: float
    source: str


def sourced(value_of: Callable[..., Any], methods_of: Callable[..., list[str]], cas: str,
            by_keyword: bool = False) -> Sourced | None:
    """The value the package's first (preferred) method gives, named by that method; None when none lists it."""
    try:
        methods = methods_of(CASRN=cas) if by_keyword else methods_of(cas)
        value = value_of(CASRN=cas) if by_keyword else value_of(cas)
    except (KeyError, ValueError, TypeError):
        return None
    if value is None or not methods:
        return None
    return Sourced(value=float(value), source=f"chemicals: {methods[0]}")
