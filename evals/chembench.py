"""Multiple-choice suites in the ChemBench4K format, loaded from the user's local copy.

Rows are `question, A, B, C, D, answer` (OpenCompass's `input`/`target` names are accepted too),
one file per task (`Name_Conversion_benchmark.json`, `.jsonl` or `.csv`); a folder with `test/`
and `dev/` subfolders is read like OpenCompass does: items from `test/`, optional few-shot
examples from the first rows of `dev/`. The prompt is OpenCompass's ChemBench prompt, and the
letter is extracted by `stages.choices.extract_choice`.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ValidationError, field_validator

from evals.formats.tables import read_table
from evals.suite import ChoiceRule, Item, Suite, SuiteError

HINT = "There is a single choice question about chemistry. Answer the question by replying A, B, C or D."
_SUFFIXES = (".json", ".jsonl", ".csv")
MCQ_COLUMNS = ["question", "A", "B", "C", "D", "answer"]


class McqRow(BaseModel):
    question: str
    A: str
    B: str
    C: str
    D: str
    answer: str

    @field_validator("answer")
    @classmethod
    def _letter(cls, value: str) -> str:
        letter = value.strip().strip("().").upper()[:1]
        if letter not in {"A", "B", "C", "D"}:
            raise ValueError(f"answer must be A, B, C or D, not {value!r}")
        return letter


def question_block(row: McqRow) -> str:
    return f"Question: {row.question}\nA. {row.A}\nB. {row.B}\nC. {row.C}\nD. {row.D}\nAnswer: "


def mcq_prompt(row: McqRow, shots: list[McqRow] | None = None) -> str:
    """OpenCompass's ChemBench prompt; few-shot examples come first, each followed by its letter."""
    examples = "".join(f"{HINT}\n{question_block(s)}{s.answer}\n\n" for s in shots or [])
    return f"{examples}{HINT}\n{question_block(row)}"


def read_rows(path: Path) -> list[McqRow]:
    """Rows with `question, A, B, C, D, answer` (or OpenCompass's `input`/`target`); a CSV published
    without a header row (as MMLU's are) is read with those six columns."""
    rows = []
    raw = read_table(path)
    if path.suffix == ".csv" and not (raw and {"question", "input"} & set(raw[0])):
        raw = read_table(path, header=MCQ_COLUMNS)
    for names in (("question", "input"), ("A",), ("B",), ("C",), ("D",), ("answer", "target")):
        if raw and not any(n in raw[0] for n in names):
            raise SuiteError(f"{path.name}: missing column {' or '.join(map(repr, names))} for the multiple-choice layout "
                             f"(question, A, B, C, D, answer)")
    for n, row in enumerate(raw, 1):
        renamed = {"question": row.get("question", row.get("input")), "answer": row.get("answer", row.get("target")),
                   **{k: row.get(k) for k in "ABCD"}}
        try:
            rows.append(McqRow.model_validate(renamed))
        except ValidationError as exc:
            raise SuiteError(f"{path.name} row {n} is not a question with options A–D and an answer letter: "
                             f"{' '.join(str(exc).split())[:300]}") from exc
    return rows


def task_name(path: Path) -> str:
    return re.sub(r"_benchmark$", "", path.stem)


def _task_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    root = path / "test" if (path / "test").is_dir() else path
    return sorted(p for p in root.iterdir() if p.suffix in _SUFFIXES and p.is_file())


def load_chembench(path: Path, shots: int = 0) -> Suite:
    """Every task file under `path` (a file, or a folder as OpenCompass lays it out) as one suite."""
    path = path.expanduser()
    if not path.exists():
        raise SuiteError(f"no ChemBench copy at {path}: give a task file or the folder that holds test/ and dev/")
    items = []
    for file in _task_files(path):
        task = task_name(file)
        dev = next((d for s in _SUFFIXES if (d := path / "dev" / f"{file.stem}{s}").is_file()), None) if path.is_dir() else None
        examples = read_rows(dev)[:shots] if dev is not None and shots else []
        for n, row in enumerate(read_rows(file)):
            items.append(Item(id=f"{task}-{n:04d}", task=task, question=mcq_prompt(row, examples),
                              rules=[ChoiceRule(answer=row.answer)]))  # type: ignore[arg-type]
    if not items:
        raise SuiteError(f"no ChemBench questions under {path}")
    return Suite(name="chembench", description="ChemBench4K multiple choice (OpenCompass prompt)", assistant="chem",
                 source=path.name, items=items)
