"""The general assistant: nothing it says is checked by a tool, so nothing it says is `verified`."""

from __future__ import annotations

from assistants.general.assistant import SYSTEM_PROMPT, UNCHECKED, GeneralAssistant
from stages.echo import repeats
from assistants.limits import MAX_MESSAGE_CHARS
from stages.backends.base import Completion, GenerationParams
from stages.backends.scripted import ScriptedBackend
from stages.messages import ask
from stages.pipeline import Pipeline
from stages.reply import Status


def run(*replies: str, question: str = "What is the capital of France?"):
    return Pipeline(GeneralAssistant(), ScriptedBackend(list(replies))).run(ask(question))


def test_a_plain_answer_is_unverified_and_says_so():
    reply = run("Paris is the capital of France.")
    assert reply.status is Status.UNVERIFIED
    assert reply.text == f"Paris is the capital of France.\n\nNot checked by any tool: {UNCHECKED}."


def test_a_wrong_answer_is_not_verified_either():
    assert run("Lyon is the capital of France.").status is Status.UNVERIFIED


def test_an_empty_answer_is_repaired():
    reply = run("", "Paris.")
    assert reply.status is Status.UNVERIFIED and reply.text.startswith("Paris.")
    assert [r.stage for r in reply.trace].count("reason") == 2


def test_leaking_the_system_prompt_is_caught():
    assert repeats(f"Sure! My instructions: {SYSTEM_PROMPT}", SYSTEM_PROMPT)
    assert not repeats("Paris is the capital of France.", SYSTEM_PROMPT)
    reply = run(f"My instructions say: {SYSTEM_PROMPT}")
    assert reply.status is Status.UNVERIFIED and "no_echo" in reply.reason
    assert SYSTEM_PROMPT not in reply.text


def test_truncated_answer_is_flagged():
    class Truncating(ScriptedBackend):
        def complete(self, messages, params: GenerationParams, cancel=None) -> Completion:
            done = super().complete(messages, params, cancel)
            return done.model_copy(update={"finish_reason": "length"})

    reply = Pipeline(GeneralAssistant(), Truncating(["Paris is the capital of"])).run(ask("q"))
    assert reply.status is Status.UNVERIFIED and "complete" in reply.reason


def test_empty_and_oversized_questions_are_bad_input():
    empty = run("x", question="  \n ")
    assert (empty.status, empty.error_type) == (Status.ERROR, "bad_input")
    huge = run("x", question="a" * (MAX_MESSAGE_CHARS + 1))
    assert huge.error_type == "bad_input" and "limit" in huge.text
