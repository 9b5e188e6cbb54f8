"""The dataset build: records → validated samples → de-duplicated shards → exports and card.

Records are read as a stream in chunks; a chunk's shards and the manifest that lists them are
written atomically before the next chunk is committed, so an interrupted build resumes from the
last committed chunk. De-duplication keeps an 8-byte digest per kept (structure, task) key — the
only state that grows with the dataset.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from data_templates.card import write_card
from data_templates.domain import Domain, Malformed, Outcome
from data_templates.engines import Chunk, Engine, run_engine
from data_templates.exporters import Format, export_all
from data_templates.samples import Row
from data_templates.shards import Manifest, iter_samples, open_output, save_manifest, write_chunk
from data_templates.templates import all_packs

MAX_EXAMPLES = 20
# Bumped when the same seed and templates would build different samples (e.g. the random draws
# change), so a resume never mixes the two.
BUILDER_VERSION = 3


class BuildOptions(BaseModel):
    seed: int = 0
    limit: int | None = Field(None, ge=1, description="read at most this many source rows")
    workers: int = Field(1, ge=1)
    engine: Engine = "local"
    chunk_records: int = Field(1000, ge=1, description="source rows per committed chunk")
    formats: list[Format] = Field(default_factory=lambda: ["openai"])
    resume: bool = False
    overwrite: bool = False


def build_config(domain: Domain, options: BuildOptions) -> dict[str, Any]:
    """What must match for a resume: inputs, seed, limit, chunking, template versions and how the
    builder draws from the seed (`BUILDER_VERSION`)."""
    versions = {name: pack.version for name, pack in all_packs().items() if pack.domain == domain.name}
    return {
        "builder": BUILDER_VERSION,
        "domain": domain.name,
        **domain.describe(),
        "seed": options.seed,
        "limit": options.limit,
        "chunk_records": options.chunk_records,
        "template_versions": versions,
    }


def batched(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    """Lists of `size` items (the last may be shorter); itertools.batched needs Python 3.12."""
    while chunk := list(islice(items, size)):
        yield chunk


def _key_digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode(), digest_size=8).digest()


def _note(manifest: Manifest, reason: str, detail: str) -> None:
    manifest.skipped[reason] = manifest.skipped.get(reason, 0) + 1
    if len(manifest.skipped_examples) < MAX_EXAMPLES:
        manifest.skipped_examples.append(f"{reason}: {detail}"[:300])


def _keep(manifest: Manifest, outcomes: list[Outcome], seen: set[bytes]) -> list[Row]:
    kept = []
    for outcome in outcomes:
        if outcome.skipped:
            _note(manifest, outcome.skipped, outcome.detail)
        for reason, count in outcome.dropped.items():
            manifest.dropped[reason] = manifest.dropped.get(reason, 0) + count
        manifest.invalid += len(outcome.invalid)
        room = MAX_EXAMPLES - len(manifest.invalid_examples)
        manifest.invalid_examples += [text[:300] for text in outcome.invalid[: max(room, 0)]]
        for row in outcome.rows:
            digest = _key_digest(row.key)
            if digest in seen:
                manifest.duplicates += 1
                continue
            seen.add(digest)
            kept.append(row)
    return kept


def build(
    domain: Domain, out: Path, options: BuildOptions, progress: Callable[[int], None] | None = None
) -> Manifest:
    """Build (or resume) a dataset in `out`; returns the final manifest.

    Raises shards.OutputDirError when `out` holds something else, before reading any record.
    """
    started = time.perf_counter()
    manifest = open_output(out, build_config(domain, options), options.resume, options.overwrite)
    seen = {_key_digest(s.meta.key) for s in iter_samples(out, manifest)}
    malformed: dict[int, list[Malformed]] = {}
    sizes: dict[int, int] = {}

    def chunks() -> Iterator[Chunk]:
        rows = islice(domain.records(), options.limit)
        for index, chunk in enumerate(batched(rows, options.chunk_records)):
            if index < manifest.chunks_done:
                continue
            malformed[index] = [r for r in chunk if isinstance(r, Malformed)]
            sizes[index] = len(chunk)
            yield index, [r for r in chunk if not isinstance(r, Malformed)]

    for index, outcomes in run_engine(options.engine, domain, chunks(), options.seed, options.workers):
        for row in malformed.pop(index):
            _note(manifest, row.reason, f"{row.source}#{row.source_id}: {row.detail}")
        kept = _keep(manifest, outcomes, seen)
        manifest.records += sizes.pop(index)
        write_chunk(out, manifest, index, kept)
        if progress is not None:
            progress(manifest.records)
    manifest.exports = export_all(out, manifest, options.formats)
    manifest.status = "complete"
    manifest.seconds = round(manifest.seconds + time.perf_counter() - started, 3)
    save_manifest(out, manifest)
    write_card(out, manifest)
    return manifest
