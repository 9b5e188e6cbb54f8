"""The reactions shipped inside the package, and the split that keeps a part of them held out.

USPTO-15K valid and a fifth of USPTO-50K valid (chosen by a hash of the row, so the split is stable
across runs and machines) are never a template source, a precedent nor a scorer's training row: they
are what the project's own suites and benchmarks measure on. The USPTO-50K train pairs ship unmapped
(product, reactants): they are precedents that rank candidates, not a template source; those that
were atom-mapped ship mapped as well and give templates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistants.chem.reactions.sources import MappedReaction, ReadReport, read_source

DATA_DIR = Path(__file__).parent / "data"
TRAIN_FILES = ("uspto15k_train.txt.gz", "uspto50k_valid.csv.gz", "uspto50k_train_mapped.csv.gz")
UNMAPPED_FILE = "uspto50k_train_pairs.csv.gz"
FORWARD_HELDOUT = "uspto15k_valid.txt.gz"
RETRO_FILE = "uspto50k_valid.csv.gz"
EXTRACTED_FILES = ("extracted_templates.csv.gz", "extracted_templates.json")  # written by extracted.py
HELDOUT_FIFTHS = 1
MEASURED_FIRST = 200  # benchmarks and eval suites measure the first 200 held-out reactions a direction; fitting looks only after them


def _heldout_row(reaction: MappedReaction) -> bool:
    digest = hashlib.sha256(f"{reaction.id}|{reaction.product}".encode()).digest()
    return digest[0] % 5 < HELDOUT_FIFTHS


def shipped_files() -> list[Path]:
    return [DATA_DIR / name for name in (*TRAIN_FILES, FORWARD_HELDOUT, UNMAPPED_FILE, *EXTRACTED_FILES)]


def forward_heldout() -> list[MappedReaction]:
    """Held-out forward reactions (USPTO-15K valid)."""
    return list(read_source(DATA_DIR / FORWARD_HELDOUT))


def retro_heldout() -> list[MappedReaction]:
    """Held-out retrosynthesis reactions (the held-out fifth of USPTO-50K valid, with classes)."""
    return [r for r in read_source(DATA_DIR / RETRO_FILE) if _heldout_row(r)]


@lru_cache(maxsize=1)
def heldout_products() -> frozenset[str]:
    """Canonical products of every held-out reaction: no training row may have one of them."""
    from assistants.chem.reactions.chemistry import canonical

    return frozenset(canonical(r.product) for r in (*forward_heldout(), *retro_heldout()))


def training_reactions(report: ReadReport | None = None) -> Iterator[MappedReaction]:
    """The template source: USPTO-15K train and the rest of USPTO-50K valid, minus any reaction whose
    product is a held-out product."""
    from assistants.chem.reactions.chemistry import canonical

    banned = heldout_products()
    for name in TRAIN_FILES:
        for reaction in read_source(DATA_DIR / name, report):
            if name == RETRO_FILE and _heldout_row(reaction):
                continue
            if canonical(reaction.product) in banned:
                if report is not None:
                    report.drop("product of a held-out reaction")
                continue
            yield reaction


@dataclass(frozen=True)
class UnmappedPair:
    """A precedent without atom maps: canonical reactants and product."""

    id: str
    reactants: str
    product: str
    reaction_class: int | None = None


def unmapped_precedents(skip_ids: set[str] | None = None) -> Iterator[UnmappedPair]:
    """The USPTO-50K train pairs (canonical SMILES) that are not a template source already (`skip_ids`),
    minus any whose product is a held-out product."""
    import csv
    import gzip

    banned, skip = heldout_products(), skip_ids or set()
    with gzip.open(DATA_DIR / UNMAPPED_FILE, "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["id"] in skip or row["product"] in banned:
                continue
            yield UnmappedPair(row["id"], row["reactants"], row["product"], int(row["class"]) if row["class"].isdigit() else None)
