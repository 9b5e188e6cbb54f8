"""Training data comes only through a finished build's manifest, split as the builder split it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from data_templates.shards import read_manifest, save_manifest
from train.dataset import load_training_data, seeded_sample
from train.errors import TrainError


def test_train_split_as_chat_conversations(chem_build: Path) -> None:
    data = load_training_data(chem_build)
    manifest = read_manifest(chem_build)
    assert manifest is not None
    assert len(data.train) == sum(c.get("train", 0) for c in manifest.counts.values())
    assert len(data.validation) == sum(c.get("validation", 0) for c in manifest.counts.values())
    first = data.train[0]["messages"]
    assert first[-1]["role"] == "assistant" and first[0]["role"] in ("system", "user")
    assert data.domain == "chem"
    assert len(data.sha256) == 64


def test_limit_caps_each_split(chem_build: Path) -> None:
    assert len(load_training_data(chem_build, limit=3).train) == 3


def test_hash_changes_with_a_shard(chem_build: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(chem_build, copy)
    before = load_training_data(copy).sha256
    assert before == load_training_data(chem_build).sha256
    manifest = read_manifest(copy)
    assert manifest is not None
    shard = copy / manifest.shards[0].file
    lines = shard.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[0])
    row["messages"][-1]["content"] += " (edited)"
    shard.write_text("\n".join([json.dumps(row), *lines[1:]]) + "\n", encoding="utf-8")
    assert load_training_data(copy).sha256 != before


def test_folder_without_manifest_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "train.jsonl").write_text('{"messages": []}\n', encoding="utf-8")
    with pytest.raises(TrainError, match="no manifest.json"):
        load_training_data(tmp_path)
    with pytest.raises(TrainError, match="does not exist"):
        load_training_data(tmp_path / "missing")


def test_unfinished_build_and_missing_shard_are_refused(chem_build: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(chem_build, copy)
    manifest = read_manifest(copy)
    assert manifest is not None
    (copy / manifest.shards[0].file).unlink()
    with pytest.raises(TrainError, match="lacks shard"):
        load_training_data(copy)
    manifest.status = "building"
    save_manifest(copy, manifest)
    with pytest.raises(TrainError, match="unfinished"):
        load_training_data(copy)


def test_a_build_without_a_train_split_is_refused(chem_build: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(chem_build, copy)
    manifest = read_manifest(copy)
    assert manifest is not None
    manifest.shards = [s for s in manifest.shards if s.split != "train"]
    save_manifest(copy, manifest)
    with pytest.raises(TrainError, match="no 'train' split"):
        load_training_data(copy)


def test_seeded_sample_is_repeatable_and_keeps_split_order() -> None:
    rows = [{"messages": [{"role": "user", "content": str(i)}]} for i in range(100)]
    drawn = seeded_sample(rows, 10, seed=3)
    assert drawn == seeded_sample(rows, 10, seed=3) != seeded_sample(rows, 10, seed=4)
    assert len(drawn) == 10 and drawn == sorted(drawn, key=rows.index)
    assert seeded_sample(rows, None, seed=3) == rows and seeded_sample(rows, 500, seed=3) == rows
