"""Conversations as the engine sees them: OpenAI-style messages plus attachments."""

from __future__ import annotations

import threading
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["system", "user", "assistant"]


class Message(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: Role
    content: str


class Attachment(BaseModel):
    """Data that travels with a request: a file's text, a path, or a ticker and dates."""

    kind: Literal["text", "path", "ticker"]
    name: str = ""
    text: str | None = None
    path: str | None = None
    ticker: str | None = None
    start: str | None = None
    end: str | None = None
    interval: str = "1d"


class RunOptions(BaseModel):
    """Per-request switches, also used by ablations (e.g. repairs or tools off)."""

    max_repairs: int = Field(2, ge=0, le=10)
    max_model_calls: int = Field(
        4, ge=0, le=50, description="Unless set explicitly, raised to what the assistant's chain needs per attempt"
    )
    max_wall_s: float = Field(300.0, gt=0)
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    max_tokens: int | None = Field(None, ge=1, le=32768)
    tools: bool = True
    retrieval: bool = True


class Request(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    messages: list[Message]
    attachments: list[Attachment] = Field(default_factory=list)
    options: RunOptions = Field(default_factory=RunOptions)
    request_id: str = ""
    client: str = Field("", description="Who sent it (API address, UI user), for per-client limits")
    cancel: threading.Event | None = Field(default=None, exclude=True)

    @property
    def last_user_text(self) -> str:
        """The newest user message: what the turn is about."""
        for message in reversed(self.messages):
            if message.role == "user":
                return message.content
        return ""

    @property
    def history(self) -> list[Message]:
        """Earlier turns without system messages, oldest first."""
        users = [i for i, m in enumerate(self.messages) if m.role == "user"]
        end = users[-1] if users else len(self.messages)
        return [m for m in self.messages[:end] if m.role != "system"]


def ask(text: str, **kwargs: object) -> Request:
    """A one-turn request: the common case in the CLI, tests and benchmarks."""
    return Request(messages=[Message(role="user", content=text)], **kwargs)  # type: ignore[arg-type]
