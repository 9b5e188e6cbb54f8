"""The OpenAI chat-completions wire format, and how it maps onto an engine `Request`.

Only the fields tristage honours are modelled; unknown OpenAI fields are accepted and ignored so
that stock clients (the `openai` SDK, LangChain) can send their defaults. tristage's own fields:
`attachments` and `options` in the request body, `tristage` in the response.
"""

from __future__ import annotations

import base64
import binascii
import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from serve.limits import capped_options, check_counts
from stages.config import RequestLimits
from stages.messages import Attachment, Message, Request, RunOptions
from stages.reply import Reply, Status


class TextPart(BaseModel):
    type: Literal["text"]
    text: str


class FileData(BaseModel):
    filename: str = "attachment.txt"
    file_data: str = Field(description="base64, optionally as a data: URL")


class FilePart(BaseModel):
    """OpenAI's inline file part; tristage reads it as a UTF-8 text attachment (CSV, footprint)."""

    type: Literal["file"]
    file: FileData


ContentPart = TextPart | FilePart


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[ContentPart] | None = None


class ApiAttachment(Attachment):
    """An attachment as the API accepts it: inline text or a ticker, never a server-side path."""

    kind: Literal["text", "ticker"]  # type: ignore[assignment]


class StreamOptions(BaseModel):
    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str = Field(description="An assistant name from /v1/models")
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    max_tokens: int | None = Field(None, ge=1, le=32768)
    max_completion_tokens: int | None = Field(None, ge=1, le=32768)
    n: int = Field(1, ge=1, le=1, description="tristage returns one choice")
    attachments: list[ApiAttachment] = Field(default_factory=list)
    options: dict[str, Any] = Field(default_factory=dict, description="RunOptions fields, e.g. max_repairs")
    backend: str | None = Field(None, description="One of the operator's named backends ([serve] backends)")

    @field_validator("options")
    @classmethod
    def _known_options(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = set(value) - set(RunOptions.model_fields)
        if unknown:
            raise ValueError(f"unknown options {sorted(unknown)}; known: {sorted(RunOptions.model_fields)}")
        return value


def decode_file(part: FilePart) -> Attachment:
    """A base64 (or data: URL) file part as a text attachment; binary files are refused."""
    data = part.file.file_data
    if data.startswith("data:"):
        data = data.partition(",")[2]
    try:
        text = base64.b64decode(data, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError(f"file {part.file.filename!r} is not base64-encoded UTF-8 text") from exc
    return Attachment(kind="text", name=part.file.filename, text=text)


def to_engine_request(
    chat: ChatCompletionRequest, request_id: str, limits: RequestLimits | None = None, client: str = ""
) -> Request:
    """Messages, attachments (inline file parts first, then the extension field) and options,
    within the server's caps (OverLimit names the cap a request is above)."""
    limits = limits or RequestLimits()
    messages: list[Message] = []
    attachments: list[Attachment] = []
    for message in chat.messages:
        content = message.content
        if isinstance(content, list):
            attachments += [decode_file(p) for p in content if isinstance(p, FilePart)]
            content = "\n".join(p.text for p in content if isinstance(p, TextPart))
        role = "system" if message.role == "developer" else message.role
        messages.append(Message(role=role, content=content or ""))
    attachments += [Attachment.model_validate(a.model_dump()) for a in chat.attachments]
    check_counts(len(messages), len(attachments), limits)
    options = capped_options(
        {
            **chat.options,
            **({"temperature": chat.temperature} if chat.temperature is not None else {}),
            **(
                {"max_tokens": chat.max_completion_tokens or chat.max_tokens}
                if (chat.max_completion_tokens or chat.max_tokens)
                else {}
            ),
        },
        limits,
    )
    return Request(messages=messages, attachments=attachments, options=options, request_id=request_id, client=client)


def finish_reason(reply: Reply) -> str:
    """OpenAI's reason: refusals read as `content_filter`, answers cut by max_tokens as `length`."""
    if reply.status is Status.REFUSED:
        return "content_filter"
    calls = [call for record in reply.trace for call in record.model_calls]
    return "length" if calls and calls[-1].finish_reason == "length" else "stop"


def extension(reply: Reply, request_id: str) -> dict[str, Any]:
    """The `tristage` field: what OpenAI clients ignore and tristage clients read."""
    public = reply.public()
    return {
        "request_id": request_id,
        "status": public["status"],
        "reason": public["reason"],
        "error_type": public["error_type"],
        "result": public["result"],
        "trace": public["trace"],
        "duration_ms": public["duration_ms"],
    }


def usage(reply: Reply) -> dict[str, int]:
    return {
        "prompt_tokens": reply.usage.prompt_tokens,
        "completion_tokens": reply.usage.completion_tokens,
        "total_tokens": reply.usage.total_tokens,
    }


def completion_body(reply: Reply, model: str, request_id: str, created: int | None = None) -> dict[str, Any]:
    """A `chat.completion` object for a finished reply."""
    return {
        "id": f"chatcmpl-{request_id}",
        "object": "chat.completion",
        "created": created or int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.text},
                "finish_reason": finish_reason(reply),
                "logprobs": None,
            }
        ],
        "usage": usage(reply),
        "tristage": extension(reply, request_id),
    }


def chunk(
    model: str,
    request_id: str,
    created: int,
    delta: dict[str, Any] | None = None,
    finish: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A `chat.completion.chunk`; with `delta` None it carries no choice (usage / extension only)."""
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]
    return {
        "id": f"chatcmpl-{request_id}",
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": choices,
        **extra,
    }
