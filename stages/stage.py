"""The contract between the engine and a domain assistant.

An assistant fills in three stages. `detect` finds the task and the facts with deterministic
tools (and may end the run early); `reason` asks the model for a draft through
`RunContext.call_model`; `verify` checks the draft against the facts. `correct` rewrites a draft
from the facts when the repair budget is spent. The engine owns ordering, budgets, the repair
loop, tracing, streaming and turning failures into replies.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal

from pydantic import BaseModel, Field

from stages.backends.base import Backend, Completion, GenerationParams
from stages.events import Token
from stages.messages import Message, Request
from stages.reply import CheckResult, ModelCall, Status


def repair_notes(feedback: list[str]) -> str:
    """The repair instructions appended to a system prompt (empty on a first attempt)."""
    if not feedback:
        return ""
    notes = "\n".join(f"- {item}" for item in feedback)
    return (
        "\n\nA previous draft was rejected. Write a new answer to the user's question that follows these "
        f"corrections; do not mention them:\n{notes}"
    )


class BadInput(ValueError):
    """The request itself is unusable (empty, too large, missing data); said to the user as is."""


class BudgetExceeded(RuntimeError):
    """The run used up its model calls or wall time."""


class Cancelled(RuntimeError):
    """The caller stopped the run."""


_deadline: ContextVar[float | None] = ContextVar("tristage_run_deadline", default=None)


def time_left() -> float | None:
    """Seconds left of the current run's wall-time budget (None outside a run).

    Tools that start external processes (OPSIN's JVM) use it as their timeout, so the deadline
    stops them too; it is set for the thread that runs the stages.
    """
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


class EarlyExit(BaseModel):
    """Detect decided the answer on its own: a refusal, a clarifying question, or tool facts.

    A tool answer may claim `verified` only with its checks: the engine judges them like a draft's.
    """

    status: Status
    text: str
    reason: str = ""
    checks: list[CheckResult] = Field(default_factory=list)


class Detection(BaseModel):
    task: str = "chat"
    facts: dict[str, Any] = Field(default_factory=dict)
    summary: str = ""
    early: EarlyExit | None = None


class Draft(BaseModel):
    """A model answer: the raw text always survives; `fields` holds what could be parsed.

    `author` says who wrote it: the model, or the tools (a template phrasing of the facts).
    """

    raw: str
    fields: dict[str, Any] = Field(default_factory=dict)
    parse_error: str | None = None
    author: Literal["model", "tools"] = "model"


class RunContext:
    """Mutable state of one run, handed to the assistant's stages."""

    def __init__(
        self,
        request: Request,
        backend: Backend,
        emit: Callable[[Any], None],
        max_model_calls: int,
        deadline: float,
    ) -> None:
        self.request = request
        self.backend = backend
        self.detection = Detection()
        self.attempt = 0
        self.feedback: list[str] = []
        self.model_calls: list[ModelCall] = []
        self.model_calls_used = 0
        self._emit = emit
        self._max_model_calls = max_model_calls
        self._deadline = deadline
        self._stop = request.cancel or threading.Event()

    @property
    def cancel(self) -> threading.Event:
        """Set by the caller to stop the run, and by the deadline timer when time is up."""
        return self._stop

    @contextmanager
    def deadline_timer(self) -> Iterator[None]:
        """While open, the deadline sets `cancel`: a generation or tool stops mid-way, not after."""
        timer = threading.Timer(max(0.0, self._deadline - time.monotonic()), self._stop.set)
        timer.daemon = True
        token = _deadline.set(self._deadline)
        timer.start()
        try:
            yield
        finally:
            timer.cancel()
            _deadline.reset(token)

    def check_limits(self) -> None:
        if time.monotonic() > self._deadline:
            raise BudgetExceeded("the run's wall-time budget is spent")
        if self.cancel.is_set():
            raise Cancelled("the run was cancelled")

    def call_model(
        self, messages: list[Message], params: GenerationParams, stream: bool = True
    ) -> Completion:
        """Call the backend within the budget; records the call and streams its tokens."""
        self.check_limits()
        if self.model_calls_used >= self._max_model_calls:
            raise BudgetExceeded(f"the run's budget of {self._max_model_calls} model calls is spent")
        self.model_calls_used += 1
        options = self.request.options
        if options.temperature is not None or options.max_tokens is not None:
            params = params.model_copy(
                update={
                    k: v
                    for k, v in (("temperature", options.temperature), ("max_tokens", options.max_tokens))
                    if v is not None
                }
            )
        if stream and self.backend.capabilities.streaming:
            completion = None
            for delta in self.backend.stream(messages, params, self.cancel):
                if delta.text:
                    self._emit(Token(attempt=self.attempt, text=delta.text))
                if delta.completion is not None:
                    completion = delta.completion
            if completion is None:
                raise RuntimeError(f"{self.backend.name} backend ended its stream without a completion")
        else:
            completion = self.backend.complete(messages, params, self.cancel)
        self.model_calls.append(ModelCall.of(self.backend.name, messages, completion))
        if completion.finish_reason == "cancelled":
            self.check_limits()
            raise Cancelled("the run was cancelled")
        return completion


class Assistant:
    """Base class for domain assistants; subclasses override the stage hooks they need."""

    name: str = "assistant"
    description: str = ""
    system_prompt: str = "You are a helpful assistant."
    params = GenerationParams()
    model_calls_per_attempt = 1  # a multi-call chain (e.g. S1→S2→S3→report) says how many it makes

    def detect(self, ctx: RunContext) -> Detection:
        return Detection(task="chat")

    def prompt(self, ctx: RunContext) -> list[Message]:
        """System prompt with facts and any repair notes, earlier turns, then the question last.

        Repair notes go into the system message, not a new user turn: a small model answers the last
        user message, and handed the notes there it copies them back instead of answering.
        """
        system = self.system_prompt
        facts = self.facts_for_prompt(ctx)
        if facts:
            system = f"{system}\n\nFacts from tools (trust these over memory):\n{facts}"
        system += repair_notes(ctx.feedback)
        messages = [Message(role="system", content=system), *ctx.request.history]
        messages.append(Message(role="user", content=ctx.request.last_user_text))
        return messages

    def instructions(self, ctx: RunContext) -> list[str]:
        """Prompt text a draft must not repeat (the facts are excluded: an answer restates them)."""
        return [self.system_prompt, *ctx.feedback]

    def unchecked(self, draft: Draft, ctx: RunContext) -> list[str]:
        """Parts of a draft that passed its checks but that no tool checked, in words for the user."""
        return []

    def facts_for_prompt(self, ctx: RunContext) -> str:
        return ""

    def reason(self, ctx: RunContext) -> Draft:
        completion = ctx.call_model(self.prompt(ctx), self.params)
        return self.parse(completion.text, ctx)

    def parse(self, raw: str, ctx: RunContext) -> Draft:
        return Draft(raw=raw.strip())

    def verify(self, draft: Draft, ctx: RunContext) -> list[CheckResult]:
        return []

    def verify_text(self, text: str, ctx: RunContext) -> list[CheckResult]:
        """Checks of a text the tools wrote (a correction): the same checks as a model's draft."""
        return self.verify(self.parse(text, ctx), ctx)

    def correct(self, draft: Draft, failed: list[CheckResult], ctx: RunContext) -> str | None:
        """Rewrite the answer from tool facts; None when the facts cannot answer alone."""
        return None

    def tools_draft(self, ctx: RunContext) -> Draft | None:
        """The answer the tools write alone, with no model call (template phrasing, and the answer
        when the model is unavailable); None when the question needs the model."""
        return None

    def render(self, draft: Draft, ctx: RunContext) -> str:
        return draft.raw

    def result(self, draft: Draft | None, ctx: RunContext) -> dict[str, Any]:
        """Structured, assistant-specific fields of the reply."""
        return {"task": ctx.detection.task}

    def finish(self, text: str, ctx: RunContext) -> str:
        """Last touch on every reply text (e.g. a standing disclaimer)."""
        return text
