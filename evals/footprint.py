"""The breakout footprint suite from user-provided samples in BreakGPT's format.

A folder holding BreakGPT's files gives both its training samples (`train_multi_stage.jsonl`,
labels from the annotated answers) and its test samples (`test_samples.jsonl`); a JSONL file in
the test format gives test samples only. BreakGPT was fine-tuned on the training samples, so the
two are kept apart: task `footprint train` and `footprint test`, and training items never count
in the report's `all` row (item meta `split`). The samples stay where the user keeps them;
nothing is copied into the project.
"""

from __future__ import annotations

from pathlib import Path

from assistants.market.answers import DIRECTIONS, JUDGMENTS, SIDES
from assistants.market.breakgpt import TEST_FILE, TRAIN_FILE, BreakGPTSample, read_test_samples, read_train_samples
from evals.suite import Item, LabelRule, NumericRule, Suite, SuiteError
from stages.stage import BadInput

QUESTION = (
    "{tables}\n\nThese are footprint bars (sell volume, buy volume, price). Did the last bar break out of "
    "the range of the earlier bars? Give the direction (upward or downward), the price level it broke "
    "through, whether buyers or sellers were stronger beyond that level, and whether it is a true or "
    "false breakout."
)


def footprint_item(sample: BreakGPTSample) -> Item:
    """One footprint question with its four rules (direction, level to a hundredth, side, label)."""
    rules = [
        LabelRule(field="direction", value=sample.direction, choices=DIRECTIONS),
        NumericRule(value=sample.level, tolerance=0.01, label=r"level|through|broke(?:n)? (?:above|below)"),
        LabelRule(field="side", value=sample.side, choices=SIDES),
        LabelRule(field="breakout", value=sample.label, choices=JUDGMENTS),
    ]
    return Item(id=sample.id, task=f"footprint {sample.split}", question=QUESTION.format(tables=sample.tables.strip()),
                rules=rules, meta={"split": sample.split, "label_source": sample.label_source})


def _samples(path: Path) -> tuple[list[BreakGPTSample], str]:
    if not path.is_dir():
        return read_test_samples(path), path.name
    if not (path / TEST_FILE).is_file():
        raise SuiteError(f"no footprint samples at {path / TEST_FILE}: give a JSONL file or a folder with {TEST_FILE}")
    train = read_train_samples(path / TRAIN_FILE) if (path / TRAIN_FILE).is_file() else []
    files = [TRAIN_FILE, TEST_FILE] if train else [TEST_FILE]
    return train + read_test_samples(path / TEST_FILE), " + ".join(files)


def load_footprint_suite(path: Path) -> Suite:
    """BreakGPT's folder (training and test samples, kept apart) or a JSONL file of test-format samples."""
    path = path.expanduser()
    if not path.exists():
        raise SuiteError(f"no footprint samples at {path}: give a JSONL file or a folder with {TEST_FILE}")
    try:
        samples, source = _samples(path)
    except (BadInput, OSError, KeyError, IndexError, TypeError, ValueError) as exc:
        raise SuiteError(str(exc)) from exc
    if not samples:
        raise SuiteError(f"{path.name} holds no samples")
    return Suite(name="breakout-footprint", version=2, description="BreakGPT footprint chain: direction, level, side, label",
                 assistant="breakout", source=source, items=[footprint_item(s) for s in samples])
