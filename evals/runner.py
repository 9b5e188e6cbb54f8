"""Run a suite under several configurations, append every result to JSONL, resume where it stopped.

`results.jsonl` is append-only, one line per (configuration, item), flushed and synced as soon as
the item is scored; on restart the lines already there are skipped and a half-written last line
is cut off. `run.json` pins what the directory holds (suite, version, seed), so a second run
into the same directory cannot mix two different experiments. Configurations that ask the same
pipeline (`pipeline` and `no-correction`) share one run per item; with `concurrency` N items are
asked at once and still written in item order.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from evals.ablations import RunConfig, build_assistant
from evals.attribution import attribute, last_draft
from evals.judge import judge_answer
from evals.scorers import score_item
from evals.suite import Item, Suite
from stages.atomic import write_text
from stages.backends.base import Backend
from stages.messages import Request
from stages.pipeline import Pipeline, without_check_notes
from stages.reply import Reply

RESULTS = "results.jsonl"
# failures of the machinery rather than of the answer; `retry_errors` runs such items again
TRANSIENT_ERRORS = frozenset({"budget", "backend_timeout", "backend_unavailable", "backend_error", "cancelled"})
MANIFEST = "run.json"
Progress = Callable[[str], None]


class RunManifest(BaseModel):
    suite: str
    suite_version: int
    seed: int
    limit: int | None
    items: list[str]
    configs: list[RunConfig] = Field(default_factory=list)


class RunMismatch(ValueError):
    """The output directory already holds a different experiment."""


def _manifest(out_dir: Path, suite: Suite, items: list[Item], configs: list[RunConfig], seed: int,
              limit: int | None) -> RunManifest:
    path = out_dir / MANIFEST
    new = RunManifest(suite=suite.name, suite_version=suite.version, seed=seed, limit=limit,
                      items=[i.id for i in items], configs=configs)
    if path.is_file():
        old = RunManifest.model_validate_json(path.read_text(encoding="utf-8"))
        if (old.suite, old.suite_version, old.seed) != (new.suite, new.suite_version, new.seed):
            raise RunMismatch(
                f"{out_dir} holds a run of {old.suite} v{old.suite_version} with seed {old.seed}; "
                "resume it with the same suite and seed, or choose another --out"
            )
        known = {c.name: c for c in old.configs}
        changed = [c.name for c in configs if c.name in known and c.model_dump_json() != known[c.name].model_dump_json()]
        if changed:
            raise RunMismatch(f"{out_dir} ran {', '.join(changed)} with other settings; choose another --out")
        new.configs = old.configs + [c for c in configs if c.name not in known]
        new.items = old.items + [i for i in new.items if i not in set(old.items)]
    write_text(path, new.model_dump_json(indent=2))
    return new


def read_results(path: Path, repair: bool = False) -> list[dict[str, Any]]:
    """Complete records of a results file; with `repair`, cut a half-written last line off the file."""
    if not path.is_file():
        return []
    data = path.read_bytes()
    records: list[dict[str, Any]] = []
    good = 0
    for line in data.splitlines(keepends=True):
        if not line.endswith(b"\n"):
            break
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            break
        good += len(line)
    if repair and good < len(data):
        with path.open("r+b") as handle:
            handle.truncate(good)
    return records


def latest(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per (configuration, item): the last one written wins (a retried item)."""
    last = {(r["config"], r["item"]): r for r in records}
    return list(last.values())


def _transient(record: dict[str, Any]) -> bool:
    return record["status"] == "error" and record["reply"].get("error_type") in TRANSIENT_ERRORS


def _append(path: Path, record: dict[str, Any]) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def ask(pipeline: Pipeline, config: RunConfig, item: Item) -> Reply:
    """One item through one pipeline; never raises for a bad answer (the engine turns failures into replies)."""
    request = Request.model_validate({"messages": [{"role": "user", "content": item.question}],
                                      "attachments": item.attachments, "options": config.options,
                                      "request_id": f"{config.name}:{item.id}"})
    return pipeline.run(request)


def offered(reply: dict[str, Any]) -> list[str]:
    """The ranked candidates a reply carries beside its text: the reaction tool's prediction (chem)."""
    facts = (reply.get("result") or {}).get("facts") or {}
    prediction = facts.get("prediction") or {}
    return [str(c) for c in prediction.get("candidates") or []]


def make_record(config: RunConfig, item: Item, suite: Suite, reply: Reply, judge: Backend | None) -> dict[str, Any]:
    """The scored record of one reply as `config` reads it: the final text, or the model's last draft."""
    public = reply.public()
    text, status = reply.text, reply.status.value
    candidates = offered(public)
    if config.answer == "draft":
        drafted = last_draft(public)
        if drafted is not None:
            text, status = drafted
        candidates = []  # the draft as written: only what its text offers
    score = score_item(item, without_check_notes(text), candidates)
    who = attribute(public, tools_only=config.tools_only, draft=config.answer == "draft")
    record: dict[str, Any] = {
        "suite": suite.name,
        "suite_version": suite.version,
        "config": config.name,
        "item": item.id,
        "task": item.task,
        "split": item.meta.get("split"),
        "question": item.question,
        "answer": text,
        "passed": score.passed,
        "score": score.score,
        "parsed": score.parsed,
        "status": status,
        "answered_by": who.part,
        "facts_from": who.facts_from,
        "latency_s": round(reply.duration_ms / 1000, 4),
        "model_calls": who.model_calls,
        "tokens": reply.usage.total_tokens,
        "verdicts": [v.model_dump(mode="json") for v in score.verdicts],
        "reply": public,
    }
    if judge is not None:
        record["judge"] = judge_answer(judge, item, text).model_dump()
    return record


def run_item(pipeline: Pipeline, config: RunConfig, item: Item, suite: Suite, judge: Backend | None) -> dict[str, Any]:
    """Ask one item under one configuration and score the answer; never raises for a bad answer."""
    return make_record(config, item, suite, ask(pipeline, config, item), judge)


def _groups(configs: list[RunConfig]) -> dict[str, list[RunConfig]]:
    groups: dict[str, list[RunConfig]] = {}
    for config in configs:
        groups.setdefault(config.run_key(), []).append(config)
    return groups


def run_suite(
    suite: Suite,
    configs: list[RunConfig],
    out_dir: Path,
    backend_for: Callable[[RunConfig], Backend],
    limit: int | None = None,
    seed: int = 0,
    judge: Backend | None = None,
    progress: Progress | None = None,
    retry_errors: bool = False,
    concurrency: int = 1,
) -> list[dict[str, Any]]:
    """Every selected item under every configuration; returns the latest record of each (configuration,
    item) in the directory. With `retry_errors`, items that failed for budget or backend reasons run again.
    With `concurrency` N, N items are asked at once (for a server backend); records are still appended
    in item order, so the results file is the same as a serial run's."""
    say = progress or (lambda _message: None)
    out_dir.mkdir(parents=True, exist_ok=True)
    items = suite.select(limit, seed)
    _manifest(out_dir, suite, items, configs, seed, limit)
    path = out_dir / RESULTS
    records = read_results(path, repair=True)
    done = {(r["config"], r["item"]) for r in latest(records) if not (retry_errors and _transient(r))}
    for group in _groups(configs).values():
        for config in group:
            left = sum((config.name, i.id) not in done for i in items)
            say(f"{config.label}: {len(items) - left} done, {left} to run")
        todo = [i for i in items if any((c.name, i.id) not in done for c in group)]
        if not todo:
            continue
        pipeline = Pipeline(build_assistant(group[0]), backend_for(group[0]))
        for n, (item, reply) in enumerate(_replies(pipeline, group[0], todo, concurrency), 1):
            for config in (c for c in group if (c.name, item.id) not in done):
                record = make_record(config, item, suite, reply, judge)
                _append(path, record)
                records.append(record)
                verdict = {True: "pass", False: "fail", None: "graded"}[record["passed"]]
                say(f"  [{config.name} {n}/{len(todo)}] {item.id}: {verdict} ({record['status']}, "
                    f"{record['answered_by']}, {record['latency_s']:.1f} s)")
    return latest(records)


def _replies(pipeline: Pipeline, config: RunConfig, todo: list[Item], concurrency: int) -> Iterator[tuple[Item, Reply]]:
    """Replies in item order; with concurrency > 1 they are computed N at a time and handed out
    as soon as every earlier item's reply is in."""
    if concurrency <= 1:
        for item in todo:
            yield item, ask(pipeline, config, item)
        return
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="tristage-eval")
    try:
        futures = [pool.submit(ask, pipeline, config, item) for item in todo]
        for item, future in zip(todo, futures, strict=True):
            yield item, future.result()
    finally:  # an interrupted run stops queueing items; the ones being asked finish on their own
        pool.shutdown(wait=False, cancel_futures=True)
