"""The chemical-weapons screen: one for every assistant, option and route.

A request is refused when the conversation mentions a screened agent (in any turn, in any
listed language, by name, identifier, structure or systematic name) and the newest user turn
asks to make, obtain or use it; or when the newest turn names an agent and an earlier turn set
up such a request ("I need a synthesis route." ... "For sarin."). Role-play or fiction framing
anywhere in the conversation counts for every later turn. Questions about identity,
properties, detection, toxicology, treatment and history are answered. Text for the user (the
streamed draft and the final reply) is withheld when it names an agent and reads as a
procedure for making something.
"""

from __future__ import annotations

from functools import lru_cache

from assistants.safety.agents import SafetyHit
from assistants.safety.intent import benign_topic, read_intent, reads_as_procedure
from assistants.safety.mentions import mentions
from stages.messages import Request
from stages.screen import ScreenVerdict

_REFUSAL_START = "I can't help with making, obtaining or using"
REFUSAL = (
    _REFUSAL_START + " {agents}: {it_is} chemical-weapon agent{s} or key precursor{s} "
    "under the Chemical Weapons Convention. I can answer questions about {its} identity, properties, detection, "
    "toxicology, treatment of exposure and history."
)


@lru_cache(maxsize=512)
def _mentions(text: str) -> tuple[SafetyHit, ...]:
    return tuple(mentions(text))


def _refusal(hits: list[SafetyHit], why: str) -> ScreenVerdict:
    agents = sorted({hit.agent for hit in hits})
    many = len(agents) > 1
    text = REFUSAL.format(agents=", ".join(agents), it_is="these are" if many else "it is a", s="s" if many else "",
                          its="their" if many else "its")
    return ScreenVerdict(text=text, reason=f"chemical-weapons screen: {why} ({', '.join(agents)})")


def _conversation_mentions(request: Request) -> list[SafetyHit]:
    """Agents named anywhere in the conversation, except in earlier refusals (which name them too)."""
    return [hit for m in request.messages if not m.content.startswith(_REFUSAL_START) for hit in _mentions(m.content)]


def _user_turns(request: Request) -> tuple[list[str], str]:
    """Earlier user and system turns, and the newest user turn with any inline attachment text."""
    users = [i for i, m in enumerate(request.messages) if m.role == "user"]
    last_index = users[-1] if users else len(request.messages)
    earlier = [m.content for m in request.messages[:last_index] if m.role in ("user", "system")]
    attached = [a.text or "" for a in request.attachments if a.kind == "text"]
    last = "\n".join([request.last_user_text, *attached])
    return earlier, last


class WeaponsScreen:
    """Screens requests and answers for chemical-weapon agents and their key precursors."""

    def screen_request(self, request: Request) -> ScreenVerdict | None:
        earlier, last = _user_turns(request)
        framed = any(read_intent(text).framing for text in earlier)
        intent = read_intent(last, framed)
        named_last = list(_mentions(last))
        named = named_last + _conversation_mentions(request)
        if intent.harmful and named:
            return _refusal(named, f"asks to make, obtain or use ('{intent.cues[0]}')")
        if named_last and not benign_topic(last):
            for text in earlier:
                before = read_intent(text, framed)
                if before.harmful:
                    return _refusal(named_last, f"an earlier turn asked to make, obtain or use ('{before.cues[0]}')")
        return None

    def screen_output(self, text: str, request: Request) -> ScreenVerdict | None:
        named = list(_mentions(text))
        if not named:
            named = _conversation_mentions(request)
        if named and reads_as_procedure(text):
            return _refusal(named, "the answer described how to make a screened agent")
        return None
