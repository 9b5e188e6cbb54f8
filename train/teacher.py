"""A teacher in the model's seat: it answers every model call of a real pipeline run by copying the
tool facts, so the calls it answered are exactly what the stages send (system prompt, facts block,
draft schema or stage question) and its answers are what a model that passes every check writes.

The pipeline then verifies the teacher's drafts like any model's; `taught_calls` keeps a run's calls
only when the first draft passed every check without repair. Those calls are the fine-tuning targets.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from assistants.chem.answer import compose
from assistants.chem.assistant import ChemAssistant
from assistants.chem.facts import ChemFacts
from assistants.chem.structured import tool_draft
from assistants.market import chains
from assistants.market.assistant import BreakoutAssistant
from stages.backends.base import Capabilities, Completion, GenerationParams
from stages.backends.scripted import ScriptedBackend
from stages.messages import Message
from stages.pipeline import Pipeline
from stages.reply import ModelCall, Reply, Status
from stages.stage import Detection, Draft, RunContext

Teacher = Callable[[list[Message], GenerationParams, Detection], str]


class NoTarget(Exception):
    """The tools know no checked answer for this call (general chat, a concept question, a missing value)."""


class TeacherBackend(ScriptedBackend):
    """A backend whose replies come from a teacher that sees the run's detection and the call's params."""

    name = "teacher"

    def __init__(self, teacher: Teacher) -> None:
        super().__init__(self._answer, model="teacher")
        self.capabilities = Capabilities(streaming=True, json_schema=True, local=True)
        self.teacher = teacher
        self.detection: Detection | None = None
        self._params = GenerationParams()

    def complete(self, messages: list[Message], params: GenerationParams,
                 cancel: threading.Event | None = None) -> Completion:
        self._params = params
        return super().complete(messages, params, cancel)

    def _answer(self, messages: list[Message]) -> str:
        if self.detection is None:
            raise NoTarget("the teacher was called before detect")
        return self.teacher(messages, self._params, self.detection)


def chem_teacher(messages: list[Message], params: GenerationParams, detection: Detection) -> str:
    """The schema filled from the tool facts, or the tools' own reply as a free draft."""
    if not detection.facts.get("task"):
        raise NoTarget("no tool facts")
    facts = ChemFacts.model_validate(detection.facts)
    if params.json_schema is None:
        return _within(compose(facts), params.max_tokens)
    draft = tool_draft(facts)
    if draft is None:
        raise NoTarget("the tools lack a value the draft schema asks for")
    return draft


def _within(text: str, max_tokens: int) -> str:
    """The tools' reply cut to whole paragraphs that a model can write within its draft budget (a word
    is about two tokens of chemistry); the first paragraph, the answer, is always kept."""
    kept: list[str] = []
    for paragraph in text.split("\n\n"):
        if kept and len(" ".join([*kept, paragraph]).split()) * 2 > max_tokens:
            break
        kept.append(paragraph)
    return "\n\n".join(kept)


def breakout_teacher(assistant: BreakoutAssistant) -> Teacher:
    """Each stage's answer from the checked facts; the stage is the one whose prompt the call carries."""

    def teach(messages: list[Message], params: GenerationParams, detection: Detection) -> str:
        facts = detection.facts
        if detection.task not in ("ohlcv", "footprint"):
            raise NoTarget(f"no stage answers for {detection.task!r} questions")
        footprint = detection.task == "footprint"
        values = chains.footprint_values(facts, {}, True) if footprint else chains.ohlcv_values(facts, {}, True)
        asked = messages[-1].content
        for stage in chains.FOOTPRINT_STAGES if footprint else chains.OHLCV_STAGES:
            prompt = assistant.pack.render(stage, **values)
            if asked == prompt or asked.startswith(prompt):
                return chains.stage_answer(stage, facts)
        raise NoTarget("the call carries no stage prompt")

    return teach


class Taught:
    """An assistant with its model phrasing that tells the teacher what detect found before it reasons."""

    def __init__(self, backend: TeacherBackend) -> None:
        super().__init__(phrasing="model")  # type: ignore[call-arg]
        self.backend = backend

    def reason(self, ctx: RunContext) -> Draft:
        self.backend.detection = ctx.detection
        return super().reason(ctx)  # type: ignore[misc]


class TaughtChem(Taught, ChemAssistant):
    """The chem assistant, taught."""


class TaughtBreakout(Taught, BreakoutAssistant):
    """The breakout assistant, taught."""


def taught_pipelines() -> dict[str, Pipeline]:
    """The chem and breakout pipelines, each with a teacher in the model's seat."""
    chem, breakout = TeacherBackend(chem_teacher), TeacherBackend(chem_teacher)
    taught_breakout = TaughtBreakout(breakout)
    breakout.teacher = breakout_teacher(taught_breakout)
    return {"chem": Pipeline(TaughtChem(chem), chem), "breakout": Pipeline(taught_breakout, breakout)}


def first_draft_passed(reply: Reply) -> bool:
    """Whether the first draft was the model's and passed every check: no repair, no rebuilt text."""
    checks = [r for r in reply.trace if r.stage == "verify" and r.attempt == 0]
    return (reply.answered_by == "model" and bool(checks) and not any(r.error for r in reply.trace)
            and all(c.passed for r in checks for c in r.checks))


def answered(reply: Reply) -> bool:
    """Whether the reply answers the question as far as tools can tell: `verified`, or `unverified` only
    for what no tool checks by design: a predicted reaction product, a breakout rationale in words."""
    if reply.status == Status.VERIFIED:
        return True
    by_design = reply.assistant == "breakout" or reply.result.get("task") == "reaction"
    return reply.status == Status.UNVERIFIED and by_design and reply.reason.startswith("unchecked:")


def taught_calls(reply: Reply) -> list[ModelCall]:
    """The model calls of a run whose first draft passed and answered: each a (prompt, target) pair to train on."""
    if not (first_draft_passed(reply) and answered(reply)):
        return []
    return [call for r in reply.trace if r.stage == "reason" and r.attempt == 0 for call in r.model_calls]
