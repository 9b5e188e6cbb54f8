"""The pipeline-shaped training set: real pipelines, a teacher in the model's seat, kept only where the
first draft passed every check."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from assistants.chem.store import CompoundStore, get_store
from stages.messages import ask
from stages.pipeline import Pipeline
from train.dataset import load_training_data
from train.pipeline_set import (
    Question, breakout_questions, build_pipeline_set, footprint_questions, read_questions, select_questions,
    ticker_split,
)
from train.teacher import TaughtChem, TeacherBackend, chem_teacher, first_draft_passed, taught_calls, taught_pipelines


@pytest.fixture(scope="module")
def store() -> CompoundStore:
    return get_store()


def _chem(store: CompoundStore, teacher=chem_teacher) -> Pipeline:
    backend = TeacherBackend(teacher)
    assistant = TaughtChem(backend)
    assistant._store = store
    return Pipeline(assistant, backend)


def test_a_structured_chem_call_is_taught_the_schema_filled_from_the_tools(store: CompoundStore) -> None:
    reply = _chem(store).run(ask("What is the SMILES of aspirin?"))
    calls = taught_calls(reply)
    assert len(calls) == 1
    prompt = calls[0].prompt
    assert prompt[0]["role"] == "system" and "Facts from tools" in prompt[0]["content"]
    assert prompt[-1] == {"role": "user", "content": "What is the SMILES of aspirin?"}
    assert json.loads(calls[0].output)["molecules"] == [{"smiles": "CC(=O)Oc1ccccc1C(=O)O"}]
    assert reply.status.value == "verified" and reply.answered_by == "model"


def test_a_wrong_first_draft_is_not_taught(store: CompoundStore) -> None:
    def wrong(messages, params, detection) -> str:
        return json.dumps({"answer": "The SMILES of aspirin is CCO.", "molecules": [{"smiles": "CCO"}]})

    reply = _chem(store, wrong).run(ask("What is the SMILES of aspirin?"))
    assert not first_draft_passed(reply)
    assert taught_calls(reply) == []
    assert reply.status.value == "corrected"


def test_a_question_the_tools_cannot_answer_teaches_nothing(store: CompoundStore) -> None:
    reply = _chem(store).run(ask("Why is the sky blue?"))
    assert taught_calls(reply) == []


def test_each_footprint_stage_is_taught_its_checked_answer() -> None:
    question = next(footprint_questions(1, seed=3))
    reply = taught_pipelines()["breakout"].run(ask(question.text))
    calls = taught_calls(reply)
    assert [c.output.rsplit("Answer: ", 1)[1] for c in calls][2:] == [reply.result["facts"]["side"],
                                                                       f"{reply.result['facts']['label']} breakout"]
    assert len(calls) == 4 and reply.status.value == "verified"


def _bars_file(tmp_path: Path) -> Path:
    """Two tickers of daily bars with a breakout each: a flat range, then a close far above it."""
    days = pd.bdate_range("2015-01-02", periods=80)
    rows = []
    for ticker in ("AAPL", "ZZZ"):
        for i, day in enumerate(days):
            close = 100.0 + (i % 3) * 0.5 if i < 60 else 110.0 + i * 0.2
            rows.append({"date": f"{day:%Y-%m-%d}", "open": close - 0.2, "high": close + 0.5, "low": close - 0.5,
                         "close": close, "volume": 1_000_000 + (500_000 if i == 60 else 0), "ticker": ticker})
    path = tmp_path / "bars.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_breakouts_are_asked_with_their_bars_and_split_by_ticker(tmp_path: Path) -> None:
    questions = list(breakout_questions(_bars_file(tmp_path), per_ticker=2, seed=0))
    assert {q.source_id.split("-")[0] for q in questions} == {"AAPL", "ZZZ"}
    assert all(q.text.startswith(f"Daily bars of {q.source_id.split('-')[0]}:\ndate,open,high,low,close,volume")
               for q in questions)
    assert {q.split for q in questions if q.source_id.startswith("AAPL")} == {"test"}  # the eval suite's ticker
    assert ticker_split("ZZZ") in {"train", "validation", "test"}
    reply = taught_pipelines()["breakout"].run(ask(questions[-1].text))
    calls = taught_calls(reply)
    assert [c.output.rsplit("Answer: ", 1)[1].split(",")[0] for c in calls][:1] == [reply.result["facts"]["direction"]]
    assert len(calls) == 3 and reply.status.value == "unverified"  # the rationale in words: no tool checks it


def test_the_selection_takes_each_task_in_each_split() -> None:
    questions = [Question(assistant="chem", text=f"q{i}", task=f"chem.t{i % 3}", split=("train", "test")[i % 2],
                          source_id=str(i)) for i in range(60)]
    chosen = select_questions(questions, {"train": 4, "test": 2}, seed=1)
    counts = {(q.task, q.split): 0 for q in chosen}
    for q in chosen:
        counts[(q.task, q.split)] += 1
    assert counts == {(f"chem.t{i}", s): n for i in range(3) for s, n in (("train", 4), ("test", 2))}
    assert select_questions(questions, {"train": 4, "test": 2}, seed=1) == chosen


@pytest.mark.slow
def test_a_build_is_a_dataset_that_training_reads(store: CompoundStore, tmp_path: Path) -> None:
    questions = [
        Question(assistant="chem", text="What is the molecular weight of caffeine?", task="chem.mw", split="train", source_id="a"),
        Question(assistant="chem", text="Why is the sky blue?", task="chem.chat", split="train", source_id="b"),
        Question(assistant="chem", text="What is the formula of ethanol?", task="chem.formula", split="validation", source_id="c"),
        *footprint_questions(2, seed=5),
    ]
    tally = build_pipeline_set(questions, tmp_path / "set", answer_tokens=lambda text: len(text.split()))
    assert tally.questions == 5 and tally.kept_questions == 4
    data = load_training_data(tmp_path / "set")
    assert all(c["messages"][-1]["role"] == "assistant" for c in data.train + data.validation)
    assert len(data.validation) == 1 and "C2H6O" in data.validation[0]["messages"][-1]["content"]
    assert [q.text for q in read_questions(tmp_path / "set")] == [q.text for q in questions]
    short = build_pipeline_set(questions[:1], tmp_path / "short", answer_tokens=lambda text: 10_000)
    assert short.too_long == 1 and short.conversations == 0
