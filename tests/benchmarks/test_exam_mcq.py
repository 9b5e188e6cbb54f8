"""The exam benchmark on exam files written here in the published layouts: the suites load, the
reply text the user reads is scored, options named are counted, and missing data is a clear error."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from benchmarks import exam_mcq


@pytest.fixture
def exams(tmp_path: Path) -> Path:
    topic = tmp_path / "chembench" / "general_chemistry"
    topic.mkdir(parents=True)
    task = {"name": "heaviest", "preferred_score": "multiple_choice_grade",
            "examples": [{"input": "Which has the highest boiling point?",
                          "target_scores": {"methanol": 0, "ethanol": 0, "water": 1, "acetone": 0}}]}
    (topic / "heaviest.json").write_text(json.dumps(task), encoding="utf-8")
    for folder, rows in (("test", [["What is the molecular formula of caffeine?", "C8H10N4O2", "C6H12O6", "C9H8O4",
                                     "C2H6O", "A"]]),
                         ("dev", [["What is the formula of water?", "H2O", "CO2", "O2", "N2", "A"]])):
        (tmp_path / "mmlu" / folder).mkdir(parents=True)
        with (tmp_path / "mmlu" / folder / f"college_chemistry_{folder}.csv").open("w", newline="") as handle:
            csv.writer(handle).writerows(rows)
    return tmp_path


def test_both_suites_load_from_the_published_layouts(exams: Path) -> None:
    suites = exam_mcq.build_suites(exams)
    assert [len(s.items) for s in suites.values()] == [1, 1]


def test_tools_only_replies_are_scored_from_their_text(exams: Path) -> None:
    rows, outcomes = exam_mcq.run(exam_mcq.build_suites(exams), ["tools-only"], None, 0)
    assert [(o.suite, o.passed, o.named, o.status) for o in outcomes] == [
        ("chembench-sample", True, True, "verified"), ("mmlu-chemistry", True, True, "verified")]
    assert all("[ANSWER]" in o.answer for o in outcomes) and all(r.verified_wrong == 0 for r in rows)


def test_missing_exam_data_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        exam_mcq.main(["--data", str(tmp_path)])
    assert exit_info.value.code == 2 and "cannot read the exam data" in capsys.readouterr().err
