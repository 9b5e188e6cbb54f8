"""A deterministic backend: replies come from a script, not a model.

Used by engine tests, benchmarks (engine overhead with an instant model) and anyone who wants
to replay recorded model outputs through an assistant.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence

from stages.backends.base import (
    Capabilities,
    Completion,
    GenerationParams,
    StreamDelta,
    apply_stops,
)
from stages.messages import Message

Script = Sequence[str | BaseException] | Callable[[list[Message]], str]


class ScriptedBackend:
    """Returns the next scripted reply per call (the last one repeats); exceptions are raised.

    `delay_s` and `token_delay_s` imitate a model's latency and token rate (one word per token).
    """

    name = "scripted"

    def __init__(
        self, script: Script, model: str = "scripted", delay_s: float = 0.0, token_delay_s: float = 0.0
    ) -> None:
        self.model = model
        self.capabilities = Capabilities(streaming=True, json_schema=False, local=True)
        self._script = script
        self._delay_s = delay_s
        self._token_delay_s = token_delay_s
        self.calls: list[list[Message]] = []

    def _next(self, messages: list[Message]) -> str:
        self.calls.append(messages)
        if callable(self._script):
            return self._script(messages)
        item = self._script[min(len(self.calls), len(self._script)) - 1]
        if isinstance(item, BaseException):
            raise item
        return item

    def complete(
        self, messages: list[Message], params: GenerationParams, cancel: threading.Event | None = None
    ) -> Completion:
        started = time.perf_counter()
        if self._delay_s:
            time.sleep(self._delay_s)
        text, _ = apply_stops(self._next(messages), params.stop)
        words = text.split(" ")
        finish = "length" if len(words) > params.max_tokens else "stop"
        text = " ".join(words[: params.max_tokens])
        return Completion(
            text=text,
            model=self.model,
            prompt_tokens=sum(len(m.content.split()) for m in messages),
            completion_tokens=len(words[: params.max_tokens]),
            finish_reason=finish,
            latency_s=time.perf_counter() - started,
        )

    def stream(
        self, messages: list[Message], params: GenerationParams, cancel: threading.Event | None = None
    ) -> Iterator[StreamDelta]:
        completion = self.complete(messages, params, cancel)
        for i, word in enumerate(completion.text.split(" ")):
            if cancel is not None and cancel.is_set():
                yield StreamDelta(completion=completion.model_copy(update={"finish_reason": "cancelled"}))
                return
            if self._token_delay_s:
                time.sleep(self._token_delay_s)
            yield StreamDelta(text=word if i == 0 else " " + word)
        yield StreamDelta(completion=completion)
