"""Exports of a finished build, one file per split and format, streamed from the shards.

Converters take a sample as its JSON object (the `Sample` shape).

- openai: `{"messages": [...]}` per line (the fine-tuning chat format; metadata left out).
- sharegpt: `{"conversations": [{"from": "system|human|gpt", "value": ...}]}`.
- alpaca: `{"instruction", "input", "output", "history": [[user, assistant], ...]}` (+ `system`),
  the layout of ChemData700K; the last exchange is the instruction, earlier ones the history.
- parquet: written through `datasets` (messages plus flattened metadata).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import orjson

from data_templates.shards import Manifest, iter_sample_json, splits_of
from stages.atomic import atomic_path, write_lines

Format = Literal["openai", "sharegpt", "alpaca", "parquet"]
FORMATS: tuple[str, ...] = ("openai", "sharegpt", "alpaca", "parquet")
_SHAREGPT_ROLE = {"system": "system", "user": "human", "assistant": "gpt"}


def to_openai(sample: dict[str, Any]) -> dict[str, Any]:
    return {"messages": sample["messages"]}


def to_sharegpt(sample: dict[str, Any]) -> dict[str, Any]:
    return {"conversations": [{"from": _SHAREGPT_ROLE[m["role"]], "value": m["content"]} for m in sample["messages"]]}


def to_alpaca(sample: dict[str, Any]) -> dict[str, Any]:
    messages = sample["messages"]
    system = [m["content"] for m in messages if m["role"] == "system"]
    turns = [m["content"] for m in messages if m["role"] != "system"]
    pairs = [turns[i : i + 2] for i in range(0, len(turns), 2)]
    *history, (instruction, output) = pairs
    row: dict[str, Any] = {"instruction": instruction, "input": "", "output": output, "history": history}
    if system:
        row["system"] = system[0]
    return row


def to_row(sample: dict[str, Any]) -> dict[str, Any]:
    """A flat record for parquet: messages plus the metadata columns."""
    return {"id": sample["id"], "messages": sample["messages"], **sample["meta"]}


_JSONL: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {"openai": to_openai, "sharegpt": to_sharegpt, "alpaca": to_alpaca}


def _export_parquet(out: Path, manifest: Manifest, split: str, target: Path) -> None:
    from datasets import Dataset

    def rows() -> Iterator[dict[str, Any]]:
        for sample in iter_sample_json(out, manifest, split):
            yield to_row(sample)

    cache = Path(tempfile.mkdtemp(prefix=".parquet-", dir=out))
    try:
        dataset = Dataset.from_generator(rows, cache_dir=str(cache), keep_in_memory=False)
        with atomic_path(target) as temp:
            dataset.to_parquet(str(temp))
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def export_all(out: Path, manifest: Manifest, formats: list[Format]) -> dict[str, list[str]]:
    """Write every split in every format; returns format -> relative file names."""
    written: dict[str, list[str]] = {}
    for fmt in dict.fromkeys(formats):
        folder = out / fmt
        folder.mkdir(exist_ok=True)
        for split in splits_of(manifest):
            if fmt == "parquet":
                target = folder / f"{split}.parquet"
                _export_parquet(out, manifest, split, target)
            else:
                target = folder / f"{split}.jsonl"
                convert = _JSONL[fmt]
                lines = (orjson.dumps(convert(s)).decode() for s in iter_sample_json(out, manifest, split))
                write_lines(target, lines)
            written.setdefault(fmt, []).append(f"{fmt}/{target.name}")
    return written
