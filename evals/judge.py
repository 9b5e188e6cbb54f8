"""An optional LLM judge that is handed the item's rules, never a bare "is this right?".

Deterministic rules stay the score; the judge's verdict is recorded beside it, so a report can
show where the two disagree (a rule too strict, or a judge too lenient).
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from evals.suite import Item
from stages.backends.base import Backend, BackendError, GenerationParams
from stages.messages import Message

JUDGE_SYSTEM = (
    "You grade answers against explicit rules. Apply only the rules given; do not use your own "
    "opinion of the answer. Reply with one line 'Verdict: PASS' or 'Verdict: FAIL', then one "
    "sentence naming the rule that decided."
)
_VERDICT = re.compile(r"verdict\s*[:：]?\s*\**\s*(pass|fail)", re.IGNORECASE)


class JudgeVerdict(BaseModel):
    passed: bool | None
    raw: str
    error: str = ""


def rules_text(item: Item) -> str:
    """The item's rules in plain words, one per line."""
    lines = []
    for rule in item.rules:
        data = rule.model_dump(exclude_none=True)
        kind = data.pop("kind")
        lines.append(f"- {kind}: " + ", ".join(f"{k}={v}" for k, v in data.items()))
    if item.judge:
        lines.append(f"- also: {item.judge}")
    return "\n".join(lines)


def judge_prompt(item: Item, answer: str) -> list[Message]:
    user = (
        f"Question:\n{item.question}\n\nRules the answer must satisfy (all of them):\n{rules_text(item)}\n\n"
        f"Answer to grade:\n{answer}\n\nDoes the answer satisfy every rule?"
    )
    return [Message(role="system", content=JUDGE_SYSTEM), Message(role="user", content=user)]


def parse_verdict(text: str) -> bool | None:
    match = _VERDICT.search(text)
    return None if match is None else match.group(1).lower() == "pass"


def judge_answer(backend: Backend, item: Item, answer: str) -> JudgeVerdict:
    """One greedy call; a backend failure is recorded, never raised."""
    try:
        completion = backend.complete(judge_prompt(item, answer), GenerationParams(max_tokens=96, temperature=0.0))
    except BackendError as exc:
        return JudgeVerdict(passed=None, raw="", error=str(exc))
    return JudgeVerdict(passed=parse_verdict(completion.text), raw=completion.text)
