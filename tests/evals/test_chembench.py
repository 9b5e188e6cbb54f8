"""ChemBench4K-format loader on a small fixture laid out like a user's local copy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.chembench import HINT, load_chembench
from evals.scorers import score_item
from evals.suite import SuiteError

ROWS = [
    {"question": "Which is the SMILES of ethanol?", "A": "CCO", "B": "CCC", "C": "CO", "D": "C=O", "answer": "A"},
    {"question": "What is the formula of methane?", "A": "C2H6", "B": "CH4", "C": "CO2", "D": "H2O", "answer": "B"},
]


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    (tmp_path / "test").mkdir()
    (tmp_path / "dev").mkdir()
    (tmp_path / "test" / "Name_Conversion_benchmark.json").write_text(json.dumps(ROWS))
    (tmp_path / "dev" / "Name_Conversion_benchmark.json").write_text(json.dumps(ROWS[::-1]))
    opencompass = [{"input": "Boiling point of water?", "A": "0 °C", "B": "50 °C", "C": "100 °C", "D": "373 °C", "target": "C"}]
    (tmp_path / "test" / "Property_Prediction_benchmark.jsonl").write_text("\n".join(json.dumps(r) for r in opencompass))
    return tmp_path


def test_loads_tasks_with_the_opencompass_prompt(copy: Path) -> None:
    suite = load_chembench(copy)
    assert [i.task for i in suite.items] == ["Name_Conversion", "Name_Conversion", "Property_Prediction"]
    first = suite.items[0].question
    assert first.startswith(HINT)
    assert first.endswith("A. CCO\nB. CCC\nC. CO\nD. C=O\nAnswer: ")
    assert suite.items[2].rules[0].answer == "C"


def test_few_shot_examples_come_from_dev(copy: Path) -> None:
    question = load_chembench(copy, shots=1).items[0].question
    assert question.count(HINT) == 2
    assert "What is the formula of methane?" in question.split(HINT)[1]
    assert "Answer: B\n" in question


def test_answers_are_scored_by_letter(copy: Path) -> None:
    item = load_chembench(copy).items[1]
    assert score_item(item, "B").passed
    assert score_item(item, "The answer is B, methane is CH4.").passed
    assert not score_item(item, "A").passed
    assert not score_item(item, "I do not know.").parsed


def test_bad_rows_and_missing_copies_are_reported(tmp_path: Path) -> None:
    bad = tmp_path / "Bad_benchmark.json"
    bad.write_text(json.dumps([{"question": "q", "A": "a", "B": "b", "C": "c", "D": "d", "answer": "E"}]))
    with pytest.raises(SuiteError, match="row 1"):
        load_chembench(bad)
    with pytest.raises(SuiteError, match="no ChemBench copy"):
        load_chembench(tmp_path / "absent")
