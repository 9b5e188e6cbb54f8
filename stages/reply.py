"""What a pipeline run returns: the answer, how far it can be trusted, and how it was made."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class Status(StrEnum):
    VERIFIED = "verified"  # every check of the draft passed
    CORRECTED = "corrected"  # checks failed; the reply was rewritten from tool facts
    UNVERIFIED = "unverified"  # checks failed or could not run; the user is told so
    REFUSED = "refused"  # the request was declined (safety, scope)
    ERROR = "error"  # the run failed; `reason` says why in one line


class CheckResult(BaseModel):
    """One named check of a draft against the facts, with the evidence for its verdict."""

    name: str
    passed: bool
    message: str = ""
    expected: Any = None
    found: Any = None


class ModelCall(BaseModel):
    backend: str
    model: str
    prompt: list[dict[str, str]]
    output: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = "stop"
    latency_s: float = 0.0


class StageRecord(BaseModel):
    """One stage's run: inputs and outputs in `data`, checks, model calls and timing."""

    stage: str
    attempt: int = 0
    summary: str = ""
    duration_ms: float = 0.0
    data: dict[str, Any] = Field(default_factory=dict)
    checks: list[CheckResult] = Field(default_factory=list)
    model_calls: list[ModelCall] = Field(default_factory=list)
    error: str | None = None


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class Reply(BaseModel):
    assistant: str
    text: str
    status: Status
    reason: str = Field("", description="One line on why the status is not `verified`.")
    error_type: str = Field("", description="For `error`: bad_input, backend_timeout, internal, ...")
    result: dict[str, Any] = Field(default_factory=dict)
    trace: list[StageRecord] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    duration_ms: float = 0.0

    def public(self) -> dict[str, Any]:
        """The JSON shape the CLI and the API share."""
        return {
            "assistant": self.assistant,
            "answer": self.text,
            "status": self.status.value,
            "reason": self.reason,
            "error_type": self.error_type,
            "result": self.result,
            "trace": [record.model_dump(mode="json") for record in self.trace],
            "usage": {**self.usage.model_dump(), "total_tokens": self.usage.total_tokens},
            "duration_ms": round(self.duration_ms, 3),
        }
