"""What a pipeline run returns: the answer, how far it can be trusted, and how it was made."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from stages.backends.base import CallFigures, Completion
from stages.messages import Message


class Status(StrEnum):
    """What a reply promises; `stages.status` is the one place that decides it."""

    VERIFIED = "verified"  # answers what was asked, and every checkable claim passed its check
    CORRECTED = "corrected"  # checks failed; the text was rebuilt from tool facts and says what was replaced
    UNVERIFIED = "unverified"  # unchecked claims, a non-answer, or a check that could not run; the text says which
    REFUSED = "refused"  # the request was declined (safety, scope)
    ERROR = "error"  # the run failed; `reason` says why in one line


# claim: a stated fact against the tools; coverage: the text answers what was asked;
# form: the text is usable at all (present, complete, not an echo of the prompt).
CheckKind = Literal["claim", "coverage", "form"]


class CheckResult(BaseModel):
    """One named check of a draft against the facts, with the evidence for its verdict.

    `message` says what was wrong with the draft (shown to the user when the reply is corrected);
    `feedback` tells the model what to do instead on a repair (defaults to `message`).
    """

    name: str
    passed: bool
    kind: CheckKind = "claim"
    message: str = ""
    feedback: str = ""
    expected: Any = None
    found: Any = None

    @property
    def instruction(self) -> str:
        return self.feedback or self.message or f"check {self.name} failed"


class ModelCall(CallFigures):
    """One model call as the trace records it: the completion's figures, its prompt and its text."""

    backend: str
    prompt: list[dict[str, str]]
    output: str

    @classmethod
    def of(cls, backend: str, messages: list[Message], completion: Completion) -> ModelCall:
        figures = {name: getattr(completion, name) for name in CallFigures.model_fields}
        prompt = [m.model_dump() for m in messages]
        return cls(backend=backend, prompt=prompt, output=completion.text, **figures)


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


# Who wrote the final text: the model (a draft that passed), the tools (a template phrasing or a
# correction), detect (an early answer: refusal, clarification), or nobody (a failure notice).
AnsweredBy = Literal["model", "tools", "detect", "none"]


class Reply(BaseModel):
    assistant: str
    text: str
    status: Status
    reason: str = Field("", description="One line on why the status is not `verified`.")
    error_type: str = Field("", description="For `error`: bad_input, backend_timeout, internal, ...")
    answered_by: AnsweredBy = "none"
    unchecked: list[str] = Field(default_factory=list, description="Parts of the text no tool checked")
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
            "answered_by": self.answered_by,
            "unchecked": self.unchecked,
            "result": self.result,
            "trace": [record.model_dump(mode="json") for record in self.trace],
            "usage": {**self.usage.model_dump(), "total_tokens": self.usage.total_tokens},
            "duration_ms": round(self.duration_ms, 3),
        }
