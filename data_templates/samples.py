"""Samples and how a pack turns one record's facts into a validated conversation.

The paraphrases are picked with a random generator seeded from (seed, task, record), so a sample
never depends on worker count or record order. Every answer is checked against the facts before
it is kept (`checks.answer_problems`).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from pydantic import BaseModel, Field

from data_templates.checks import answer_problems
from data_templates.templates import Pack, get_pack, render


class InvalidSample(ValueError):
    """A rendered answer failed its checks; the sample is dropped and counted, never written."""


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str


class SampleMeta(BaseModel):
    """Where a sample came from, enough to regenerate it."""

    source: str
    source_id: str
    task: str
    template_version: int
    templates: list[str] = Field(description="question/answer template ids per turn, e.g. q3a1")
    seed: int
    split: str = ""
    key: str = Field(default="", description="de-duplication key: structure + task")
    time: str = Field(default="", description="market samples: the event time the time split used")


class Sample(BaseModel):
    """One conversation as stored in the shards (written by `pack_samples`, read back with this model)."""

    id: str
    messages: list[ChatMessage]
    meta: SampleMeta


def record_rng(seed: int, scope: str, record: str) -> random.Random:
    """The generator for one record: the same (seed, scope, record) always draws the same choices."""
    return random.Random(f"{seed}:{scope}:{record}")


def sample_id(task: str, key: str, seed: int) -> str:
    return hashlib.blake2b(f"{task}|{key}|{seed}".encode(), digest_size=10).hexdigest()


Turn = dict[str, str]  # {"role": ..., "content": ...}: the JSON shape of ChatMessage, built without validation


@dataclass(frozen=True, slots=True)
class Row:
    """A kept sample, already serialized (the `Sample` JSON), with what the writer needs to file it."""

    key: str
    task: str
    split: str
    line: str


def _turn(pack: Pack, question: str, qid: str, facts: dict[str, Any], rng: random.Random) -> tuple[list[Turn], str]:
    a = rng.randrange(len(pack.answers))
    answer = render(pack.answers[a], facts)
    problems = answer_problems(pack.checks, answer, facts)
    if problems:
        raise InvalidSample(f"{pack.name} answer a{a}: {'; '.join(problems)}")
    return [{"role": "user", "content": render(question, facts)}, {"role": "assistant", "content": answer}], f"{qid}a{a}"


def render_task(pack: Pack, facts: dict[str, Any], rng: random.Random) -> tuple[list[Turn], list[str]]:
    """One question/answer exchange (after the pack's system prompt, if any)."""
    q = rng.randrange(len(pack.questions))
    messages, tid = _turn(pack, pack.questions[q], f"q{q}", facts, rng)
    system = [{"role": "system", "content": render(pack.system, facts)}] if pack.system else []
    return system + messages, [tid]


def render_dialogue(pack: Pack, facts: dict[str, dict[str, Any]], rng: random.Random) -> tuple[list[Turn], list[str]]:
    """A multi-turn conversation: the first turn asks a task question, later turns follow up.

    `facts` holds each turn task's facts; turns whose task has no facts for this record end the
    dialogue there (it needs at least two turns to be kept).
    """
    messages: list[Turn] = []
    ids: list[str] = []
    for index, turn in enumerate(pack.turns):
        if turn.task not in facts:
            break
        task = get_pack(turn.task)
        if index == 0:
            q = rng.randrange(len(task.questions))
            text, qid = task.questions[q], f"q{q}"
        else:
            q = rng.randrange(len(turn.followups))
            text, qid = turn.followups[q], f"f{q}"
        exchange, tid = _turn(task, text, qid, facts[turn.task], rng)
        messages += exchange
        ids.append(f"{turn.task}:{tid}")
    if len(ids) < 2:
        raise InvalidSample(f"{pack.name}: fewer than two turns apply to this record")
    first = facts[pack.turns[0].task]
    system = [{"role": "system", "content": render(pack.system, first)}] if pack.system else []
    return system + messages, ids


def pack_samples(
    packs: list[Pack], facts: dict[str, dict[str, Any]], rng: random.Random, *, source: str, source_id: str,
    key: str, split: str, seed: int, time: str = "",
) -> tuple[list[Row], list[str]]:
    """Every pack that applies to one record's facts, rendered, checked and serialized.

    Returns the rows and the reasons of samples that failed their checks. A dialogue applies
    when its first turn and at least one follow-up have facts. Rows are written as JSON here, in
    the worker, so only strings travel back to the writer.
    """
    rows: list[Row] = []
    invalid: list[str] = []
    for pack in packs:
        try:
            if pack.kind == "dialogue":
                turns = {t.task: facts[t.task] for t in pack.turns if t.task in facts}
                if pack.turns[0].task not in turns or len(turns) < 2:
                    continue
                messages, ids = render_dialogue(pack, turns, rng)
            elif pack.name in facts:
                messages, ids = render_task(pack, facts[pack.name], rng)
            else:
                continue
        except InvalidSample as exc:
            invalid.append(f"{source}#{source_id}: {exc}")
            continue
        full_key = f"{pack.name}|{key}"
        meta = {"source": source, "source_id": source_id, "task": pack.name, "template_version": pack.version,
                "templates": ids, "seed": seed, "split": split, "key": full_key, "time": time}
        sample = {"id": sample_id(pack.name, key, seed), "messages": messages, "meta": meta}
        rows.append(Row(full_key, pack.name, split, orjson.dumps(sample).decode()))
    return rows, invalid
