"""The chem assistant's view of the chemical-weapons screen: which resolved structures and named
agents a question touches, kept in its facts and shown in its result.

The screening itself (the agent list, structure matching, names in many languages, intent) lives
in `assistants.safety`, which every pipeline runs before any assistant; this module only adds
the structures chem's own tools resolved (store, OPSIN, PubChem) to what the text names.
"""

from __future__ import annotations

from pydantic import BaseModel

from assistants.safety.agents import SafetyHit, screen_structure
from assistants.safety.intent import harmful_intent
from assistants.safety.mentions import mentions

__all__ = ["SafetyHit", "SafetyVerdict", "harmful_intent", "screen", "screen_structure"]


class SafetyVerdict(BaseModel):
    hits: list[SafetyHit]
    harmful_intent: bool
    refuse: bool
    reason: str = ""


def screen(text: str, smiles: list[str]) -> SafetyVerdict:
    """Agents among the resolved structures and in the text, and whether the text asks to make them."""
    hits = [hit for s in smiles for hit in screen_structure(s)] + mentions(text)
    intent = harmful_intent(text)
    refuse = bool(hits) and intent
    reason = ""
    if refuse:
        named = ", ".join(sorted({hit.agent for hit in hits}))
        reason = f"request to make or obtain a controlled chemical-weapon agent or precursor ({named})"
    return SafetyVerdict(hits=hits, harmful_intent=intent, refuse=refuse, reason=reason)
