"""detect → reason → verify, with a bounded repair loop, budgets, tracing and streaming."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from stages.backends.base import Backend, BackendError, BackendTimeout, BackendUnavailable
from stages.events import CheckDone, Event, Final, StageFinished, StageStarted
from stages.messages import Request, RunOptions
from stages.echo import echo_check, repetition_check
from stages.reply import AnsweredBy, CheckResult, Reply, StageRecord, Status, Usage
from stages.screen import DraftGuard, Screen, default_screen, screen_output, screen_request, withhold
from stages.stage import (
    Assistant,
    BadInput,
    BudgetExceeded,
    Cancelled,
    Detection,
    Draft,
    EarlyExit,
    RunContext,
)
from stages.status import judge, unchecked_note

_ERROR_TYPES: tuple[tuple[type[BaseException], str], ...] = (
    (BadInput, "bad_input"),
    (Cancelled, "cancelled"),
    (BudgetExceeded, "budget"),
    (BackendTimeout, "backend_timeout"),
    (BackendUnavailable, "backend_unavailable"),
    (BackendError, "backend_error"),
)


CORRECTED_NOTE = "Rebuilt from tool facts: the model's draft was replaced because"
FAILED_NOTE = "Not verified — these checks failed:"
MODEL_UNAVAILABLE_NOTE = "The language model was unavailable, so the tools answered alone"


def without_check_notes(text: str) -> str:
    """A reply's answer without the notes on what its draft got wrong (they quote the wrong and
    the right values, so a scorer reading them would credit or blame the notes, not the answer)."""
    cuts = [i for i in (text.find(f"\n\n{CORRECTED_NOTE}"), text.find(f"\n\n{FAILED_NOTE}")) if i >= 0]
    return text[: min(cuts)] if cuts else text


def error_type(exc: BaseException) -> str:
    """A stable name for a failure, which the CLI and the API map to exit codes and statuses."""
    for cls, name in _ERROR_TYPES:
        if isinstance(exc, cls):
            return name
    return "internal"


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


class StageFailed(Exception):
    """Wraps an exception with the stage it came from, so the reply can name it."""

    def __init__(self, stage: str, exc: BaseException) -> None:
        super().__init__(stage, exc)
        self.stage = stage
        self.exc = exc


class Pipeline:
    """Runs one assistant on one backend, behind the safety screen (the configured one by default)."""

    def __init__(self, assistant: Assistant, backend: Backend, screen: Screen | None = None) -> None:
        self.assistant = assistant
        self.backend = backend
        self.screen = screen or default_screen()

    def model_call_budget(self, options: RunOptions) -> int:
        """An explicit `max_model_calls` wins; else enough calls for every attempt's chain."""
        if "max_model_calls" in options.model_fields_set:
            return options.max_model_calls
        needed = self.assistant.model_calls_per_attempt * (1 + options.max_repairs)
        return max(options.max_model_calls, needed)

    def run(self, request: Request) -> Reply:
        return self._run(request, lambda _event: None)

    def stream(self, request: Request) -> Iterator[Event]:
        """Yields events as they happen; the last one is always `Final`.

        Closing the iterator early (a client that went away) cancels the run.
        """
        if request.cancel is None:
            request = request.model_copy(update={"cancel": threading.Event()})
        cancel = request.cancel
        events: queue.SimpleQueue[Any] = queue.SimpleQueue()
        done = object()

        def work() -> None:
            try:
                self._run(request, events.put)
            finally:
                events.put(done)

        worker = threading.Thread(target=work, name="tristage-run", daemon=True)
        worker.start()
        try:
            while (event := events.get()) is not done:
                yield event
        finally:
            if worker.is_alive():
                cancel.set()

    def _run(self, request: Request, emit: Callable[[Any], None]) -> Reply:
        started = time.perf_counter()
        options = request.options
        guard = DraftGuard(self.screen, request, emit)
        ctx = RunContext(
            request,
            self.backend,
            guard.emit,
            max_model_calls=self.model_call_budget(options),
            deadline=time.monotonic() + options.max_wall_s,
        )
        trace: list[StageRecord] = []
        refusal = screen_request(self.screen, request)
        try:
            if refusal is not None:
                trace.append(StageRecord(stage="screen", summary=refusal.reason))
                reply = self._reply(ctx, trace, refusal.text, Status.REFUSED, refusal.reason, None,
                                    answered_by="detect")
            else:
                with ctx.deadline_timer():
                    ctx.detection = self._stage("detect", ctx, trace, guard.emit, lambda: self.assistant.detect(ctx))
                    early = ctx.detection.early
                    if early is not None:
                        reply = self._early(ctx, trace, early)
                    else:
                        reply = self._reason_and_verify(ctx, trace, guard.emit)
        except StageFailed as failure:
            kind = error_type(failure.exc)
            reason = one_line(failure.exc)
            if kind == "internal":
                reason = f"the {failure.stage} stage failed: {type(failure.exc).__name__}: {reason}"
            text = reason if kind == "bad_input" else f"Sorry, I could not answer: {reason}"
            reply = self._reply(ctx, trace, text, Status.ERROR, reason, None, error=kind)
        if refusal is None:
            refusal = guard.verdict or screen_output(self.screen, reply.text, request)
            if refusal is not None:
                reply = withhold(reply, refusal)
        reply.duration_ms = (time.perf_counter() - started) * 1000
        emit(Final(reply=reply))
        return reply

    def _reason_and_verify(
        self, ctx: RunContext, trace: list[StageRecord], emit: Callable[[Any], None]
    ) -> Reply:
        assistant = self.assistant
        max_attempts = 1 + ctx.request.options.max_repairs
        draft: Draft | None = None
        failed: list[CheckResult] = []
        for attempt in range(max_attempts):
            before = len(failed)
            ctx.attempt = attempt
            try:
                draft = self._stage("reason", ctx, trace, emit, lambda: assistant.reason(ctx))
            except StageFailed as failure:
                if draft is not None and isinstance(failure.exc, BudgetExceeded):
                    break
                if isinstance(failure.exc, BackendError | BudgetExceeded):
                    answered = self._without_model(ctx, trace, emit, failure.exc)
                    if answered is not None:
                        return answered
                raise
            checks = self._stage("verify", ctx, trace, emit, lambda d=draft: self._checks(d, ctx))
            failed = [c for c in checks if not c.passed]
            if not failed:
                return self._judged(ctx, trace, draft, checks)
            if attempt and len(failed) >= before:
                break  # the repair fixed nothing: a model that ignored its feedback once mostly does again
            ctx.feedback = [c.instruction for c in failed]
        assert draft is not None
        return self._corrected(ctx, trace, emit, draft, failed)

    def _without_model(
        self, ctx: RunContext, trace: list[StageRecord], emit: Callable[[Any], None], exc: Exception
    ) -> Reply | None:
        """The model gave no draft (down, 5xx, timed out, refused, or the run's budget ran out first):
        the tools' own answer, checked and judged like any draft, with one line saying the model was
        unavailable; None when the tools cannot answer."""
        draft = self.assistant.tools_draft(ctx)
        if draft is None:
            return None
        checks = self._stage("verify", ctx, trace, emit, lambda: self._checks(draft, ctx))
        reply = self._judged(ctx, trace, draft, checks)
        reply.text = f"{reply.text}\n\n{MODEL_UNAVAILABLE_NOTE} ({one_line(exc)})."
        return reply

    def _checks(self, draft: Draft, ctx: RunContext) -> list[CheckResult]:
        """The assistant's checks plus the engine's own: the draft must not echo its instructions."""
        return [*self.assistant.verify(draft, ctx), echo_check(draft.raw, self.assistant.instructions(ctx)),
                repetition_check(draft.raw)]

    def _judged(self, ctx: RunContext, trace: list[StageRecord], draft: Draft, checks: list[CheckResult]) -> Reply:
        """A draft whose checks all passed: `verified` if it answers and nothing is unchecked."""
        text = self.assistant.render(draft, ctx)
        verdict = judge(checks, self.assistant.unchecked(draft, ctx), text)
        if verdict.unchecked:
            text = f"{text}\n\n{unchecked_note(verdict.unchecked)}"
        return self._reply(ctx, trace, text, verdict.status, verdict.reason, draft,
                           answered_by=draft.author, unchecked=verdict.unchecked)

    def _corrected(
        self, ctx: RunContext, trace: list[StageRecord], emit: Callable[[Any], None], draft: Draft,
        failed: list[CheckResult],
    ) -> Reply:
        """Repairs are spent: rebuild from tool facts (checked like a draft), or say what failed."""
        assistant = self.assistant
        names = ", ".join(sorted({c.name for c in failed}))
        problems = "\n".join(f"- {c.message or c.name}" for c in failed)
        corrected = assistant.correct(draft, failed, ctx)
        if corrected is not None:
            checks = self._stage("verify", ctx, trace, emit, lambda: assistant.verify_text(corrected, ctx))
            verdict = judge(checks, self._left_unchecked(corrected, ctx), corrected)
            why = f"{CORRECTED_NOTE}\n{problems}"
            if verdict.status is Status.VERIFIED:
                return self._reply(ctx, trace, f"{corrected}\n\n{why}", Status.CORRECTED, f"corrected: {names}",
                                   draft, answered_by="tools")
            note = f"\n\n{unchecked_note(verdict.unchecked)}" if verdict.unchecked else ""
            return self._reply(ctx, trace, f"{corrected}{note}\n\n{why}", Status.UNVERIFIED, verdict.reason, draft,
                               answered_by="tools", unchecked=verdict.unchecked)
        if any(c.kind == "form" for c in failed):  # an echo or an empty draft never reaches the user
            text = f"I could not produce a usable answer: the model's draft failed these checks:\n{problems}"
            return self._reply(ctx, trace, text, Status.UNVERIFIED, f"failed checks: {names}", draft, answered_by="none")
        text = f"{assistant.render(draft, ctx)}\n\n{FAILED_NOTE}\n{problems}"
        return self._reply(ctx, trace, text, Status.UNVERIFIED, f"failed checks: {names}", draft)

    def _stage(
        self,
        name: str,
        ctx: RunContext,
        trace: list[StageRecord],
        emit: Callable[[Any], None],
        body: Callable[[], Any],
    ) -> Any:
        emit(StageStarted(stage=name, attempt=ctx.attempt))
        record = StageRecord(stage=name, attempt=ctx.attempt)
        calls_before = len(ctx.model_calls)
        started = time.perf_counter()
        try:
            if name != "verify":  # checking a draft is cheap; a spent budget still allows it
                ctx.check_limits()
            output = body()
        except Exception as exc:  # every failure becomes a reply, never a traceback
            record.error = f"{type(exc).__name__}: {one_line(exc)}"
            output = None
            failure: StageFailed | None = StageFailed(name, exc)
        else:
            failure = None
        record.duration_ms = (time.perf_counter() - started) * 1000
        record.model_calls = ctx.model_calls[calls_before:]
        self._describe(record, output)
        trace.append(record)
        emit(StageFinished(record=record))
        if failure is not None:
            raise failure
        if name == "verify":
            for check in output:
                emit(CheckDone(attempt=ctx.attempt, check=check))
        return output

    @staticmethod
    def _describe(record: StageRecord, output: Any) -> None:
        if isinstance(output, Detection):
            record.summary = output.summary or f"task: {output.task}"
            record.data = {"task": output.task, "facts": output.facts}
            if output.early is not None:
                record.data["early_exit"] = output.early.model_dump(mode="json")
        elif isinstance(output, Draft):
            record.summary = "draft parsed" if output.parse_error is None else f"unparsed draft: {output.parse_error}"
            record.data = {"fields": output.fields, "parse_error": output.parse_error}
        elif isinstance(output, list):
            record.checks = output
            failed = [c.name for c in output if not c.passed]
            record.summary = (
                f"{len(output)} checks passed" if not failed else f"{len(failed)}/{len(output)} checks failed: {', '.join(failed)}"
            )
        elif record.error:
            record.summary = record.error

    def _left_unchecked(self, text: str, ctx: RunContext) -> list[str]:
        """What a text the tools wrote still leaves unchecked: parts of the question no tool answers
        (a "why", a reagent, a price forecast), whoever phrases the rest."""
        written = self.assistant.parse(text, ctx)
        written.author = "tools"
        return self.assistant.unchecked(written, ctx)

    def _early(self, ctx: RunContext, trace: list[StageRecord], early: EarlyExit) -> Reply:
        """Detect's own answer; a claim of `verified` is judged on its checks like any draft."""
        if early.status is not Status.VERIFIED:
            return self._reply(ctx, trace, early.text, early.status, early.reason, None, answered_by="detect")
        verdict = judge(early.checks, self._left_unchecked(early.text, ctx), early.text)
        text = early.text if not verdict.unchecked else f"{early.text}\n\n{unchecked_note(verdict.unchecked)}"
        return self._reply(ctx, trace, text, verdict.status, verdict.reason or early.reason, None,
                           answered_by="detect", unchecked=verdict.unchecked)

    def _reply(
        self,
        ctx: RunContext,
        trace: list[StageRecord],
        text: str,
        status: Status,
        reason: str,
        draft: Draft | None,
        error: str = "",
        answered_by: AnsweredBy = "none",
        unchecked: list[str] | None = None,
    ) -> Reply:
        calls = ctx.model_calls
        try:
            result = self.assistant.result(draft, ctx)
            final_text = self.assistant.finish(text, ctx)
        except Exception as exc:  # a broken result builder must not lose the answer
            result = {"result_error": one_line(exc)}
            final_text = text
        return Reply(
            assistant=self.assistant.name,
            text=final_text,
            status=status,
            reason=reason,
            error_type=error,
            answered_by=answered_by,
            unchecked=unchecked or [],
            result=result,
            trace=trace,
            usage=Usage(
                prompt_tokens=sum(c.prompt_tokens for c in calls),
                completion_tokens=sum(c.completion_tokens for c in calls),
            ),
        )
