"""Real samples and template fields of one pack, from the pack's default source or given files."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from data_templates.domain import Malformed
from data_templates.samples import Sample
from data_templates.templates import Pack, get_pack

if TYPE_CHECKING:
    from data_templates.chem import ChemDomain
    from data_templates.market import MarketDomain

MAX_RECORDS = 5_000


def pack_domain(pack: Pack, files: list[Path] | None = None) -> ChemDomain | MarketDomain:
    """The domain that renders `pack`, over the given files or the pack's default source."""
    if pack.domain == "chem":
        from data_templates.chem import ChemDomain
        from data_templates.chem_reactions import REACTION_TASKS

        if pack.name in REACTION_TASKS:  # the files are reaction sources
            return ChemDomain(reactions=files or [], tasks=[pack.name])
        return ChemDomain(files=files or [], tasks=[pack.name])
    from data_templates.market import MarketDomain

    return MarketDomain(files=files or [], tasks=[pack.name], bundled=not files)


def _records(domain: ChemDomain | MarketDomain) -> Iterator[Any]:
    domain.prepare()
    for record in islice(domain.records(), MAX_RECORDS):
        if not isinstance(record, Malformed):
            yield record


def preview_samples(template: str, count: int, seed: int = 0, files: list[Path] | None = None) -> list[Sample]:
    """Up to `count` samples of `template`, from the first records that support it."""
    domain = pack_domain(get_pack(template), files)
    shown: list[Sample] = []
    for record in _records(domain):
        if len(shown) >= count:
            break
        rows = domain.process(record, seed).rows[: count - len(shown)]
        shown += [Sample.model_validate_json(row.line) for row in rows]
    return shown


def pack_examples(pack: Pack, count: int, seed: int = 0, files: list[Path] | None = None) -> list[dict[str, Any]]:
    """Template fields of `pack` from up to `count` real records (malformed ones are passed over)."""
    domain = pack_domain(pack, files)
    found: list[dict[str, Any]] = []
    for record in _records(domain):
        if len(found) >= count:
            break
        try:
            facts = domain.facts(record, seed)
        except ValueError:  # a record the tools reject (bad SMILES, no breakout) gives no example
            continue
        found += [f[pack.name] for f in facts if pack.name in f][: count - len(found)]
    return found
