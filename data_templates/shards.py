"""The output directory: JSONL shards plus a manifest, each written to a temp name then renamed.

The manifest is the single source of truth: a shard exists for the build only once the manifest
lists it, so a killed build leaves at worst an unlisted file, which resume deletes.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import orjson
from pydantic import BaseModel, Field

from data_templates.samples import Row, Sample
from data_templates.splits import SPLIT_NAMES
from stages.atomic import write_lines, write_text

MANIFEST = "manifest.json"
SHARDS = "shards"


class OutputDirError(ValueError):
    """The output directory holds something this build must not touch."""


class ShardInfo(BaseModel):
    file: str
    split: str
    samples: int


class Manifest(BaseModel):
    format: Literal["tristage-dataset"] = "tristage-dataset"
    status: Literal["building", "complete"] = "building"
    config: dict[str, Any]
    chunks_done: int = 0
    records: int = 0
    shards: list[ShardInfo] = Field(default_factory=list)
    counts: dict[str, dict[str, int]] = Field(default_factory=dict, description="task -> split -> samples")
    skipped: dict[str, int] = Field(default_factory=dict, description="reason -> records skipped")
    skipped_examples: list[str] = Field(default_factory=list)
    dropped: dict[str, int] = Field(default_factory=dict, description="reason -> items of kept records left out")
    invalid: int = Field(0, description="rendered samples that failed their checks")
    invalid_examples: list[str] = Field(default_factory=list)
    duplicates: int = 0
    exports: dict[str, list[str]] = Field(default_factory=dict)
    seconds: float = 0.0


def read_manifest(out: Path) -> Manifest | None:
    path = out / MANIFEST
    return Manifest.model_validate_json(path.read_text(encoding="utf-8")) if path.is_file() else None


def save_manifest(out: Path, manifest: Manifest) -> None:
    write_text(out / MANIFEST, manifest.model_dump_json(indent=2))


def check_output(out: Path, resume: bool, overwrite: bool) -> Manifest | None:
    """The build already in `out` (or None); OutputDirError when `out` must not be used. Reads only."""
    if resume and overwrite:
        raise OutputDirError("choose one of --resume and --overwrite")
    if out.exists() and not out.is_dir():
        raise OutputDirError(f"{out} exists and is not a directory")
    old = read_manifest(out) if out.is_dir() else None
    if old is None and out.is_dir() and any(out.iterdir()):
        raise OutputDirError(f"{out} is not empty and holds no dataset build; choose an empty or new directory")
    if old is not None and not resume and not overwrite:
        raise OutputDirError(f"{out} holds another build ({old.status}); pass --resume or --overwrite")
    return old


def open_output(out: Path, config: dict[str, Any], resume: bool, overwrite: bool) -> Manifest:
    """The manifest to continue from: fresh, resumed, or refused (OutputDirError)."""
    old = check_output(out, resume, overwrite)
    if old is not None:
        if resume:
            if old.config != config:
                changed = sorted(k for k in {*old.config, *config} if old.config.get(k) != config.get(k))
                raise OutputDirError(f"{out} holds a build with other settings ({', '.join(changed)}); use --overwrite")
            _drop_unlisted(out, old)
            return old
        shutil.rmtree(out)
    (out / SHARDS).mkdir(parents=True, exist_ok=True)
    manifest = Manifest(config=config)
    save_manifest(out, manifest)
    return manifest


def _drop_unlisted(out: Path, manifest: Manifest) -> None:
    listed = {s.file for s in manifest.shards}
    (out / SHARDS).mkdir(parents=True, exist_ok=True)
    for path in (out / SHARDS).iterdir():
        if f"{SHARDS}/{path.name}" not in listed:
            path.unlink()


def write_chunk(out: Path, manifest: Manifest, chunk: int, rows: list[Row]) -> None:
    """One shard per split for this chunk, then the manifest that lists them."""
    by_split: dict[str, list[Row]] = {}
    for row in rows:
        by_split.setdefault(row.split, []).append(row)
    for split, group in sorted(by_split.items()):
        name = f"{SHARDS}/{split}-{chunk:05d}.jsonl"
        write_lines(out / name, (row.line for row in group))
        manifest.shards.append(ShardInfo(file=name, split=split, samples=len(group)))
        for row in group:
            counts = manifest.counts.setdefault(row.task, {})
            counts[split] = counts.get(split, 0) + 1
    manifest.chunks_done = chunk + 1
    save_manifest(out, manifest)


def _shard_lines(out: Path, manifest: Manifest, split: str | None) -> Iterator[str]:
    for shard in manifest.shards:
        if split is None or shard.split == split:
            with (out / shard.file).open(encoding="utf-8") as handle:
                yield from handle


def iter_samples(out: Path, manifest: Manifest, split: str | None = None) -> Iterator[Sample]:
    """Stream the build's samples shard by shard (one split, or all)."""
    for line in _shard_lines(out, manifest, split):
        yield Sample.model_validate_json(line)


def iter_sample_json(out: Path, manifest: Manifest, split: str | None = None) -> Iterator[dict[str, Any]]:
    """The same samples as plain JSON objects (the `Sample` shape), unvalidated: for exports of the
    build that just wrote them, where validation would cost as much as the conversion."""
    for line in _shard_lines(out, manifest, split):
        yield orjson.loads(line)


def splits_of(manifest: Manifest) -> list[str]:
    """The build's splits, train / validation / test first."""
    order = {name: i for i, name in enumerate(SPLIT_NAMES)}
    return sorted({s.split for s in manifest.shards}, key=lambda split: (order.get(split, len(order)), split))
