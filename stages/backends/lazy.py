"""A backend that builds its model on the first call.

A turn that detect ends early (a refusal, a clarification, bad input) never calls the model, so
a one-shot command need not pay the model's load time (1–8 s for the embedded model) up front.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from stages.backends.base import Backend, Capabilities, Completion, GenerationParams, StreamDelta
from stages.config import BackendConfig
from stages.messages import Message


class LazyBackend:
    """Stands in for the backend `build` makes, and makes it (once) when a call needs it."""

    def __init__(self, config: BackendConfig, build: Callable[[], Backend]) -> None:
        self._kind = config.kind
        self._model = config.model
        self._build = build
        self._backend: Backend | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._backend is not None

    @property
    def backend(self) -> Backend:
        """The real backend, built on first use (its BackendError propagates to the caller)."""
        with self._lock:
            if self._backend is None:
                self._backend = self._build()
            return self._backend

    @property
    def name(self) -> str:
        """The configured kind until loaded, then the real backend's (a fallback shows as itself)."""
        return self._backend.name if self._backend is not None else self._kind

    @property
    def model(self) -> str:
        return self._backend.model if self._backend is not None else self._model

    @property
    def capabilities(self) -> Capabilities:
        return self.backend.capabilities

    def complete(
        self, messages: list[Message], params: GenerationParams, cancel: threading.Event | None = None
    ) -> Completion:
        return self.backend.complete(messages, params, cancel)

    def stream(
        self, messages: list[Message], params: GenerationParams, cancel: threading.Event | None = None
    ) -> Iterator[StreamDelta]:
        return self.backend.stream(messages, params, cancel)
