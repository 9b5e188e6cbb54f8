"""The served assistants: which ones load, their pipelines per backend, and readiness.

Assistants are built once (the chem store takes a while to load) and pipelines are cached per
backend configuration, so the API and the UI share loaded models. Backends are the operator's:
users get the configured backend or pick one of the operator's named backends (`[serve]
backends`) by name; they never set a kind, model, URL or key themselves. An assistant whose package
fails to import is left out of `/v1/models` and the UI, with the reason kept for `/health`.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable

from assistants.registry import UnknownAssistant, assistant_names, load_assistant
from stages.backends.base import Backend
from stages.config import BackendConfig, Settings
from stages.pipeline import Pipeline, one_line
from stages.stage import Assistant

log = logging.getLogger("tristage.serve")

_MAX_PIPELINES = 32


class UnknownBackend(LookupError):
    """A user asked for a backend name the operator has not configured."""

    def __init__(self, name: str, known: list[str]) -> None:
        offered = ", ".join(sorted(known)) if known else "none: this server runs its configured backend only"
        super().__init__(f"unknown backend {name[:60]!r} (named backends: {offered})")


class Pipelines:
    """Assistants by name and their pipelines, built on first use and shared by API and UI."""

    def __init__(
        self,
        settings: Settings,
        names: list[str] | None = None,
        backend_factory: Callable[[BackendConfig], Backend] | None = None,
    ) -> None:
        self.settings = settings
        self.names = names or list(assistant_names())
        self.backend_factory = backend_factory or self._make_backend
        self.problems: dict[str, str] = {}
        self.ready = False
        self._assistants: dict[str, Assistant] = {}
        self._pipelines: OrderedDict[str, Pipeline] = OrderedDict()
        self._lock = threading.RLock()

    def assistant(self, name: str) -> Assistant:
        """The loaded assistant; UnknownAssistant for names not served or that fail to load."""
        with self._lock:
            if name in self._assistants:
                return self._assistants[name]
            if name not in self.names:
                raise UnknownAssistant(name)
            try:
                assistant = load_assistant(name)
            except Exception as exc:
                self.problems[name] = f"{type(exc).__name__}: {one_line(exc)}"
                raise UnknownAssistant(name) from exc
            self._assistants[name] = assistant
            self.problems.pop(name, None)
            return assistant

    def available(self) -> dict[str, str]:
        """Names and descriptions of the assistants that load."""
        served = {}
        for name in self.names:
            try:
                served[name] = self.assistant(name).description or assistant_names().get(name, "")
            except UnknownAssistant:
                continue
        return served

    def backend_names(self) -> list[str]:
        """The operator's named backends users may pick."""
        return list(self.settings.serve.backends)

    def backend_config(self, name: str, backend: str | None = None) -> BackendConfig:
        """This assistant's configured backend, or the operator's named backend `backend`."""
        if not backend:
            return self.settings.backend_for(name)
        named = self.settings.serve.backends.get(backend)
        if named is None:
            raise UnknownBackend(backend, self.backend_names())
        return named

    def _make_backend(self, config: BackendConfig) -> Backend:
        from stages.backends import make_backend

        return make_backend(config, self.settings.cache_dir)

    def cached(self, name: str, backend: str | None = None) -> Pipeline | None:
        """The pipeline if it is built already: no loading, safe on the event loop."""
        if name not in self._assistants:
            return None
        with self._lock:
            return self._pipelines.get(self._key(name, self.backend_config(name, backend)))

    @staticmethod
    def _key(name: str, config: BackendConfig) -> str:
        return f"{name}:{config.model_dump_json()}"

    def get(self, name: str, config: BackendConfig | None = None) -> Pipeline:
        """The pipeline for an assistant on a backend (default: its configured one)."""
        assistant = self.assistant(name)
        config = config or self.backend_config(name)
        key = self._key(name, config)
        with self._lock:
            if key in self._pipelines:
                self._pipelines.move_to_end(key)
                return self._pipelines[key]
        pipeline = Pipeline(assistant, self.backend_factory(config))
        with self._lock:
            self._pipelines[key] = pipeline
            while len(self._pipelines) > _MAX_PIPELINES:
                self._pipelines.popitem(last=False)
        return pipeline

    def warm_up(self) -> None:
        """Load every assistant and its default backend (the model); `ready` when all that load do."""
        for name in self.available():
            try:
                self.get(name)
            except Exception as exc:
                self.problems[name] = f"backend: {type(exc).__name__}: {one_line(exc)}"
                log.warning("assistant %s is not ready: %s", name, self.problems[name])
        self.ready = bool(self.available()) and not any(
            p.startswith("backend:") for p in self.problems.values()
        )
        log.info("ready=%s assistants=%s problems=%s", self.ready, list(self.available()), self.problems)
