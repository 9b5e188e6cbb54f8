"""What the builder needs from a domain: records in a stable order, and samples per record.

A domain object is built in the parent process, pickled to workers and asked to `prepare`
there, so heavy state (RDKit caches, packs) is loaded once per worker, never per record.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, Field

from data_templates.samples import Row


class Malformed(BaseModel):
    """A source row that cannot become a record (bad SMILES, missing field): skipped and counted."""

    source: str
    source_id: str
    reason: str = Field(description="a short category, counted in the manifest")
    detail: str = ""


@dataclass(slots=True)
class Outcome:
    """What one record produced: serialized samples, or why it was skipped; failed checks are counted."""

    rows: list[Row] = field(default_factory=list)
    skipped: str | None = None
    detail: str = ""
    invalid: list[str] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)  # items of a record left out, by reason


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
