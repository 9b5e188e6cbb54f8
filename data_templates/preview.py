"""A few real samples of one template pack, rendered from the pack's default or given sources."""

from __future__ import annotations

from pathlib import Path

from data_templates.domain import Malformed
from data_templates.samples import Sample
from data_templates.templates import get_pack

MAX_RECORDS = 5_000


def preview_samples(template: str, count: int, seed: int = 0, files: list[Path] | None = None) -> list[Sample]:
    """Up to `count` samples of `template`, from the first records that support it."""
    pack = get_pack(template)
    if pack.domain == "chem":
        from data_templates.chem import ChemDomain

        domain = ChemDomain(files=files or [], tasks=[pack.name])
    else:
        from data_templates.market import MarketDomain

        domain = MarketDomain(files=files or [], tasks=[pack.name], bundled=not files)
    domain.prepare()
    shown: list[Sample] = []
    for number, record in enumerate(domain.records()):
        if len(shown) >= count or number >= MAX_RECORDS:
            break
        if not isinstance(record, Malformed):
            shown += domain.process(record, seed).samples[: count - len(shown)]
    return shown
