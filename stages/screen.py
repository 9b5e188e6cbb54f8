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
    """Screens draft tokens as they stream and stops passing them on once the draft is refused.

    The draft is screened at every line end and every `every` characters, so a client watching
    tokens never sees more than that past the point where the draft turned unsafe.
    """

    def __init__(self, screen: Screen, request: Request, emit: Callable[[Any], None], every: int = 80) -> None:
        self.screen = screen
        self.request = request
        self._emit = emit
        self._every = every
        self._drafts: dict[int, str] = {}
        self._screened: dict[int, int] = {}
        self.verdict: ScreenVerdict | None = None

    def emit(self, event: Any) -> None:
        if not isinstance(event, Token):
            self._emit(event)
            return
        if self.verdict is not None:
            return
        attempt = event.attempt
        draft = self._drafts.get(attempt, "") + event.text
        self._drafts[attempt] = draft
        if "\n" in event.text or len(draft) - self._screened.get(attempt, 0) >= self._every:
            self._screened[attempt] = len(draft)
            self.verdict = screen_output(self.screen, draft, self.request)
            if self.verdict is not None:
                return
        self._emit(event)


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
