"""Base model against the fine-tuned adapter, through the default product path (llama.cpp, model
phrasing), on the held-out questions of a pipeline-shaped training set (`tristage train pipeline-set`:
held-out scaffolds, tickers and footprints, never trained on).

Per model and task family:
- first-draft pass rate: the model's first draft passed every check, no repair, no rebuilt text;
- answered: the reply is `verified`, or `unverified` only where no tool checks by design (a
  predicted product, a breakout rationale in words); corrected share; p50 turn time;
- model alone: each held-out conversation of the set (the exact prompt a stage sends) answered by
  the model with no checks, scored against the checked target (JSON fields, else the answer line).

Both models run in the same process on the same machine, one after the other; the timing ratio is
tuned / base. Writes a JSON report with every reply's status.

    python benchmarks/finetune_ab.py --data runs/pipeline-set [--adapter auto] [--per-task 12] [--out ab.json]
    python benchmarks/finetune_ab.py --data runs/pipeline-set --model base --out base.json   # each model alone, then
    python benchmarks/finetune_ab.py --data runs/pipeline-set --merge base.json --merge tuned.json     # one table
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import BaseModel  # noqa: E402

from data_templates.shards import iter_samples, read_manifest  # noqa: E402
from stages.atomic import write_text  # noqa: E402
from stages.backends import make_backend  # noqa: E402
from stages.backends.base import Backend, GenerationParams  # noqa: E402
from stages.config import get_settings  # noqa: E402
from stages.messages import Message, ask  # noqa: E402
from stages.models import BASE_MODEL  # noqa: E402
from stages.pipeline import Pipeline  # noqa: E402
from train.pipeline_set import Question, read_questions  # noqa: E402
from train.teacher import answered, first_draft_passed  # noqa: E402

_ANSWER_LINE = re.compile(r"Answer:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)


class Turn(BaseModel):
    model: str
    task: str
    question: str
    status: str
    first_draft_passed: bool
    answered: bool
    corrected: bool
    seconds: float


class Alone(BaseModel):
    model: str
    task: str
    matched: bool


def family(task: str) -> str:
    return task.split(".", 1)[-1]


def pipelines(backend: Backend) -> dict[str, Pipeline]:
    from assistants.chem.assistant import ChemAssistant
    from assistants.market.assistant import BreakoutAssistant

    return {"chem": Pipeline(ChemAssistant(phrasing="model"), backend),
            "breakout": Pipeline(BreakoutAssistant(phrasing="model"), backend)}


def ask_all(model: str, backend: Backend, questions: list[Question]) -> list[Turn]:
    runs = pipelines(backend)
    turns = []
    for done, question in enumerate(questions, start=1):
        if done % 25 == 0:
            print(f"{model}: {done}/{len(questions)} questions", flush=True)
        started = time.perf_counter()
        reply = runs[question.assistant].run(ask(question.text))
        turns.append(Turn(model=model, task=question.task, question=question.text[:200], status=reply.status.value,
                          first_draft_passed=first_draft_passed(reply), answered=answered(reply),
                          corrected=reply.status.value == "corrected", seconds=time.perf_counter() - started))
    return turns


def key_of(text: str) -> Any:
    """What a target and an output must share: the JSON fields, else the last answer line, else the first line."""
    text = text.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return None
        return {k: v for k, v in data.items() if k != "answer"}
    lines = _ANSWER_LINE.findall(text)
    return " ".join(lines[-1].lower().split()) if lines else " ".join(text.splitlines()[0].lower().split())


def model_alone(model: str, backend: Backend, conversations: list[tuple[str, list[dict[str, str]]]]) -> list[Alone]:
    rows = []
    for task, messages in conversations:
        params = GenerationParams(max_tokens=160, temperature=0.0)
        prompt = [Message(role=m["role"], content=m["content"]) for m in messages[:-1]]
        output = backend.complete(prompt, params).text
        rows.append(Alone(model=model, task=task, matched=key_of(output) == key_of(messages[-1]["content"])))
    return rows


def held_out_conversations(build: Path, per_task: int) -> list[tuple[str, list[dict[str, str]]]]:
    manifest = read_manifest(build)
    if manifest is None:
        raise SystemExit(f"{build} holds no dataset build")
    counts: dict[str, int] = defaultdict(int)
    chosen = []
    for sample in iter_samples(build, manifest, "test"):
        if counts[sample.meta.task] < per_task:
            counts[sample.meta.task] += 1
            chosen.append((sample.meta.task, [m.model_dump() for m in sample.messages]))
    return chosen


def share(values: list[bool]) -> float:
    return round(100 * sum(values) / len(values), 1) if values else 0.0


def table(turns: list[Turn], alone: list[Alone], models: list[str]) -> list[str]:
    lines = ["| family | model | questions | first draft passed | answered | corrected | p50 s | model alone |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    families = sorted({family(t.task) for t in turns}) + ["all"]
    for name in families:
        for model in models:
            rows = [t for t in turns if t.model == model and name in ("all", family(t.task))]
            solo = [a for a in alone if a.model == model and name in ("all", family(a.task))]
            if not rows:
                continue
            lines.append(f"| {name} | {model} | {len(rows)} | {share([t.first_draft_passed for t in rows])}% | "
                         f"{share([t.answered for t in rows])}% | {share([t.corrected for t in rows])}% | "
                         f"{statistics.median(t.seconds for t in rows):.2f} | "
                         f"{share([a.matched for a in solo])}% of {len(solo)} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a `tristage train pipeline-set` build")
    parser.add_argument("--adapter", default="auto", help="the fine-tune: auto (the shipped adapter), a name or a folder")
    parser.add_argument("--per-task", type=int, default=12, help="held-out questions and conversations per task")
    parser.add_argument("--model", action="append", choices=["base", "fine-tuned"],
                        help="only this model (repeatable; default both, none with --merge)")
    parser.add_argument("--merge", type=Path, action="append", default=[], help="JSON reports of earlier runs to table with this one")
    parser.add_argument("--out", type=Path, help="JSON report")
    args = parser.parse_args()
    counts: dict[str, int] = defaultdict(int)
    questions = []
    for question in read_questions(args.data, "test"):
        if counts[question.task] < args.per_task:
            counts[question.task] += 1
            questions.append(question)
    conversations = held_out_conversations(args.data, args.per_task)
    settings = get_settings()
    turns: list[Turn] = []
    alone: list[Alone] = []
    models = {"base": BASE_MODEL, "fine-tuned": args.adapter}
    for label, adapter in models.items():
        if (args.model and label not in args.model) or (args.merge and not args.model):
            continue
        backend = make_backend(settings.backend_for("chem").model_copy(update={"adapter": adapter}))
        print(f"{label}: {len(questions)} held-out questions, {len(conversations)} held-out conversations", flush=True)
        turns += ask_all(label, backend, questions)
        alone += model_alone(label, backend, conversations)
    for earlier in args.merge:
        data = json.loads(earlier.read_text(encoding="utf-8"))
        turns += [Turn.model_validate(t) for t in data["turns"]]
        alone += [Alone.model_validate(a) for a in data["alone"]]
    lines = table(turns, alone, [m for m in models if any(t.model == m for t in turns)])
    print("\n".join(lines))
    p50 = {m: statistics.median(t.seconds for t in turns if t.model == m) for m in models if any(t.model == m for t in turns)}
    if len(p50) == 2:
        print(f"p50 turn time: fine-tuned {p50['fine-tuned']:.2f} s vs base {p50['base']:.2f} s "
              f"(ratio {p50['fine-tuned'] / p50['base']:.2f})")
    if args.out:
        write_text(args.out, json.dumps({"table": lines, "turns": [t.model_dump() for t in turns],
                                         "alone": [a.model_dump() for a in alone]}, indent=1))


if __name__ == "__main__":
    main()
