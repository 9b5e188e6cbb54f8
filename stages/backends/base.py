"""The one small protocol every model backend speaks.

Assistants never know which backend they run on: they hand over chat messages and generation
parameters and get text back. Everything backend-specific (token counting, retries, HTTP,
devices) stays behind this protocol.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field

from stages.messages import Message


class GenerationParams(BaseModel):
    """Sampling settings for one model call; `temperature == 0` means greedy."""

    max_tokens: int = Field(256, ge=1, le=32768)
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    repetition_penalty: float = Field(1.0, ge=0.5, le=2.0)
    stop: list[str] = Field(default_factory=list)
    seed: int | None = None
    json_schema: dict[str, Any] | None = Field(
        None, description="Ask for JSON matching this schema where the backend supports it."
    )
    extra_body: dict[str, Any] = Field(
        default_factory=dict, description="Backend-specific fields passed through unchanged."
    )
    adapter: bool = Field(
        True, description="Apply the fine-tuned adapter the backend loaded, if any. False for calls it was not "
        "trained on (free answers no tool grounds): the local backends then run the base model for this call."
    )


FinishReason = Literal["stop", "length", "cancelled"]


class CallFigures(BaseModel):
    """The figures of one model call; a `Completion` carries them and the trace's `ModelCall` records
    them, so each is defined (and typed) once."""

    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: FinishReason = "stop"
    latency_s: float = 0.0


class Completion(CallFigures):
    """What one model call produced, with the numbers the trace and the API report."""

    text: str


class StreamDelta(BaseModel):
    """One piece of a streamed completion; the last one carries the whole `completion`."""

    text: str = ""
    completion: Completion | None = None


class Capabilities(BaseModel):
    streaming: bool = True
    json_schema: bool = False
    local: bool = True


class BackendError(Exception):
    """A model backend failed; the message is safe to show to a user."""


class BackendUnavailable(BackendError):
    """The backend cannot be reached or its model cannot be loaded."""


class BackendTimeout(BackendError):
    """The backend did not answer within its timeout."""


@runtime_checkable
class Backend(Protocol):
    """A chat model. `cancel` lets a caller stop a generation between tokens."""

    name: str
    model: str
    capabilities: Capabilities

    def complete(
        self,
        messages: list[Message],
        params: GenerationParams,
        cancel: threading.Event | None = None,
    ) -> Completion: ...

    def stream(
        self,
        messages: list[Message],
        params: GenerationParams,
        cancel: threading.Event | None = None,
    ) -> Iterator[StreamDelta]: ...


def complete_by_streaming(
    backend: Backend,
    messages: list[Message],
    params: GenerationParams,
    cancel: threading.Event | None = None,
) -> Completion:
    """`complete` for backends whose natural primitive is `stream`."""
    for delta in backend.stream(messages, params, cancel):
        if delta.completion is not None:
            return delta.completion
    raise BackendError(f"{backend.name} backend ended its stream without a completion")


def apply_stops(text: str, stop: list[str]) -> tuple[str, bool]:
    """Cut `text` at the first stop string; says whether one was found."""
    cut = min((i for i in (text.find(s) for s in stop if s) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


def stop_prefix_len(text: str, stop: list[str]) -> int:
    """Length of the longest end of `text` that could still grow into a stop string.

    Streaming backends hold that much back, so a stop string split across tokens never leaks.
    """
    for size in range(min(len(text), max(map(len, stop), default=1) - 1), 0, -1):
        tail = text[-size:]
        if any(len(s) > size and s.startswith(tail) for s in stop):
            return size
    return 0


class StopCutter:
    """Cuts streamed text at the first stop string, holding back any tail that could begin one."""

    def __init__(self, stop: list[str]) -> None:
        self.stop = [s for s in stop if s]
        self.pending = ""
        self.stopped = False

    def feed(self, text: str) -> str:
        """The part of `text` (with what was held back) that is safe to emit now."""
        self.pending += text
        cut, found = apply_stops(self.pending, self.stop)
        if found:
            self.stopped, self.pending = True, ""
            return cut
        safe = len(self.pending) - stop_prefix_len(self.pending, self.stop)
        out, self.pending = self.pending[:safe], self.pending[safe:]
        return out

    def flush(self) -> str:
        out, self.pending = self.pending, ""
        return out


def relay(
    pieces: Iterable[str],
    stop: list[str],
    worker: threading.Thread,
    halt: threading.Event,
    failure: Callable[[], BaseException | None],
    model: str,
    cancel: threading.Event | None = None,
) -> Generator[StreamDelta, None, tuple[str, bool]]:
    """Text a generating worker thread hands over, cut at stop strings, as deltas.

    Stops reading at a stop string or `cancel`, then halts and joins the worker; a failure it left is
    raised as a BackendError. Returns the whole text and whether a stop string ended it.
    """
    cutter = StopCutter(stop)
    parts: list[str] = []
    try:
        for piece in pieces:
            if ready := cutter.feed(piece):
                parts.append(ready)
                yield StreamDelta(text=ready)
            if cutter.stopped or (cancel is not None and cancel.is_set()):
                break
    finally:
        halt.set()
        worker.join()
    if (error := failure()) is not None:
        if isinstance(error, BackendError):
            raise error
        raise BackendError(f"model {model!r} failed while generating: {error}") from error
    if rest := cutter.flush():
        parts.append(rest)
        yield StreamDelta(text=rest)
    return "".join(parts), cutter.stopped


def token_budget(prompt_tokens: int, max_tokens: int, context: int | None, model: str) -> int:
    """The tokens a local model may generate: `max_tokens`, or fewer where its context (None or 0:
    unknown) has less room after the prompt; a prompt that fills the context is a BackendError."""
    if not context:
        return max_tokens
    room = context - prompt_tokens
    if room < 1:
        raise BackendError(f"the prompt is {prompt_tokens} tokens; model {model!r} reads at most {context}")
    return min(max_tokens, room)


def local_finish_reason(
    stopped: bool, ended_on_eos: bool, generated: int, max_tokens: int, cancel: threading.Event | None
) -> FinishReason:
    """Why a local generation ended: a stop string or end-of-sequence token first, then a cancel;
    "length" only when it used all of `max_tokens`."""
    if stopped or ended_on_eos:
        return "stop"
    if cancel is not None and cancel.is_set():
        return "cancelled"
    return "length" if generated >= max_tokens else "stop"
