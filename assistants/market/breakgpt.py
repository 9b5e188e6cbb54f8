"""Reader for BreakGPT's published samples (JSONL chat files), with the labels each one carries.

The files are not part of tristage (no licence); point `load_breakgpt` at a folder holding
them. The training chat file has 40 examples, 10 footprints x 4 questions (direction, level,
side, true/false), in that order; the test file has 3 footprints with expected direction,
level and side. Labels are read from the answers' final "answer" part.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from assistants.market.answers import answer_part, parse_direction, parse_judgment, parse_numbers, parse_side, to_float
from assistants.market.footprint import breakout_label, footprint_to_text, parse_footprint_text
from stages.stage import BadInput

ENV_DIR = "TRISTAGE_BREAKGPT_DIR"
TRAIN_FILE, TEST_FILE = "train_multi_stage.jsonl", "test_samples.jsonl"


class BreakGPTSample(BaseModel):
    id: str
    split: Literal["train", "test"]
    tables: str
    direction: str
    level: float
    side: str
    label: str
    label_source: Literal["annotated", "rule"]


def read_json_objects(path: Path) -> list[dict[str, Any]]:
    """JSON objects one after another (JSONL, or objects spread over several lines)."""
    text = path.read_text(encoding="utf-8")
    decoder, i, objects = json.JSONDecoder(), 0, []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return objects
        obj, i = decoder.raw_decode(text, i)
        objects.append(obj)


def breakgpt_dir(given: str | Path | None = None) -> Path:
    folder = given or os.environ.get(ENV_DIR)
    if not folder or not Path(folder).is_dir():
        raise BadInput(f"Give the folder of BreakGPT's samples as an argument or in ${ENV_DIR}.")
    return Path(folder)


def read_train_samples(file: Path) -> list[BreakGPTSample]:
    """The training footprints with the labels their chat answers give."""
    chats = [obj["messages"] for obj in read_json_objects(file)]
    if len(chats) % 4:
        raise BadInput(f"{file.name} should hold 4 questions per footprint.")
    n = len(chats) // 4
    samples = []
    for i in range(n):
        final = chats[3 * n + i][2]["content"]
        verdict = final.split("Conclusion")[-1]
        samples.append(BreakGPTSample(
            id=f"train-{i + 1}",
            split="train",
            tables=footprint_to_text(parse_footprint_text(chats[i][1]["content"])),
            direction=parse_direction(answer_part(chats[i][2]["content"])) or "",
            level=to_float(parse_numbers(answer_part(chats[n + i][2]["content"]))[-1].rstrip(".")),
            side=parse_side(answer_part(chats[2 * n + i][2]["content"])) or "",
            label=parse_judgment(verdict) or "",
            label_source="annotated",
        ))
    return samples


class _Expected(BaseModel):
    direction: Literal["upward", "downward"]
    level: float
    side: Literal["buyer", "seller"]


class _TestSample(BaseModel):
    id: str
    tables: str
    expected: _Expected


def read_test_samples(file: Path) -> list[BreakGPTSample]:
    """Samples in the test file's format, `{"id", "tables", "expected": {"direction", "level", "side"}}`
    one per line; the label follows from direction and side by the footprint rule."""
    samples = []
    for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = _TestSample.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise BadInput(f"{file.name} line {n} is not a footprint sample: {' '.join(str(exc).split())[:300]}") from exc
        e = obj.expected
        samples.append(BreakGPTSample(id=obj.id, split="test", tables=obj.tables, direction=e.direction, level=e.level,
                                      side=e.side, label=breakout_label(e.direction, e.side), label_source="rule"))
    return samples


def load_breakgpt(folder: str | Path | None = None) -> list[BreakGPTSample]:
    """The 10 training and 3 test samples with their labels."""
    folder = breakgpt_dir(folder)
    return read_train_samples(folder / TRAIN_FILE) + read_test_samples(folder / TEST_FILE)
