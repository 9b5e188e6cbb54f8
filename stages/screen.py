"""The safety screen every pipeline runs: before detect on the request, after the reply on its text.

The engine knows no domain, so the screen is a small protocol; the operator's settings name the
implementation (`safety.screen = "module:attribute"`) and every `Pipeline` loads it unless one is
passed in. There is no setting that turns screening off: a screen that is missing or fails to
load stops the pipeline from being built, and a screen that raises during a run fails that run.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

from stages.events import Token
from stages.messages import Request
from stages.reply import Reply, StageRecord, Status


class ScreenVerdict(BaseModel):
    """A refusal: what the user reads and a one-line reason for the trace and the API."""

    text: str
    reason: str


@runtime_checkable
class Screen(Protocol):
    def screen_request(self, request: Request) -> ScreenVerdict | None:
        """A verdict when the conversation must be refused before any stage runs."""
        ...

    def screen_output(self, text: str, request: Request) -> ScreenVerdict | None:
        """A verdict when text about to reach the user (a draft or the final reply) must be withheld."""
        ...


class ScreenUnavailable(RuntimeError):
    """The configured screen cannot be loaded; pipelines are not built without one."""


@lru_cache(maxsize=8)
def load_screen(spec: str) -> Screen:
    """The screen named `module:attribute`; a callable attribute is called once to build it."""
    module_name, _, attribute = spec.partition(":")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ScreenUnavailable(f"cannot load the safety screen {spec!r}: {exc}") from exc
    screen = found() if callable(found) and not isinstance(found, Screen) else found
    if not isinstance(screen, Screen):
        raise ScreenUnavailable(f"{spec!r} is not a safety screen (needs screen_request and screen_output)")
    return screen


def default_screen() -> Screen:
    """The screen the settings name (`safety.screen`)."""
    from stages.config import get_settings

    return load_screen(get_settings().safety.screen)


_FAILED = "The safety screen could not check this {what}, so it is withheld."


def screen_request(screen: Screen, request: Request) -> ScreenVerdict | None:
    """The screen's verdict on a request; a screen that fails refuses (fails closed)."""
    try:
        return screen.screen_request(request)
    except Exception as exc:  # a broken screen must not let a request through
        return ScreenVerdict(text=_FAILED.format(what="request"), reason=f"safety screen failed: {type(exc).__name__}")


def screen_output(screen: Screen, text: str, request: Request) -> ScreenVerdict | None:
    """The screen's verdict on text for the user; a screen that fails withholds the text."""
    try:
        return screen.screen_output(text, request)
    except Exception as exc:
        return ScreenVerdict(text=_FAILED.format(what="answer"), reason=f"safety screen failed: {type(exc).__name__}")


class DraftGuard:
    """Screens draft tokens as they stream; tokens are passed on only once screened.

    Tokens are held back until the draft reaches a line end or `every` more characters, then the
    whole draft so far is screened: safe, the held tokens go out; unsafe, they are dropped and so
    is everything after. Any other event (the stage ending) screens and releases what is held.
    """

    def __init__(self, screen: Screen, request: Request, emit: Callable[[Any], None], every: int = 80) -> None:
        self.screen = screen
        self.request = request
        self._emit = emit
        self._every = every
        self._drafts: dict[int, str] = {}
        self._held: list[Token] = []
        self.verdict: ScreenVerdict | None = None

    def emit(self, event: Any) -> None:
        if not isinstance(event, Token):
            self._release()
            self._emit(event)
            return
        if self.verdict is not None:
            return
        self._drafts[event.attempt] = self._drafts.get(event.attempt, "") + event.text
        self._held.append(event)
        if "\n" in event.text or sum(len(t.text) for t in self._held) >= self._every:
            self._release()

    def _release(self) -> None:
        if not self._held or self.verdict is not None:
            self._held.clear()
            return
        attempt = self._held[-1].attempt
        self.verdict = screen_output(self.screen, self._drafts[attempt], self.request)
        held, self._held = self._held, []
        if self.verdict is None:
            for token in held:
                self._emit(token)


_WITHHELD = "[withheld by the safety screen]"


def withhold(reply: Reply, verdict: ScreenVerdict) -> Reply:
    """The reply refused: its text replaced, and drafts and model outputs scrubbed from the trace."""
    trace = [
        record.model_copy(
            update={
                "data": {},
                "checks": [],
                "model_calls": [call.model_copy(update={"output": _WITHHELD}) for call in record.model_calls],
            }
        )
        for record in reply.trace
    ]
    trace.append(StageRecord(stage="screen", summary=verdict.reason))
    return reply.model_copy(
        update={
            "text": verdict.text,
            "status": Status.REFUSED,
            "reason": verdict.reason,
            "error_type": "",
            "result": {"task": reply.result.get("task"), "refusal": verdict.reason},
            "trace": trace,
        }
    )
