"""Any LangChain chat model (`BaseChatModel`) as a tristage backend.

Sampling settings are bound per call as keyword arguments, and only those the model declares as
fields (ChatOpenAI takes temperature, max_tokens, top_p, seed; a model without them gets none),
so a model is never handed an argument it does not know. Stop strings go to the model and are
also applied here, because some models ignore them.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Iterator
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, SystemMessage

from stages.backends.base import (
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    Capabilities,
    Completion,
    FinishReason,
    GenerationParams,
    StreamDelta,
    StopCutter,
    apply_stops,
)
from stages.config import BackendConfig
from stages.messages import Message

_BINDABLE = ("temperature", "max_tokens", "top_p", "seed")
_LENGTH_REASONS = {"length", "max_tokens", "MAX_TOKENS"}
_TIMEOUT_ERRORS = {"TimeoutError", "APITimeoutError", "TimeoutException"}
_CONNECTION_ERRORS = {"ConnectionError", "APIConnectionError", "ConnectError"}


def to_langchain(messages: list[Message]) -> list[BaseMessage]:
    kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    return [kinds[m.role](content=m.content) for m in messages]


def _finish(metadata: dict[str, Any]) -> FinishReason:
    reason = metadata.get("finish_reason") or metadata.get("stop_reason")
    return "length" if reason in _LENGTH_REASONS else "stop"


class LangChainBackend:
    """Wraps a LangChain chat model instance; `from_config` builds one from "module:Class"."""

    name = "langchain"

    def __init__(self, chat_model: BaseChatModel, model: str | None = None) -> None:
        self.chat_model = chat_model
        named = getattr(chat_model, "model_name", None) or getattr(chat_model, "model", None)
        self.model = model or (named if isinstance(named, str) else chat_model._llm_type)
        self.capabilities = Capabilities(streaming=True, json_schema=False, local=False)

    @classmethod
    def from_config(cls, config: BackendConfig) -> LangChainBackend:
        """Imports `config.langchain_model` ("module:Class") and builds it with `config.options`."""
        target = config.langchain_model
        if not target or ":" not in target:
            raise BackendError(
                "the langchain backend needs langchain_model as 'module:Class', "
                "e.g. 'langchain_openai:ChatOpenAI' (options hold its keyword arguments)"
            )
        module_name, class_name = target.split(":", 1)
        try:
            model_cls = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError) as exc:
            raise BackendUnavailable(f"cannot import {target}: {exc}") from exc
        if not (isinstance(model_cls, type) and issubclass(model_cls, BaseChatModel)):
            raise BackendError(f"{target} is not a LangChain BaseChatModel")
        try:
            chat_model = model_cls(**config.options)
        except Exception as exc:  # the model's own validation says what is wrong
            raise BackendError(f"cannot build {target}: {' '.join(str(exc).split())}") from exc
        return cls(chat_model)

    def bound(self, params: GenerationParams) -> dict[str, Any]:
        """Call-time keyword arguments: the sampling settings this model declares as fields."""
        fields = type(self.chat_model).model_fields
        values = params.model_dump(include=set(_BINDABLE))
        return {k: v for k, v in values.items() if k in fields and v is not None}

    def complete(
        self, messages: list[Message], params: GenerationParams, cancel: threading.Event | None = None
    ) -> Completion:
        started = time.perf_counter()
        if cancel is not None and cancel.is_set():
            return Completion(text="", model=self.model, finish_reason="cancelled")
        try:
            message = self.chat_model.invoke(
                to_langchain(messages), stop=params.stop or None, **self.bound(params)
            )
        except Exception as exc:
            raise self._error(exc) from exc
        text, stopped = apply_stops(str(message.text), params.stop)
        usage = getattr(message, "usage_metadata", None) or {}
        return Completion(
            text=text,
            model=self.model,
            prompt_tokens=usage.get("input_tokens", 0),
            completion_tokens=usage.get("output_tokens", 0),
            finish_reason="stop" if stopped else _finish(message.response_metadata),
            latency_s=time.perf_counter() - started,
        )

    def stream(
        self, messages: list[Message], params: GenerationParams, cancel: threading.Event | None = None
    ) -> Iterator[StreamDelta]:
        started = time.perf_counter()
        cutter = StopCutter(params.stop)
        parts: list[str] = []
        finish: FinishReason = "stop"
        prompt_tokens = completion_tokens = 0
        chunks = self.chat_model.stream(
            to_langchain(messages), stop=params.stop or None, **self.bound(params)
        )
        try:
            for chunk in chunks:
                if cancel is not None and cancel.is_set():
                    finish = "cancelled"
                    break
                if isinstance(chunk, AIMessageChunk) and chunk.usage_metadata:
                    prompt_tokens += chunk.usage_metadata.get("input_tokens", 0)
                    completion_tokens += chunk.usage_metadata.get("output_tokens", 0)
                if _finish(chunk.response_metadata) == "length":
                    finish = "length"
                text = cutter.feed(str(chunk.text))
                if text:
                    parts.append(text)
                    yield StreamDelta(text=text)
                if cutter.stopped:
                    finish = "stop"
                    break
        except Exception as exc:
            raise self._error(exc) from exc
        finally:
            chunks.close()
        tail = cutter.flush() if finish != "cancelled" else ""
        if tail:
            parts.append(tail)
            yield StreamDelta(text=tail)
        yield StreamDelta(
            completion=Completion(
                text="".join(parts),
                model=self.model,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                finish_reason=finish,
                latency_s=time.perf_counter() - started,
            )
        )

    def _error(self, exc: Exception) -> BackendError:
        """A backend error a user can read; timeouts and unreachable servers keep their kind."""
        if isinstance(exc, BackendError):
            return exc
        names = {cls.__name__ for cls in type(exc).__mro__}
        detail = " ".join(str(exc).split()) or type(exc).__name__
        if names & _TIMEOUT_ERRORS:
            return BackendTimeout(f"{self.model} timed out: {detail}")
        if names & _CONNECTION_ERRORS:
            return BackendUnavailable(f"cannot reach {self.model}: {detail}")
        return BackendError(f"{self.model} failed: {type(exc).__name__}: {detail}")
