"""The engine: stage order, early exit, repair loop, budgets, statuses, streaming, errors."""

from __future__ import annotations

import threading
import time

import pytest

from stages.backends.base import BackendTimeout, BackendUnavailable
from stages.backends.scripted import ScriptedBackend
from stages.events import CheckDone, Final, StageFinished, StageStarted, Token
from stages.messages import Message, Request, RunOptions, ask
from stages.pipeline import Pipeline
from stages.reply import CheckResult, Status
from stages.stage import Assistant, BadInput, Detection, Draft, EarlyExit, RunContext


class Echo(Assistant):
    """Wants the word 'right' in the answer; can correct from facts when told to."""

    name = "echo"

    def __init__(self, correctable: bool = True, early: EarlyExit | None = None) -> None:
        self.correctable = correctable
        self.early = early

    def detect(self, ctx: RunContext) -> Detection:
        if ctx.request.last_user_text == "boom":
            raise RuntimeError("detector exploded")
        if not ctx.request.last_user_text.strip():
            raise BadInput("empty question")
        return Detection(task="echo", facts={"want": "right"}, early=self.early)

    def verify(self, draft: Draft, ctx: RunContext) -> list[CheckResult]:
        ok, wrong = "right" in draft.raw, "wrong" in draft.raw
        return [CheckResult(name="says_right", kind="coverage", passed=ok, message="" if ok else "it did not say 'right'",
                            feedback="say 'right'"),
                CheckResult(name="not_wrong", passed=not wrong, message="it said 'wrong'" if wrong else "",
                            feedback="do not say 'wrong'")]

    def correct(self, draft: Draft, failed: list[CheckResult], ctx: RunContext) -> str | None:
        return "right (from facts)" if self.correctable else None


def stages_of(reply) -> list[tuple[str, int]]:
    return [(r.stage, r.attempt) for r in reply.trace]


def test_verified_on_first_try_runs_three_stages_in_order():
    reply = Pipeline(Echo(), ScriptedBackend(["that is right."])).run(ask("q"))
    assert reply.status is Status.VERIFIED
    assert stages_of(reply) == [("detect", 0), ("reason", 0), ("verify", 0)]
    assert reply.text == "that is right."
    assert reply.trace[1].model_calls[0].output == "that is right."
    assert reply.usage.completion_tokens == 3


def test_early_exit_skips_the_model():
    backend = ScriptedBackend(["unused"])
    early = EarlyExit(status=Status.REFUSED, text="I can't help with that.", reason="unsafe")
    reply = Pipeline(Echo(early=early), backend).run(ask("q"))
    assert reply.status is Status.REFUSED and reply.reason == "unsafe"
    assert stages_of(reply) == [("detect", 0)]
    assert backend.calls == []


def test_repair_feedback_reaches_the_model_and_fixes_the_answer():
    backend = ScriptedBackend(["wrong", "now right"])
    reply = Pipeline(Echo(), backend).run(ask("q"))
    assert reply.status is Status.VERIFIED
    assert stages_of(reply) == [("detect", 0), ("reason", 0), ("verify", 0), ("reason", 1), ("verify", 1)]
    assert "say 'right'" in backend.calls[1][0].content  # repair notes go to the system message
    assert backend.calls[1][-1].content == "q"  # the question stays the last user turn


def test_repairs_stop_at_the_budget_then_correct_from_facts():
    backend = ScriptedBackend(["wrong", "nearly", "nearly so"])
    reply = Pipeline(Echo(), backend).run(ask("q", options=RunOptions(max_repairs=1)))
    assert len(backend.calls) == 2
    assert reply.status is Status.CORRECTED
    assert reply.text.startswith("right (from facts)") and "say 'right'" in reply.text
    assert reply.reason == "corrected: says_right"


def test_repairs_go_on_while_each_one_fixes_something():
    backend = ScriptedBackend(["wrong", "nearly", "right at last"])
    reply = Pipeline(Echo(), backend).run(ask("q", options=RunOptions(max_repairs=3)))
    assert len(backend.calls) == 3 and reply.status is Status.VERIFIED


def test_a_repair_that_fixes_nothing_ends_the_repairs():
    """Two drafts failing as many checks: the model ignored its feedback, so the rest of the budget is
    not spent on it (each repair costs a whole model call) and the reply is corrected from facts."""
    backend = ScriptedBackend(["wrong", "wrong again", "right"])
    reply = Pipeline(Echo(), backend).run(ask("q", options=RunOptions(max_repairs=3)))
    assert len(backend.calls) == 2
    assert reply.status is Status.CORRECTED and reply.reason == "corrected: not_wrong, says_right"


def test_uncorrectable_failure_is_unverified_and_says_so():
    reply = Pipeline(Echo(correctable=False), ScriptedBackend(["wrong"])).run(ask("q"))
    assert reply.status is Status.UNVERIFIED
    assert reply.text.startswith("wrong") and "Not verified" in reply.text


def test_model_call_budget_ends_repairs_early():
    backend = ScriptedBackend(["wrong", "nearly", "right"])  # each repair fixes something
    reply = Pipeline(Echo(), backend).run(ask("q", options=RunOptions(max_repairs=5, max_model_calls=2)))
    assert len(backend.calls) == 2
    assert reply.status is Status.CORRECTED


def test_no_model_calls_allowed_is_an_error_not_a_crash():
    reply = Pipeline(Echo(), ScriptedBackend(["right"])).run(ask("q", options=RunOptions(max_model_calls=0)))
    assert reply.status is Status.ERROR and reply.error_type == "budget"


def test_wall_time_budget():
    backend = ScriptedBackend(["wrong"], delay_s=0.05)
    reply = Pipeline(Echo(), backend).run(ask("q", options=RunOptions(max_repairs=10, max_wall_s=0.08)))
    assert reply.status in {Status.CORRECTED, Status.ERROR}
    assert len(backend.calls) <= 3


@pytest.mark.parametrize(
    ("failure", "error_type"),
    [
        (BackendTimeout("model timed out after 5s"), "backend_timeout"),
        (BackendUnavailable("cannot reach http://x"), "backend_unavailable"),
        (ZeroDivisionError("division by zero"), "internal"),
    ],
)
def test_backend_failures_become_error_replies(failure, error_type):
    reply = Pipeline(Echo(), ScriptedBackend([failure])).run(ask("q"))
    assert reply.status is Status.ERROR and reply.error_type == error_type
    assert "Traceback" not in reply.text and "\n" not in reply.reason
    assert reply.trace[-1].error is not None


def test_a_stage_that_raises_is_named_in_the_reason():
    reply = Pipeline(Echo(), ScriptedBackend(["right"])).run(ask("boom"))
    assert reply.status is Status.ERROR and reply.error_type == "internal"
    assert reply.reason == "the detect stage failed: RuntimeError: detector exploded"


def test_bad_input_is_said_plainly():
    reply = Pipeline(Echo(), ScriptedBackend(["right"])).run(ask("   "))
    assert (reply.status, reply.error_type, reply.text) == (Status.ERROR, "bad_input", "empty question")


def test_unparsable_draft_keeps_raw_text():
    class Strict(Echo):
        def parse(self, raw: str, ctx: RunContext) -> Draft:
            return Draft(raw=raw, parse_error="no JSON object")

    reply = Pipeline(Strict(correctable=False), ScriptedBackend(["{broken"])).run(ask("q"))
    assert reply.status is Status.UNVERIFIED
    assert reply.trace[1].data["parse_error"] == "no JSON object"
    assert reply.text.startswith("{broken")


def test_stream_yields_typed_events_in_order():
    events = list(Pipeline(Echo(), ScriptedBackend(["wrong", "so right"])).stream(ask("q")))
    kinds = [type(e).__name__ for e in events]
    assert kinds[0] == "StageStarted" and kinds[-1] == "Final"
    tokens = [e for e in events if isinstance(e, Token)]
    assert "".join(t.text for t in tokens if t.attempt == 1) == "so right"
    checks = [e for e in events if isinstance(e, CheckDone) and e.check.name == "says_right"]
    assert [c.check.passed for c in checks] == [False, True]
    finished = [e.record.stage for e in events if isinstance(e, StageFinished)]
    assert finished == ["detect", "reason", "verify", "reason", "verify"]
    started = [e.stage for e in events if isinstance(e, StageStarted)]
    assert started == finished
    assert isinstance(events[-1], Final) and events[-1].reply.status is Status.VERIFIED


def test_cancel_mid_stream_ends_the_run():
    cancel = threading.Event()
    backend = ScriptedBackend([" ".join(["word"] * 200)], token_delay_s=0.002)
    request = ask("q", cancel=cancel)
    seen = 0
    final = None
    for event in Pipeline(Echo(), backend).stream(request):
        if isinstance(event, Token):
            seen += 1
            if seen == 3:
                cancel.set()
        if isinstance(event, Final):
            final = event.reply
    assert final is not None and final.status is Status.ERROR and final.error_type == "cancelled"
    assert seen < 200


def test_history_and_system_prompt_reach_the_model():
    backend = ScriptedBackend(["right"])
    request = Request(
        messages=[
            Message(role="system", content="ignored by the engine"),
            Message(role="user", content="first"),
            Message(role="assistant", content="answer one"),
            Message(role="user", content="second"),
        ]
    )
    Pipeline(Echo(), backend).run(request)
    sent = backend.calls[0]
    assert [m.role for m in sent] == ["system", "user", "assistant", "user"]
    assert [m.content for m in sent[1:]] == ["first", "answer one", "second"]


def test_options_override_generation_params():
    seen = {}

    class Capture(ScriptedBackend):
        def stream(self, messages, params, cancel=None):
            seen["params"] = params
            return super().stream(messages, params, cancel)

    Pipeline(Echo(), Capture(["right"])).run(ask("q", options=RunOptions(temperature=0.7, max_tokens=9)))
    assert (seen["params"].temperature, seen["params"].max_tokens) == (0.7, 9)


def test_public_json_shape():
    reply = Pipeline(Echo(), ScriptedBackend(["right"])).run(ask("q"))
    data = reply.public()
    assert set(data) >= {"answer", "status", "result", "trace", "usage"}
    assert data["trace"][0]["stage"] == "detect"
    assert data["usage"]["total_tokens"] == data["usage"]["prompt_tokens"] + data["usage"]["completion_tokens"]


def test_closing_the_stream_early_cancels_the_run():
    produced = []

    class Counting(ScriptedBackend):
        def stream(self, messages, params, cancel=None):
            for delta in super().stream(messages, params, cancel):
                produced.append(delta)
                yield delta

    request = ask("q")
    events = Pipeline(Echo(), Counting([" ".join(["word"] * 500)], token_delay_s=0.002)).stream(request)
    for event in events:
        if isinstance(event, Token):
            break
    events.close()
    time.sleep(0.1)
    settled = len(produced)
    time.sleep(0.1)
    assert len(produced) == settled < 500
    assert produced[-1].completion is not None and produced[-1].completion.finish_reason == "cancelled"
    assert request.cancel is None  # the caller's request is not mutated


def test_chain_assistants_get_calls_for_every_attempt_unless_capped():
    class Chain(Echo):
        model_calls_per_attempt = 3

        def reason(self, ctx: RunContext) -> Draft:
            texts = [ctx.call_model(self.prompt(ctx), self.params).text for _ in range(3)]
            return Draft(raw=" ".join(texts))

    backend = ScriptedBackend(["wrong"])
    reply = Pipeline(Chain(), backend).run(ask("q", options=RunOptions(max_repairs=1)))
    assert len(backend.calls) == 6 and reply.status is Status.CORRECTED
    capped = ScriptedBackend(["wrong"])
    Pipeline(Chain(), capped).run(ask("q", options=RunOptions(max_repairs=1, max_model_calls=4)))
    assert len(capped.calls) == 4


def test_spent_wall_time_after_a_draft_still_verifies_and_corrects():
    backend = ScriptedBackend(["wrong"], delay_s=0.2)
    reply = Pipeline(Echo(), backend).run(ask("q", options=RunOptions(max_wall_s=0.3)))
    assert len(backend.calls) == 2, "the repair call started in time and was cut at the deadline"
    assert reply.status is Status.CORRECTED
    assert [r.stage for r in reply.trace] == ["detect", "reason", "verify", "reason", "verify"]


def test_the_deadline_stops_a_generation_mid_stream():
    backend = ScriptedBackend([" ".join(["word"] * 400)], token_delay_s=0.01)
    started = time.monotonic()
    reply = Pipeline(Echo(), backend).run(ask("q", options=RunOptions(max_wall_s=0.3, max_repairs=0)))
    assert time.monotonic() - started < 2.0, "stopped at the deadline, not after 4 s of tokens"
    assert reply.status is Status.ERROR and reply.error_type == "budget"
    assert "wall-time budget" in reply.text


def test_finish_applies_to_every_reply_errors_included():
    class Signed(Echo):
        def finish(self, text: str, ctx: RunContext) -> str:
            return f"{text}\n-- signed"

    for question in ("q", "   ", "boom"):
        assert Pipeline(Signed(), ScriptedBackend(["right"])).run(ask(question)).text.endswith("-- signed")


class Unchecked(Echo):
    """Passes its checks but says part of the answer is beyond them."""

    def unchecked(self, draft: Draft, ctx: RunContext) -> list[str]:
        return ["the explanation of why"]


class NoCoverage(Echo):
    def verify(self, draft: Draft, ctx: RunContext) -> list[CheckResult]:
        return [CheckResult(name="parses", kind="form", passed=True)]


def test_passing_claim_checks_without_coverage_are_not_verified():
    reply = Pipeline(NoCoverage(), ScriptedBackend(["that is right."])).run(ask("q"))
    assert reply.status is Status.UNVERIFIED
    assert "Not checked by any tool" in reply.text


def test_unchecked_parts_make_the_reply_unverified_and_are_named():
    reply = Pipeline(Unchecked(), ScriptedBackend(["right, because reasons."])).run(ask("q"))
    assert reply.status is Status.UNVERIFIED
    assert reply.text.endswith("Not checked by any tool: the explanation of why.")
    assert reply.unchecked == ["the explanation of why"] and reply.public()["unchecked"] == reply.unchecked


@pytest.mark.parametrize("answer", ["right: it was not found in the compound store.", "I don't know, right?"])
def test_a_non_answer_is_never_verified(answer):
    reply = Pipeline(Echo(), ScriptedBackend([answer])).run(ask("q"))
    assert reply.status is Status.UNVERIFIED


def test_a_draft_that_echoes_the_repair_notes_never_reaches_the_user():
    echo = "Your previous answer had problems: - say 'right'. Answer again, fixing them. right"
    backend = ScriptedBackend(["wrong", echo, echo])
    reply = Pipeline(Echo(correctable=False), backend).run(ask("q"))
    assert reply.status is Status.UNVERIFIED
    assert "previous answer" not in reply.text.lower() and "usable answer" in reply.text
    assert reply.answered_by == "none"


def test_a_loop_is_not_an_answer():
    loop = " ".join(f"{i}." for i in range(1, 52)) + " right"
    reply = Pipeline(Echo(correctable=False), ScriptedBackend([loop])).run(ask("q", options=RunOptions(max_repairs=0)))
    assert reply.status is Status.UNVERIFIED and "not_repetitive" in reply.reason


def test_the_correction_is_checked_too():
    class BadCorrection(Echo):
        def correct(self, draft, failed, ctx):
            return "right, but it was not found"

    reply = Pipeline(BadCorrection(), ScriptedBackend(["wrong"])).run(ask("q", options=RunOptions(max_repairs=0)))
    assert reply.status is Status.UNVERIFIED and reply.answered_by == "tools"


def test_corrected_reply_says_what_was_replaced_not_the_instruction():
    reply = Pipeline(Echo(), ScriptedBackend(["wrong"])).run(ask("q", options=RunOptions(max_repairs=0)))
    assert reply.status is Status.CORRECTED and reply.answered_by == "tools"
    assert "it did not say 'right'" in reply.text and "- say 'right'" not in reply.text


def test_an_early_tool_answer_claiming_verified_needs_its_checks():
    bare = EarlyExit(status=Status.VERIFIED, text="right from tools")
    assert Pipeline(Echo(early=bare), ScriptedBackend([])).run(ask("q")).status is Status.UNVERIFIED
    checked = bare.model_copy(update={"checks": [CheckResult(name="answers", kind="coverage", passed=True)]})
    reply = Pipeline(Echo(early=checked), ScriptedBackend([])).run(ask("q"))
    assert reply.status is Status.VERIFIED and reply.answered_by == "detect"
