"""Exam questions through the chem assistant: a ChemBench sample and MMLU chemistry, from their published files.

The exam data is not shipped: `--data DIR` names a folder holding `chembench/` (ChemBench task JSONs
as published, any folder depth; `--draw-chembench` draws a seeded sample into it from ChemBench's
`data/` folder) and `mmlu/` (MMLU's `test/` and `dev/` CSVs for the chemistry subjects). Both
suites (`chembench-sample`, `mmlu-chemistry`) are asked as a user would ask them, in up to three
settings: `product` (the chem assistant as shipped: tools, then the configured model phrases the
answer), `tools-only` (template phrasing from the tool facts, no model call) and `model-alone` (the
same assistant and model with its tools off, `RunOptions(tools=False)`). Each reply's final text is
scored by the suite's own rules, exactly as `tristage eval` scores it (the notes on what a draft got
wrong are cut first), and its status is read as the user sees it.

Reported per suite and setting: accuracy; the random-choice rate (the mean chance that one option
picked at random is right: 1/options where one option is right, 0 where several are, since ChemBench
wants the whole set, and 0 for numeric items); the share of multiple-choice replies that name an
option (as the scorers read it, with the project's readers in `stages.choices`: `extract_letters`
for ChemBench, `extract_choice` for MMLU); the share of replies marked `verified`; how many
`verified` replies are wrong; and how many replies say they could not answer
(`stages.status.non_answer`), with how many of those the readers still scored right (a letter read
from the question the reply quotes).

    python benchmarks/exam_mcq.py --data EXAMS --limit 60            # tools only, 60 items per suite
    python benchmarks/exam_mcq.py --data EXAMS --model --limit 30    # + the product path and the model alone
    python benchmarks/exam_mcq.py --data EXAMS --suite mmlu-chemistry --json out/mmlu.json

`--draw-chembench CHEMBENCH_DATA --classified CSV --data EXAMS` draws the ChemBench sample (36 per
topic, seed 0) from a copy of ChemBench's `data/` folder and its `scripts/classified_questions.csv`.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import shutil
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT))  # after PYTHONPATH: a checkout named there is measured

from evals.formats.lamalab import example_item, load_lamalab  # noqa: E402
from evals.formats.mmlu import load_mmlu  # noqa: E402
from evals.scorers import score_item  # noqa: E402
from evals.suite import ChoiceRule, Item, LettersRule, Suite, SuiteError  # noqa: E402

MANIFEST = "chembench-sample.csv"
SUITES = ("chembench-sample", "mmlu-chemistry")
SETTINGS = ("product", "tools-only", "model-alone")
# ChemBench's nine topics (its scripts/classified_questions.csv) -> the folder each sits in here
TOPICS = {
    "Analytical Chemistry": "analytical_chemistry",
    "Chemical Preference": "chemical_preference",
    "General Chemistry": "general_chemistry",
    "Inorganic Chemistry": "inorganic_chemistry",
    "Materials Science": "materials_science",
    "Organic Chemistry": "organic_chemistry",
    "Physical Chemistry": "physical_chemistry",
    "Technical Chemistry": "technical_chemistry",
    "Toxicity/Safety": "toxicity_and_safety",
}
PER_TOPIC, SAMPLE_SEED = 36, 0


# ---------------------------------------------------------------- the exam data and suites


def _rank(seed: int, key: str) -> str:
    return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()


def draw_chembench(source: Path, classified: Path, out: Path, per_topic: int = PER_TOPIC,
                   seed: int = SAMPLE_SEED) -> list[dict[str, str]]:
    """Copy a seeded sample of ChemBench task files into `out/chembench/<topic>/<path in data/>`:
    `per_topic` tasks from each of the nine topics, numeric ones in the topic's own proportion (at
    least one where it has any), each group ranked by sha256 of seed and path. Files the loader
    cannot read are never drawn. Writes the manifest beside them; returns its rows."""
    with classified.open(encoding="utf-8", newline="") as handle:
        topic_of = {row["question"].removeprefix("../data/"): row["topic"] for row in csv.DictReader(handle)}
    pools: dict[tuple[str, str], list[str]] = {}
    for relative, topic in sorted(topic_of.items()):
        path = source / relative
        try:
            task = json.loads(path.read_text(encoding="utf-8"))
            items = [example_item(task, example, relative, topic, relative) for example in task["examples"]]
        except (OSError, KeyError, TypeError, ValueError, SuiteError):
            continue
        kind = "numeric" if any(r.kind == "numeric" for i in items for r in i.rules) else "mcq"
        pools.setdefault((TOPICS[topic], kind), []).append(relative)
    rows: list[dict[str, str]] = []
    target = out / "chembench"
    if target.exists():
        shutil.rmtree(target)
    for slug in sorted(set(TOPICS.values())):
        numeric, mcq = pools.get((slug, "numeric"), []), pools.get((slug, "mcq"), [])
        n_numeric = max(1, round(per_topic * len(numeric) / (len(numeric) + len(mcq)))) if numeric else 0
        for kind, pool, n in (("mcq", mcq, per_topic - n_numeric), ("numeric", numeric, n_numeric)):
            for relative in sorted(pool, key=lambda r: _rank(seed, r))[:n]:
                shipped = target / slug / relative
                shipped.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source / relative, shipped)
                digest = hashlib.sha256(shipped.read_bytes()).hexdigest()
                rows.append({"file": shipped.relative_to(out).as_posix(), "source": f"data/{relative}",
                             "topic": slug, "kind": kind, "sha256": digest})
    rows.sort(key=lambda row: row["file"])
    with (out / MANIFEST).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return rows


def build_suites(data: Path) -> dict[str, Suite]:
    """The two suites as the published-format loaders read `data`'s chembench/ and mmlu/ (zero-shot MMLU)."""
    chembench = load_lamalab(data / "chembench")
    mmlu = load_mmlu(data / "mmlu")
    n_numeric = sum(any(r.kind == "numeric" for r in i.rules) for i in chembench.items)
    return {
        "chembench-sample": chembench.model_copy(update={
            "name": "chembench-sample", "version": 1,
            "description": f"ChemBench (lamalab) sample: {len(chembench.items)} questions ({n_numeric} numeric), "
                           "scored as ChemBench scores them",
            "source": "ChemBench task files (lamalab-org, MIT)"}),
        "mmlu-chemistry": mmlu.model_copy(update={
            "name": "mmlu-chemistry", "version": 1,
            "description": f"MMLU chemistry test sets: {len(mmlu.items)} questions, zero-shot MMLU prompt",
            "source": "MMLU (Hendrycks et al., MIT) test files"}),
    }


# ---------------------------------------------------------------- asking and scoring


def is_mcq(item: Item) -> bool:
    return any(isinstance(rule, LettersRule | ChoiceRule) for rule in item.rules)


def chance(item: Item) -> float:
    """The chance that one option picked at random scores the item (0 for a numeric item)."""
    for rule in item.rules:
        if isinstance(rule, LettersRule):
            return 1 / rule.options if len(set(rule.answers)) == 1 else 0.0
        if isinstance(rule, ChoiceRule):
            return 1 / 4
    return 0.0


class Outcome(BaseModel):
    suite: str
    setting: str
    item: str
    task: str
    kind: Literal["mcq", "numeric"]
    passed: bool
    named: bool | None = Field(None, description="MCQ: the reply names an option (the project's reader found one)")
    read: str = Field("", description="How the letters were read (ChemBench): tagged, letters only, fallback")
    found: Any = None
    expected: Any = None
    chance: float
    non_answer: bool = Field(False, description="The reply says it could not answer (the engine's own reading)")
    option_or_cannot: bool | None = Field(None, description="MCQ: the reply names one option first (the project's strict "
                                                         "reader) or says it cannot choose")
    status: str
    answered_by: str
    reason: str = ""
    seconds: float
    answer: str


def outcome(suite: str, setting: str, item: Item, reply: Any) -> Outcome:
    from stages.pipeline import without_check_notes
    from stages.status import non_answer

    from stages.choices import chosen, read_choices

    answer = without_check_notes(reply.text)
    score = score_item(item, answer)
    verdict = score.verdicts[0]
    mcq = is_mcq(item)
    first = answer.strip().split("\n")[0]
    stated = bool(chosen(first, read_choices(item.question))) or first.lower().startswith("not answered: which option")
    return Outcome(suite=suite, setting=setting, item=item.id, task=item.task, kind="mcq" if mcq else "numeric",
                   passed=bool(score.passed), named=verdict.parsed if mcq else None,
                   read=verdict.detail.removeprefix("read: ") if verdict.kind == "letters" else "",
                   found=verdict.found, expected=verdict.expected, chance=chance(item),
                   non_answer=non_answer(reply.text), option_or_cannot=stated if mcq else None, status=reply.status.value,
                   answered_by=reply.answered_by, reason=reply.reason, seconds=round(reply.duration_ms / 1000, 3),
                   answer=reply.text)


class Row(BaseModel):
    suite: str
    setting: str
    n: int = 0
    correct: int = 0
    chance: float = 0.0
    mcq: int = 0
    named: int = 0
    named_by_fallback: int = 0
    option_or_cannot: int = 0
    non_answers: int = 0
    right_non_answers: int = 0
    verified: int = 0
    verified_wrong: int = 0
    statuses: dict[str, int] = Field(default_factory=dict)
    seconds: list[float] = Field(default_factory=list, exclude=True)

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else 0.0

    def add(self, o: Outcome) -> None:
        self.n += 1
        self.correct += o.passed
        self.chance += (o.chance - self.chance) / self.n
        self.mcq += o.kind == "mcq"
        self.named += bool(o.named)
        self.named_by_fallback += bool(o.named) and o.read == "fallback"
        self.option_or_cannot += bool(o.option_or_cannot)
        self.non_answers += o.non_answer
        self.right_non_answers += o.non_answer and o.passed
        self.verified += o.status == "verified"
        self.verified_wrong += o.status == "verified" and not o.passed
        self.statuses[o.status] = self.statuses.get(o.status, 0) + 1
        self.seconds.append(o.seconds)

    def summary(self) -> dict[str, Any]:
        return self.model_dump() | {
            "accuracy": self.accuracy,
            "named_share": self.named / self.mcq if self.mcq else None,
            "verified_share": self.verified / self.n if self.n else 0.0,
            "verified_wrong_share": self.verified_wrong / self.verified if self.verified else None,
            "mean_s": statistics.fmean(self.seconds) if self.seconds else 0.0,
        }


def pipelines() -> dict[str, Callable[[], tuple[Any, Any]]]:
    """Each setting: a maker of (pipeline, run options); built only when the setting runs."""
    from benchmarks.trust_common import chem_pipeline
    from stages.messages import RunOptions

    return {
        "product": lambda: (chem_pipeline(use_model=True), RunOptions()),
        "tools-only": lambda: (chem_pipeline(use_model=False), RunOptions()),
        "model-alone": lambda: (chem_pipeline(use_model=True), RunOptions(tools=False)),
    }


def run(suites: dict[str, Suite], settings: list[str], limit: int | None, seed: int,
        say: Callable[[str], None] = print) -> tuple[list[Row], list[Outcome]]:
    from stages.messages import Request

    makers = pipelines()
    rows: list[Row] = []
    outcomes: list[Outcome] = []
    for setting in settings:
        pipeline, options = makers[setting]()
        for name, suite in suites.items():
            items = suite.select(limit, seed)
            row = Row(suite=name, setting=setting)
            started = time.perf_counter()
            for n, item in enumerate(items, 1):
                request = Request.model_validate({"messages": [{"role": "user", "content": item.question}],
                                                  "options": options, "request_id": f"{setting}:{item.id}"})
                result = outcome(name, setting, item, pipeline.run(request))
                row.add(result)
                outcomes.append(result)
                if n % 20 == 0 or n == len(items):
                    say(f"  {setting} {name}: {n}/{len(items)}, accuracy {row.accuracy:.1%}, "
                        f"{time.perf_counter() - started:.0f} s")
            rows.append(row)
    return rows, outcomes


def _share(count: int, total: int) -> str:
    return f"{count}/{total} ({count / total:.1%})" if total else "-"


def table(rows: list[Row]) -> str:
    columns = ["suite", "setting", "n", "accuracy", "random choice", "MCQ replies naming an option",
               "MCQ: first line names one option or says it cannot", "verified",
               "verified wrong", "non-answers (scored right)", "statuses", "mean s"]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for r in rows:
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(r.statuses.items()))
        mean = statistics.fmean(r.seconds) if r.seconds else 0.0
        lines.append(f"| {r.suite} | {r.setting} | {r.n} | {_share(r.correct, r.n)} | {r.chance:.1%} | "
                     f"{_share(r.named, r.mcq)} | {_share(r.option_or_cannot, r.mcq)} | {_share(r.verified, r.n)} | {_share(r.verified_wrong, r.verified)} | "
                     f"{_share(r.non_answers, r.n)} ({r.right_non_answers}) | {statuses} | {mean:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from benchmarks.trust_common import write_json

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", action="append", choices=SUITES, help="only this suite (repeatable)")
    parser.add_argument("--setting", action="append", choices=SETTINGS, help="only this setting (repeatable)")
    parser.add_argument("--model", action="store_true", help="all three settings (default: tools-only)")
    parser.add_argument("--limit", type=int, default=None, help="N items per suite (as `tristage eval` picks)")
    parser.add_argument("--seed", type=int, default=0, help="which items --limit picks")
    parser.add_argument("--show", type=int, default=0, metavar="N", help="print N replies per suite and setting")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows and every outcome here")
    parser.add_argument("--data", type=Path, required=True,
                        help="folder with chembench/ (ChemBench task JSONs) and mmlu/ (MMLU test/ and dev/ CSVs)")
    parser.add_argument("--draw-chembench", type=Path, metavar="CHEMBENCH_DATA",
                        help="draw the ChemBench sample into --data/chembench from ChemBench's data/ folder")
    parser.add_argument("--classified", type=Path, help="ChemBench's scripts/classified_questions.csv")
    args = parser.parse_args(argv)

    if args.draw_chembench:
        if args.classified is None:
            parser.error("--draw-chembench needs --classified")
        drawn = draw_chembench(args.draw_chembench, args.classified, args.data)
        print(f"drew {len(drawn)} ChemBench task files: {dict(Counter(r['topic'] for r in drawn))}, "
              f"{dict(Counter(r['kind'] for r in drawn))}")
        return 0
    try:
        built = build_suites(args.data)
    except SuiteError as exc:
        parser.error(f"cannot read the exam data in {args.data}: {exc}")
    suites = {name: built[name] for name in (args.suite or SUITES)}
    settings = list(SETTINGS) if args.model else (args.setting or ["tools-only"])
    started = time.perf_counter()
    rows, outcomes = run(suites, settings, args.limit, args.seed)
    print()
    print(table(rows))
    fallback = sum(r.named_by_fallback for r in rows)
    print(f"\nChemBench letters read by the fallback (no [ANSWER] tag, not letters only): {fallback}; "
          "random choice: one option picked at random (0 where several are right, and for numeric items)")
    for row in rows:
        shown = [o for o in outcomes if (o.suite, o.setting) == (row.suite, row.setting)][: args.show]
        for o in shown:
            text = " ".join(o.answer.split())[:240]
            print(f"[{o.setting} {o.item}] {o.status} {'pass' if o.passed else 'fail'} "
                  f"(found {o.found}, expected {o.expected}): {text}")
    print(f"total {time.perf_counter() - started:.0f} s")
    if args.json:
        write_json(args.json, {"rows": [r.summary() for r in rows], "outcomes": [o.model_dump() for o in outcomes],
                               "limit": args.limit, "seed": args.seed,
                               "suites": {n: s.version for n, s in suites.items()}})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
