"""What the builder needs from a domain: records in a stable order, and samples per record.

A domain object is built in the parent process, pickled to workers and asked to `prepare`
there, so heavy state (RDKit caches, packs) is loaded once per worker, never per record.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, Field

from data_templates.samples import Sample


class Malformed(BaseModel):
    """A source row that cannot become a record (bad SMILES, missing field): skipped and counted."""

    source: str
    source_id: str
    reason: str = Field(description="a short category, counted in the manifest")
    detail: str = ""


class Outcome(BaseModel):
    """What one record produced: kept samples, or why it was skipped; failed checks are counted."""

    samples: list[Sample] = Field(default_factory=list)
    skipped: str | None = None
    detail: str = ""
    invalid: list[str] = Field(default_factory=list)
    dropped: dict[str, int] = Field(default_factory=dict, description="items of a record left out, by reason")


@dataclass(frozen=True, slots=True)
class Row:
    """A kept sample as it travels back from a worker: already serialized, with what the writer needs."""

    key: str
    task: str
    split: str
    line: str


@dataclass(frozen=True, slots=True)
class Packed:
    """An Outcome with its samples serialized in the worker, so only strings cross process boundaries."""

    rows: list[Row]
    skipped: str | None
    detail: str
    invalid: list[str]
    dropped: dict[str, int]


def pack(outcome: Outcome) -> Packed:
    rows = [Row(s.meta.key, s.meta.task, s.meta.split, s.model_dump_json()) for s in outcome.samples]
    return Packed(rows, outcome.skipped, outcome.detail, outcome.invalid, outcome.dropped)


class Domain(Protocol):
    name: str

    def describe(self) -> dict[str, Any]:
        """What identifies this build's inputs (sources, tasks, settings), for resume checks."""

    def records(self) -> Iterator[Any]:
        """Records (or `Malformed` rows) in a deterministic order."""

    def prepare(self) -> None:
        """Load per-process state; called once in each worker before `process`."""

    def process(self, record: Any, seed: int) -> Outcome:
        """Samples of one record, each validated; never raises for a bad record."""
