"""Which part of the system produced each final answer, read from the reply's status and trace.

The parts: the model (it wrote the text, the tools only checked it), the correction step (the
text was rebuilt from tool facts after the model's draft failed a check), the tools alone (a
detect-stage answer: a refusal, "not found", or a tools-only composition), or an error. Where
the facts came from (compound store, OPSIN, the given SMILES, PubChem) is read from the reply's
result. The reading is defensive: a trace that marks a stage as `corrected`, or a check with a
`kind`, is honoured when present and not required.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

SOURCES = {"store": "compound store", "opsin": "OPSIN", "smiles": "RDKit (given SMILES)", "pubchem": "PubChem"}
MODEL, CORRECTION, TOOLS, ERROR = "model", "correction step", "tools", "error"


class Attribution(BaseModel):
    part: str
    facts_from: list[str]
    model_calls: int


def _trace(reply: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in reply.get("trace") or [] if isinstance(r, dict)]


def facts_from(reply: dict[str, Any]) -> list[str]:
    """Where the reply's molecules came from, in order, without repeats."""
    molecules = (reply.get("result") or {}).get("molecules") or []
    found = [SOURCES.get(str(m.get("source")), str(m.get("source"))) for m in molecules if isinstance(m, dict)]
    return list(dict.fromkeys(s for s in found if s and s != "None"))


def _corrected(reply: dict[str, Any]) -> bool:
    """Rebuilt from tool facts: a `corrected` reply, or one whose text the engine says the tools wrote
    after the model was called (a rebuilt text that still carries an unchecked part is `unverified`)."""
    if reply.get("status") == "corrected" or reply.get("answered_by") == "tools":
        return True
    return any((r.get("data") or {}).get("corrected") for r in _trace(reply))


def attribute(reply: dict[str, Any], tools_only: bool = False, draft: bool = False) -> Attribution:
    """The part that produced the final text of `reply` (a `Reply.public()` dict) under a
    configuration that composed from tools only, or that kept the model's draft."""
    calls = sum(len(r.get("model_calls") or []) for r in _trace(reply))
    sources = facts_from(reply)
    early = any("early_exit" in (r.get("data") or {}) for r in _trace(reply))
    if reply.get("status") == "error":
        part = ERROR
    elif tools_only or early or calls == 0:
        part = TOOLS
    elif draft or not _corrected(reply):
        part = MODEL
    else:
        part = CORRECTION
    return Attribution(part=part, facts_from=sources, model_calls=calls)


def last_draft(reply: dict[str, Any]) -> tuple[str, str] | None:
    """The model's last draft as written and the status its own checks give it (`verified` when
    the last verify stage passed every check, else `unverified`); None when no model was called."""
    drafts = [c for r in _trace(reply) if r.get("stage") == "reason" for c in r.get("model_calls") or []]
    if not drafts:
        return None
    trace = _trace(reply)
    last_reason = max(i for i, r in enumerate(trace) if r.get("stage") == "reason")
    # the draft's own verify follows its reason stage; a later one checks the correction
    verifies = [r for r in trace[last_reason:] if r.get("stage") == "verify"][:1]
    checks = verifies[0].get("checks") or [] if verifies else []
    passed = bool(verifies) and all(c.get("passed") for c in checks) and any(c.get("kind") == "coverage" for c in checks)
    return str(drafts[-1].get("output", "")), "verified" if passed else "unverified"
