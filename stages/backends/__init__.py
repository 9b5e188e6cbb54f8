"""Model backends behind one protocol; each implementation is imported only when chosen."""

from __future__ import annotations

import threading
from pathlib import Path

from stages.backends.base import (
    Backend,
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    Capabilities,
    Completion,
    GenerationParams,
    StreamDelta,
)
from stages.config import BackendConfig, get_settings

__all__ = [
    "Backend",
    "BackendError",
    "BackendTimeout",
    "BackendUnavailable",
    "Capabilities",
    "Completion",
    "GenerationParams",
    "StreamDelta",
    "make_backend",
]

_LOCAL = ("llamacpp", "embedded", "vllm")  # models held in this process: loaded once, shared
_DEFERRABLE = ("llamacpp", "embedded")
_shared: dict[str, Backend] = {}
_lock = threading.Lock()


def make_backend(config: BackendConfig, cache_dir: Path | None = None, lazy: bool = False) -> Backend:
    """Build (or reuse) the backend a config names; local models load once per process.

    `lazy`: a llamacpp or embedded model not loaded yet is loaded on its first call instead of now.
    (vLLM is never deferred: its minutes of start-up would count against the first turn's time budget.)
    """
    cache_dir = cache_dir or get_settings().cache_dir
    key = config.model_dump_json()
    if lazy and config.kind in _DEFERRABLE and key not in _shared:
        from stages.backends.lazy import LazyBackend

        return LazyBackend(config, lambda: make_backend(config, cache_dir))
    with _lock:
        if key in _shared:
            return _shared[key]
        backend = _build(config, cache_dir)
        if config.kind in _LOCAL:
            _shared[key] = backend
        return backend


def _build(config: BackendConfig, cache_dir: Path) -> Backend:
    if config.kind == "llamacpp":
        from stages.backends.llamacpp import load_or_fall_back

        return load_or_fall_back(config, cache_dir)
    if config.kind == "embedded":
        from stages.backends.embedded import EmbeddedBackend

        return EmbeddedBackend.from_config(config, cache_dir)
    if config.kind == "openai":
        from stages.backends.openai_compat import OpenAIBackend

        return OpenAIBackend.from_config(config)
    if config.kind == "vllm":
        from stages.backends.vllm_offline import VLLMBackend

        return VLLMBackend.from_config(config)
    if config.kind == "langchain":
        from stages.backends.langchain import LangChainBackend

        return LangChainBackend.from_config(config)
    if config.kind == "scripted":
        from stages.backends.scripted import ScriptedBackend

        options = config.options
        return ScriptedBackend(
            options.get("replies", ["(scripted reply)"]),
            model=config.model,
            delay_s=float(options.get("delay_s", 0.0)),
            token_delay_s=float(options.get("token_delay_s", 0.0)),
        )
    raise BackendError(f"unknown backend kind {config.kind!r}")
