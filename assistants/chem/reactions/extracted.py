"""Retro templates of the shipped training reactions, extracted once and shipped beside them.

rdchiral takes 15-40 ms a reaction on this kind of CPU, so extracting all ~55k shipped precedents
on first use would take many minutes; the library build reads them from `extracted_templates.csv.gz`
instead, keyed by a digest of the mapped reaction, and extracts only reactions the file does not
hold (a user's source). The file records the rdchiral and RDKit versions it was made with; under
any other rdchiral version or RDKit release (year.month) it is ignored and every template is
extracted again, so the library never mixes templates of two extractors.

    python -m assistants.chem.reactions.extracted    # rewrite it after the shipped data changes
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import sys
from functools import lru_cache
from importlib.metadata import version

from assistants.chem.reactions.map_pairs import write_csv_gz
from assistants.chem.reactions.shipped import DATA_DIR
from assistants.chem.reactions.sources import MappedReaction
from assistants.chem.reactions.templates import extract_retro
from stages.atomic import write_text
from stages.cores import usable_cores

TABLE = DATA_DIR / "extracted_templates.csv.gz"
VERSIONS = DATA_DIR / "extracted_templates.json"


def reaction_key(reaction: MappedReaction) -> str:
    """The mapped reaction itself, digested: ids repeat (a patent holds several reactions)."""
    return hashlib.sha1(f"{reaction.reactants}>>{reaction.product}".encode()).hexdigest()[:16]


def extractor_versions() -> dict[str, str]:
    """What a template depends on: the rdchiral release and the RDKit release (year.month)."""
    return {"rdchiral": version("rdchiral"), "rdkit": ".".join(version("rdkit").split(".")[:2])}


@lru_cache(maxsize=1)
def stored_templates() -> dict[str, str]:
    """Reaction key -> retro template ("" where rdchiral found none); empty under other versions."""
    try:
        made_with = json.loads(VERSIONS.read_text())
    except (OSError, ValueError):
        return {}
    if {k: made_with.get(k) for k in ("rdchiral", "rdkit")} != extractor_versions():
        return {}
    with gzip.open(TABLE, "rt", encoding="utf-8", newline="") as handle:
        return {row["key"]: row["template"] for row in csv.DictReader(handle)}


def retro_template(reaction: MappedReaction) -> str | None:
    """The stored template when the table holds this reaction, else rdchiral's extraction."""
    stored = stored_templates().get(reaction_key(reaction))
    if stored is None:
        return extract_retro(reaction)
    return stored or None


def _extract(reaction: MappedReaction) -> tuple[str, str]:
    return reaction_key(reaction), extract_retro(reaction) or ""


def write_table() -> int:
    """Extract every shipped training reaction's template (all cores) and write the table and its
    versions, each to a temporary file renamed into place."""
    import multiprocessing

    from assistants.chem.reactions.shipped import training_reactions

    reactions = list(training_reactions())
    with multiprocessing.get_context("fork").Pool(usable_cores()) as pool:
        rows = dict(pool.imap(_extract, reactions, chunksize=64))
    write_csv_gz(TABLE, ("key", "template"), sorted(rows.items()))
    write_text(VERSIONS, json.dumps({**extractor_versions(), "reactions": len(rows)}, indent=1) + "\n")
    return len(rows)


if __name__ == "__main__":
    print(f"{write_table():,} templates in {TABLE.name}", file=sys.stderr)
