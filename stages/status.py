"""The one definition of what a reply's status promises; every assistant's reply goes through it.

- `verified`: the final text answers what was asked (a passing `coverage` check says so) and every
  checkable claim in it passed its check; nothing in it is unchecked and it is not a non-answer.
- `corrected`: checks failed and the text was rebuilt from tool facts; it says what was replaced.
- `unverified`: the text carries claims no tool checked (an explanation, general chat), or says
  "not found / not supported / I don't know", or a check could not run — and the text says which part
  is unchecked.
- `refused`, `error`.

Assistants supply checks and name the parts they could not check; only this module turns them into
a status, so no assistant can call a non-answer `verified`.
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from stages.reply import CheckResult, Status

# Replies that decline or fail to answer. A safety net under the assistants' own coverage checks:
# whatever the checks say, such a text is never `verified`.
_NON_ANSWER = re.compile(
    r"\b(?:not (?:found|known|supported|available|in the compound store)|no (?:verified|molecule was identified|"
    r"tool facts?|data)\b|(?:i|we) (?:do not|don't|cannot|can't) (?:know|predict|tell|say|answer|determine|provide)|"
    r"unable to (?:answer|determine|find|provide)|could not (?:be )?(?:resolve|answer|determine|find|identif)\w*|"
    r"outside (?:that|my|the) scope|not answered\b)",
    re.IGNORECASE,
)


class Judgement(BaseModel):
    status: Status
    reason: str = ""
    unchecked: list[str] = []


def non_answer(text: str) -> bool:
    """Whether the text says it could not answer (not found, not supported, don't know)."""
    return _NON_ANSWER.search(text) is not None


def judge(checks: list[CheckResult], unchecked: list[str], text: str) -> Judgement:
    """The status of a text whose checks all ran: `verified` only when it is earned."""
    failed = [c.name for c in checks if not c.passed]
    if failed:
        return Judgement(status=Status.UNVERIFIED, reason=f"failed checks: {', '.join(sorted(set(failed)))}")
    if non_answer(text):
        return Judgement(status=Status.UNVERIFIED, reason="the reply does not answer the question",
                         unchecked=unchecked or ["the question is not answered"])
    if not any(c.kind == "coverage" for c in checks):
        return Judgement(status=Status.UNVERIFIED, reason="no check established that the reply answers the question",
                         unchecked=unchecked or ["the whole answer: no tool checks this kind of question"])
    if unchecked:
        return Judgement(status=Status.UNVERIFIED, reason="unchecked: " + "; ".join(unchecked), unchecked=unchecked)
    return Judgement(status=Status.VERIFIED)


def unchecked_note(unchecked: list[str]) -> str:
    """The line a reply ends with when part of it was not checked."""
    return "Not checked by any tool: " + "; ".join(unchecked) + "."
