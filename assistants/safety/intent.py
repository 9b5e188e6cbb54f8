"""Whether a message asks to make, obtain or use something, not merely about it.

The cues live in `intent.yaml` in several languages. A message is read clause by clause, so a
harmless topic in one clause ("...and what are its symptoms?") never excuses a request in
another ("How is it made...").
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel

from assistants.safety.mentions import fold

DATA_FILE = Path(__file__).with_name("intent.yaml")
_GROUPS = ("produce", "acquire_or_use", "weak", "procedure", "ask", "framing", "benign", "history", "recipe")
_CLAUSES = re.compile(r"[.?!;。？！；\n]+|,\s|，|、|\s(?:and|then|und|et|y|e|и|а)\s")


class Intent(BaseModel):
    """What cues a text carries; `harmful` is the verdict."""

    harmful: bool
    cues: list[str]
    framing: bool


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    return {group: re.compile("|".join(f"(?:{p})" for p in data[group])) for group in _GROUPS}


def _found(group: str, text: str) -> str | None:
    match = _patterns()[group].search(text)
    return match.group(0) if match else None


def _clause_cue(clause: str, framed: bool) -> str | None:
    """The cue that makes this clause a request to make, obtain or use; None when it is not one."""
    acquire = _found("acquire_or_use", clause)
    if acquire:
        return acquire
    procedure = _found("procedure", clause)
    produce = _found("produce", clause)
    if produce and not (procedure is None and _found("history", clause)):
        return produce
    weak = _found("weak", clause)
    asked = procedure or _found("ask", clause) or ("framing" if framed else None)
    if weak and asked and not (_found("benign", clause) or _found("history", clause)):
        return f"{asked} ... {weak}"
    if framed and procedure and not _found("benign", clause):
        return f"framing ... {procedure}"
    return None


def read_intent(text: str, framed: bool = False) -> Intent:
    """The intent of one message; `framed` when the conversation set up fiction or role-play."""
    folded = fold(text)
    framed = framed or _found("framing", folded) is not None
    cues = [cue for clause in _CLAUSES.split(folded) if clause.strip() and (cue := _clause_cue(clause, framed))]
    return Intent(harmful=bool(cues), cues=cues, framing=framed)


def harmful_intent(text: str) -> bool:
    """Whether the text asks to make, obtain or use something (not merely about it)."""
    return read_intent(text).harmful


def benign_topic(text: str) -> bool:
    """Whether the text asks about identity, properties, detection, toxicology, treatment or history."""
    folded = fold(text)
    return _found("benign", folded) is not None or _found("history", folded) is not None


def reads_as_procedure(text: str) -> bool:
    """Whether a text (a draft answer) says how to make something: laboratory-procedure language
    (two different cues), or a production statement that is not about history."""
    folded = fold(text)
    recipe = {m.group(0) for m in _patterns()["recipe"].finditer(folded)}
    produced = any(
        _found("produce", clause) and not _found("history", clause) for clause in _CLAUSES.split(folded)
    )
    return len(recipe) >= 2 or produced
