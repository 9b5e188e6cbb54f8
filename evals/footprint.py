"""The breakout footprint suite from user-provided samples in BreakGPT's format.

Each JSONL line is `{"id", "tables", "expected": {"direction", "level", "side"}}`: `tables` is
the footprint text (`Table k: Sell Buy Price ...`, last table = breakout bar). The final
true/false label follows from direction and side by the assistant's own rule. The samples stay
where the user keeps them; nothing is copied into the project.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ValidationError

from assistants.market.footprint import breakout_label
from evals.suite import Item, LabelRule, NumericRule, Suite, SuiteError

DIRECTIONS = {"upward": [r"up(?:ward)?s?"], "downward": [r"down(?:ward)?s?"]}
SIDES = {"buyer": [r"buy(?:er)?s?", r"buying"], "seller": [r"sell(?:er)?s?", r"selling"]}
JUDGMENTS = {"true": [r"true"], "false": [r"false"]}
QUESTION = (
    "{tables}\n\nThese are footprint bars (sell volume, buy volume, price). Did the last bar break out of "
    "the range of the earlier bars? Give the direction (upward or downward), the price level it broke "
    "through, whether buyers or sellers were stronger beyond that level, and whether it is a true or "
    "false breakout."
)
DEFAULT_FILE = "test_samples.jsonl"


class _Expected(BaseModel):
    direction: str
    level: float
    side: str


class _Sample(BaseModel):
    id: str
    tables: str
    expected: _Expected


def footprint_item(sample_id: str, tables: str, direction: str, level: float, side: str) -> Item:
    """One footprint question with its four rules (direction, level to a hundredth, side, label)."""
    rules = [
        LabelRule(field="direction", value=direction, choices=DIRECTIONS),
        NumericRule(value=level, tolerance=0.01, label=r"level|through|broke(?:n)? (?:above|below)"),
        LabelRule(field="side", value=side, choices=SIDES),
        LabelRule(field="breakout", value=breakout_label(direction, side), choices=JUDGMENTS),  # type: ignore[arg-type]
    ]
    return Item(id=sample_id, task="footprint", question=QUESTION.format(tables=tables.strip()), rules=rules)


def load_footprint_suite(path: Path) -> Suite:
    """A directory holding `test_samples.jsonl`, or any JSONL file of samples in that format."""
    path = path.expanduser()
    file = path / DEFAULT_FILE if path.is_dir() else path
    if not file.is_file():
        raise SuiteError(f"no footprint samples at {file}: give a JSONL file or a folder with {DEFAULT_FILE}")
    items = []
    for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            sample = _Sample.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise SuiteError(f"{file.name} line {n} is not a footprint sample: {' '.join(str(exc).split())[:300]}") from exc
        e = sample.expected
        if e.direction not in DIRECTIONS or e.side not in SIDES:
            raise SuiteError(f"{file.name} line {n}: direction must be upward/downward and side buyer/seller")
        items.append(footprint_item(sample.id, sample.tables, e.direction, e.level, e.side))
    if not items:
        raise SuiteError(f"{file.name} holds no samples")
    return Suite(name="breakout-footprint", description="BreakGPT footprint chain: direction, level, side, label",
                 assistant="breakout", source=str(file.name), items=items)
