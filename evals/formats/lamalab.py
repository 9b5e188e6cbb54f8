"""ChemBench (lamalab) task files as published: one JSON per task with `examples`, each an `input`
and either `target_scores` (multiple choice, any number of options, one or more right) or a
numeric `target`, and the task's `preferred_score` (`multiple_choice_grade` or `mae`).

Scored as ChemBench scores them: the answer goes between [ANSWER] and [/ANSWER]; a multiple-choice
item is right only when the set of letters given equals the set of options scored 1; a numeric
item is right when |answer - target| < tolerance, the tolerance being the example's (or task's)
`tolerance`, else `relative_tolerance` × |target|, else ChemBench's default of 1% of the target.
(ChemBench multiplies by the signed target, so a negative target can never be matched there;
the magnitude is used here.) Where ChemBench asks an LLM to extract an untagged answer, the
first number, or the OpenCompass reading of one letter, stands in. `[START_SMILES]…[END_SMILES]` and the other `[START_x]…[END_x]`
markers are removed, as ChemBench does for models not trained on them.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from evals.suite import Item, LettersRule, NumericRule, Rule, Suite, SuiteError

DEFAULT_RELATIVE_TOLERANCE = 0.01
_MARKUP = re.compile(r"\[(?:START|END)_[A-Z]+\]")
MCQ_INSTRUCTION = (
    "The following is a multiple choice question about chemistry. Answer with the letter of the correct option; "
    "if several options are correct, give all their letters separated by commas."
)
MCQ_FORMAT = "Write the letter(s) between [ANSWER] and [/ANSWER], for example [ANSWER]A[/ANSWER] or [ANSWER]A, C[/ANSWER]."
NUMERIC_INSTRUCTION = "The following is a question about chemistry. The answer is a number."
NUMERIC_FORMAT = "Write only the number between [ANSWER] and [/ANSWER], for example [ANSWER]1.25[/ANSWER]."


def strip_markup(text: str) -> str:
    return _MARKUP.sub("", text)


def letters(n: int) -> list[str]:
    return [chr(ord("A") + i) for i in range(n)]


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _tolerance(example: dict[str, Any], task: dict[str, Any], target: float) -> float:
    for source in (example, task):
        absolute = _number(source.get("tolerance"))
        if absolute is not None:
            return absolute
        relative = _number(source.get("relative_tolerance"))
        if relative is not None:
            return relative * abs(target)
    return DEFAULT_RELATIVE_TOLERANCE * abs(target)


def example_item(task: dict[str, Any], example: dict[str, Any], item_id: str, topic: str, where: str) -> Item:
    """One ChemBench example as an item: its prompt and the rule that scores it."""
    question = example.get("input")
    if not isinstance(question, str) or not question.strip():
        raise SuiteError(f"{where}: missing key 'input'")
    question = strip_markup(question).strip()
    scores = example.get("target_scores")
    rule: Rule
    if isinstance(scores, dict) and scores:
        options = list(scores)
        if len(options) > 26:
            raise SuiteError(f"{where}: {len(options)} options; at most 26 can be lettered")
        marks = letters(len(options))
        right = [m for m, o in zip(marks, options, strict=True) if _number(scores[o]) == 1]
        if not right:
            raise SuiteError(f"{where}: 'target_scores' marks no option with score 1")
        listed = "\n".join(f"{m}. {strip_markup(str(o))}" for m, o in zip(marks, options, strict=True))
        prompt = f"{MCQ_INSTRUCTION}\n\nQuestion: {question}\n\nOptions:\n{listed}\n\n{MCQ_FORMAT}"
        rule = LettersRule(answers=right, options=len(options))
    else:
        if "target" not in example:
            raise SuiteError(f"{where}: missing key 'target_scores' or 'target'")
        target = _number(example["target"])
        if target is None:
            raise SuiteError(f"{where}: 'target' {example['target']!r} is not a number")
        tolerance = _tolerance(example, task, target)
        prompt = f"{NUMERIC_INSTRUCTION}\n\nQuestion: {question}\n\n{NUMERIC_FORMAT}"
        rule = NumericRule(value=target, tolerance=tolerance, label=r"\[ANSWER\]")
    return Item(id=item_id, task=topic, question=prompt, rules=[rule],
                meta={"chembench_task": task.get("name", ""), "preferred_score": task.get("preferred_score", "")})


def _task_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise SuiteError(f"no ChemBench task file or folder at {path}")
    return sorted(p for p in path.rglob("*.json") if p.is_file())


def load_lamalab(path: Path) -> Suite:
    """Every task JSON under `path` (searched recursively); the task of an item is the folder it
    sits in below `path` (ChemBench's topics), or the task's name for a single file."""
    path = path.expanduser()
    items: list[Item] = []
    for file in _task_files(path):
        try:
            task = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SuiteError(f"cannot read {file.name}: {exc}") from exc
        if not isinstance(task, dict) or not isinstance(task.get("examples"), list):
            raise SuiteError(f"{file.name}: missing key 'examples' (a ChemBench task is an object with a list of examples)")
        relative = file.parent.relative_to(path) if path.is_dir() else Path()
        topic = relative.parts[0] if relative.parts else str(task.get("name") or file.stem)
        for n, example in enumerate(task["examples"]):
            if not isinstance(example, dict):
                raise SuiteError(f"{file.name} example {n}: not an object")
            item_id = f"{'/'.join(relative.parts)}/{file.stem}-{n}".lstrip("/")
            items.append(example_item(task, example, item_id, topic, f"{file.name} example {n}"))
    if not items:
        raise SuiteError(f"no ChemBench task files under {path}")
    return Suite(name="chembench-lamalab", description="ChemBench (lamalab) task JSON, scored as ChemBench scores it",
                 assistant="chem", source=path.name, items=items)
