"""MMLU-style multiple choice: `question, A, B, C, D, answer` rows (CSV with or without a header
row, or JSONL), one file per subject, few-shot examples from the subject's dev file.

Layout as published: `test/<subject>_test.csv` and `dev/<subject>_dev.csv`; a single test file
finds its dev file beside it or in a sibling `dev/` folder. The prompt is MMLU's: a subject line,
the examples each followed by its letter, then the question ending in "Answer:".
"""

from __future__ import annotations

import re
from pathlib import Path

from evals.chembench import McqRow, read_rows
from evals.formats.tables import table_files
from evals.suite import ChoiceRule, Item, Suite, SuiteError

_SUFFIXES = (".csv", ".jsonl", ".json")


def subject(path: Path) -> str:
    return re.sub(r"_(test|dev|val)$", "", path.stem)


def dev_file(test_file: Path) -> Path | None:
    """The dev file of a subject: `<subject>_dev.*` beside the test file or in `../dev/`."""
    name = subject(test_file)
    for folder in (test_file.parent, test_file.parent.parent / "dev"):
        for suffix in _SUFFIXES:
            candidate = folder / f"{name}_dev{suffix}"
            if candidate.is_file() and candidate != test_file:
                return candidate
    return None


def mmlu_block(row: McqRow) -> str:
    return f"{row.question}\nA. {row.A}\nB. {row.B}\nC. {row.C}\nD. {row.D}\nAnswer:"


def mmlu_prompt(row: McqRow, topic: str, shots: list[McqRow]) -> str:
    header = f"The following are multiple choice questions (with answers) about {topic.replace('_', ' ')}.\n\n"
    examples = "".join(f"{mmlu_block(s)} {s.answer}\n\n" for s in shots)
    return f"{header}{examples}{mmlu_block(row)}"


def load_mmlu(path: Path, shots: int = 0) -> Suite:
    """Every subject file under `path` (a file, a folder of them, or a folder with test/ and dev/)."""
    path = path.expanduser()
    root = path / "test" if (path / "test").is_dir() else path
    files = [f for f in table_files(root, _SUFFIXES) if not f.stem.endswith("_dev")]
    items = []
    for file in files:
        topic = subject(file)
        dev = dev_file(file) if shots else None
        if shots and dev is None:
            raise SuiteError(f"--shots {shots}: no dev file for {file.name} (expected {topic}_dev.csv beside it or in ../dev/)")
        examples = read_rows(dev)[:shots] if dev is not None else []
        for n, row in enumerate(read_rows(file)):
            items.append(Item(id=f"{topic}-{n:04d}", task=topic, question=mmlu_prompt(row, topic, examples),
                              rules=[ChoiceRule(answer=row.answer)]))  # type: ignore[arg-type]
    if not items:
        raise SuiteError(f"no questions under {path}")
    return Suite(name="mmlu", description="MMLU-style multiple choice (MMLU prompt, few-shot from dev)",
                 assistant="chem", source=path.name, items=items)
