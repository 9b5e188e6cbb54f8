"""The learned reader of what a breakout question asks: the same n-gram reader as chem's, fitted on the
market packs' questions, BreakGPT's stage prompts and chat wordings (data_templates/intents/breakout.yaml).

Structure is read before it (days and periods, tickers, options) and masked, so the reader sees the
words that ask ("is TICKERX breaking out right now?") and not the entities. Its families decide what is
asked where the patterns of `intent.py` find no cue of their own; below its confidence threshold the
question is not understood, and the reply says so instead of answering a question nobody asked.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from stages.config import get_settings
from stages.intent_model import Example, IntentGuess, IntentModel, cached_model, without_instructions

EXAMPLES_FILE = Path(__file__).with_name("data") / "intent_examples.json"
MASKS = {"ticker": "TICKERX", "date": "DATEX", "num": "NUMX"}
MIN_KNOWN = 0.5  # a question most of whose words the examples never use is not understood
_NUMBER = re.compile(r"(?<![\w.])[-−]?\d+(?:[.,]\d+)?(?![\w.])")


def load_examples(path: Path = EXAMPLES_FILE) -> list[Example]:
    return [Example.model_validate(row) for row in json.loads(path.read_text(encoding="utf-8"))["examples"]]


@lru_cache(maxsize=1)
def intent_model() -> IntentModel:
    return cached_model(load_examples(), get_settings().cache_dir, min_known=MIN_KNOWN)


def mask(text: str, tickers: list[str]) -> str:
    """The question with tickers, dates (already marked DATEX by the period reader) and numbers masked."""
    masked = text
    for ticker in sorted(tickers, key=len, reverse=True):
        masked = re.sub(rf"(?<![\w/:]){re.escape(ticker)}(?![\w/])", f" {MASKS['ticker']} ", masked, flags=re.IGNORECASE)
    return " ".join(_NUMBER.sub(f" {MASKS['num']} ", masked).split())


def read_family(text: str, tickers: list[str]) -> IntentGuess:
    """The family of a question whose days and periods are marked DATEX, read without its instruction sentences."""
    model = intent_model()
    return model.guess(mask(without_instructions(text, lambda s: model.guess(mask(s, tickers))), tickers))
