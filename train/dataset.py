"""A dataset build (`tristage data build`) as chat conversations for training, split as the builder split it.

The manifest is the only way in: it lists the shards of each split, and its bytes plus the
listed shards' bytes give the hash the model card records, so a card names exactly the data
a model was trained on.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from data_templates.exporters import to_openai
from data_templates.shards import MANIFEST, Manifest, iter_samples, read_manifest, splits_of
from train.errors import TrainError

TRAIN, VALIDATION = "train", "validation"


class TrainingData(BaseModel):
    """The conversations of the train and validation splits, and where they came from."""

    folder: Path
    manifest: Manifest
    sha256: str = Field(description="sha256 over manifest.json and every listed shard, in manifest order")
    train: list[dict[str, Any]]
    validation: list[dict[str, Any]]

    @property
    def domain(self) -> str:
        return str(self.manifest.config.get("domain", "unknown"))


def data_hash(folder: Path, manifest: Manifest) -> str:
    digest = hashlib.sha256((folder / MANIFEST).read_bytes())
    for shard in manifest.shards:
        with (folder / shard.file).open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def load_training_data(folder: Path, limit: int | None = None) -> TrainingData:
    """The build's train and validation conversations (OpenAI `messages` rows); TrainError when unusable."""
    if not folder.is_dir():
        raise TrainError(f"dataset folder {folder} does not exist; build one with `tristage data build`")
    try:
        manifest = read_manifest(folder)
    except ValueError as exc:
        raise TrainError(f"{folder / MANIFEST} is not a dataset manifest: {exc}") from exc
    if manifest is None:
        raise TrainError(f"{folder} holds no dataset build (no {MANIFEST}); build one with `tristage data build`")
    if manifest.status != "complete":
        raise TrainError(f"the build in {folder} is unfinished; finish it with `tristage data build ... --resume`")
    missing = [s.file for s in manifest.shards if not (folder / s.file).is_file()]
    if missing:
        raise TrainError(f"{folder} lacks shard(s) its manifest lists: {', '.join(missing[:3])}")
    if TRAIN not in splits_of(manifest):
        raise TrainError(f"{folder} has no {TRAIN!r} split (splits: {', '.join(splits_of(manifest)) or 'none'})")
    train = [to_openai(s.model_dump()) for s in iter_samples(folder, manifest, TRAIN)]
    validation = [to_openai(s.model_dump()) for s in iter_samples(folder, manifest, VALIDATION)]
    return TrainingData(folder=folder.resolve(), manifest=manifest, sha256=data_hash(folder, manifest),
                        train=train[:limit] if limit else train,
                        validation=validation[:limit] if limit else validation)


def seeded_sample(conversations: list[dict[str, Any]], n: int | None, seed: int) -> list[dict[str, Any]]:
    """`n` conversations drawn with `seed`, kept in split order; all of them when `n` is None or not smaller."""
    if n is None or n >= len(conversations):
        return conversations
    keep = set(random.Random(seed).sample(range(len(conversations)), n))
    return [c for i, c in enumerate(conversations) if i in keep]
