"""Assistants by name, imported only when asked for, with near-miss suggestions on typos."""

from __future__ import annotations

import difflib
import importlib

from stages.stage import Assistant

# name -> "module:factory"; a factory returns a ready Assistant.
_FACTORIES: dict[str, str] = {
    "general": "assistants.general.assistant:GeneralAssistant",
    "chem": "assistants.chem.assistant:ChemAssistant",
    "breakout": "assistants.market.assistant:BreakoutAssistant",
}

_DESCRIPTIONS: dict[str, str] = {
    "general": "Plain chat through the same engine; the model-alone baseline.",
    "chem": "Chemistry chat grounded by RDKit, OPSIN and a PubChem-derived compound store.",
    "breakout": "Trading-range breakout judgments on footprint and OHLCV data, BreakGPT's chain.",
}


class UnknownAssistant(LookupError):
    def __init__(self, name: str) -> None:
        close = difflib.get_close_matches(name, list(_FACTORIES), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        super().__init__(f"unknown assistant {name!r}{hint} (available: {', '.join(sorted(_FACTORIES))})")


def assistant_names() -> dict[str, str]:
    """Names and one-line descriptions, without importing any assistant."""
    return dict(_DESCRIPTIONS)


def load_assistant(name: str) -> Assistant:
    target = _FACTORIES.get(name.strip().lower())
    if target is None:
        raise UnknownAssistant(name)
    module_name, attr = target.split(":")
    return getattr(importlib.import_module(module_name), attr)()
