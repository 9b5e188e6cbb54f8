"""Drafts that repeat their instructions instead of answering.

A small model handed a system prompt, an answer format or repair notes often copies them back
("Your previous answer had problems: - Give the SMILES ..."). Such a draft answers nothing, so it
fails a `form` check and never reaches the user, whatever its other checks say.
"""

from __future__ import annotations

import re

from stages.reply import CheckResult

WINDOW = 32
_STEP = 8
# Phrases of the engine's and assistants' own prompts that no answer has reason to contain.
_PROMPT_PHRASES = re.compile(
    r"your previous (?:answer|draft)|answer again|fixing them|facts from tools|answer format\s*:|"
    r"the correct answer is\s*:|a previous draft was rejected|do not mention (?:them|these)|trust these over memory",
    re.IGNORECASE,
)


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def repeats(text: str, source: str, window: int = WINDOW) -> bool:
    """True when `text` contains any `window`-character stretch of `source` (whitespace and case folded)."""
    said, given = _normal(text), _normal(source)
    if len(given) < window:
        return len(given) >= window // 2 and given in said
    return any(given[i : i + window] in said for i in range(0, len(given) - window + 1, _STEP))


def note_instructions(note: str, facts_text: str) -> list[str]:
    """The stretches of a repair note that the tool facts do not contain: a model that restates the
    facts a note gave it ("Give the boiling point of water: 373.12 K" answered "The boiling point of
    water is 373.12 K") is following the note, not echoing it. Each stretch is one window the echo
    check looks for; a note shorter than a window is kept whole unless the facts hold it."""
    said, known = _normal(note), _normal(facts_text)
    if len(said) < WINDOW:
        return [note] if said.rstrip(".") not in known else []
    windows = (said[i : i + WINDOW] for i in range(0, len(said) - WINDOW + 1, _STEP))
    return list(dict.fromkeys(w for w in windows if w not in known))


def echo_check(text: str, instructions: list[str]) -> CheckResult:
    """Fails when the draft repeats a prompt phrase or any stretch of the given instructions."""
    echoed = [source for source in instructions if source.strip() and repeats(text, source)]
    phrase = _PROMPT_PHRASES.search(text)
    if phrase is None and not echoed:
        return CheckResult(name="no_echo", kind="form", passed=True)
    what = f"'{phrase.group(0)}'" if phrase else f"'{' '.join(echoed[0].split())[:60]}…'"
    return CheckResult(
        name="no_echo", kind="form", passed=False,
        message="it repeated its instructions instead of answering",
        feedback="Answer the user's question in your own words; do not repeat these instructions or notes.",
        found=what,
    )


def repetition_check(text: str, min_words: int = 24, min_distinct: float = 0.35) -> CheckResult:
    """Fails on a degenerate loop ("1. 2. 3. … 51.", a sentence said ten times): few distinct word triples."""
    words = re.findall(r"\w+", text.lower())
    triples = list(zip(words, words[1:], words[2:], strict=False))
    distinct = len(set(triples)) / len(triples) if len(words) >= min_words else 1.0
    looping = distinct < min_distinct or _counting(words)
    return CheckResult(
        name="not_repetitive", kind="form", passed=not looping,
        message="it repeated itself in a loop instead of answering" if looping else "",
        feedback="Answer briefly, without repeating yourself.", found=round(distinct, 3),
    )


def _counting(words: list[str]) -> bool:
    """A bare count "1 2 3 … 20" with nothing between the numbers."""
    numbers = [w for w in words if w.isdigit()]
    return len(numbers) >= 12 and len(numbers) >= 0.8 * len(words)
