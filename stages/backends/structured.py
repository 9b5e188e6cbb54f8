"""Structured drafts: ask a backend for JSON matching a pydantic model, and validate what comes back.

Backends that can constrain decoding (`Capabilities.json_schema`: llama.cpp grammars, OpenAI
`response_format`, vLLM structured outputs) get the model's schema in `GenerationParams.json_schema`;
the others get the same request unconstrained. Either way the reply is validated before anyone
trusts it, because a server may ignore the schema (old vLLM keys) or stop at `max_tokens`.
"""

from __future__ import annotations

import threading
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from stages.backends.base import Backend, BackendError, GenerationParams
from stages.messages import Message

M = TypeVar("M", bound=BaseModel)


def parse_json_reply(text: str, model_cls: type[M], source: str = "the model") -> M:
    """Validate a structured reply; anything that does not match the model is a clear BackendError."""
    try:
        return model_cls.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the top level"
        shown = text if len(text) <= 120 else text[:117] + "..."
        raise BackendError(
            f"{source} did not return valid {model_cls.__name__} JSON ({first['msg']} at {where}): {shown!r}"
        ) from exc


def schema_params(params: GenerationParams, model_cls: type[BaseModel]) -> GenerationParams:
    """`params` asking for `model_cls`'s JSON schema, unless the caller already set a schema."""
    if params.json_schema is not None:
        return params
    return params.model_copy(update={"json_schema": model_cls.model_json_schema()})


def complete_json(
    backend: Backend,
    messages: list[Message],
    params: GenerationParams,
    model_cls: type[M],
    cancel: threading.Event | None = None,
) -> M:
    """One call whose reply is `model_cls`, constrained where the backend can and validated always."""
    completion = backend.complete(messages, schema_params(params, model_cls), cancel)
    return parse_json_reply(completion.text, model_cls, source=f"{backend.name}:{completion.model}")
