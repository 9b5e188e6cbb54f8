"""Reaction tasks for the chem builder: forward, retro, reaction class and reagents, from the shipped
reaction source (the template library's training reactions) or a user's atom-mapped reactions.

A reaction gives samples only where the checks the chat applies to a reaction claim pass on the
recorded outcome (`reaction_checks`: it parses, the reaction's own template gives it, no atom from
nowhere), so no sample states a reaction the tools could not support. The product of every held-out
evaluation reaction is banned: a reaction that gives one, or names one of four or more heavy atoms as
a reactant or reagent, is skipped (as is such a compound).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from assistants.chem.reactions.answer import CLASS_NAMES, ReactionAnswer
from assistants.chem.reactions.chat import reaction_checks
from assistants.chem.reactions.chemistry import canonical, canonical_set
from assistants.chem.reactions.retro import gives_target
from assistants.chem.reactions.sources import MappedReaction, read_source
from assistants.chem.reactions.templates import apply, extract_retro, forward_of
from stages.atomic import write_text

FORWARD, RETRO, CLASS, REAGENTS = "chem.reaction_forward", "chem.reaction_retro", "chem.reaction_class", "chem.reaction_reagents"
REACTION_TASKS = (FORWARD, RETRO, CLASS, REAGENTS)
SHIPPED = "shipped USPTO reactions"
MIN_DISTINCTIVE_ATOMS = 4


@dataclass(frozen=True, slots=True)
class ReactionRecord:
    """One atom-mapped reaction and the file (or the shipped source) it came from."""

    source: str
    reaction: MappedReaction


def reaction_records(files: list[Path]) -> Iterator[ReactionRecord]:
    """The reactions of the given files, else the shipped training reactions (held-out ones never among them)."""
    if not files:
        from assistants.chem.reactions.shipped import training_reactions

        yield from (ReactionRecord(SHIPPED, r) for r in training_reactions())
    for path in files:
        yield from (ReactionRecord(path.name, r) for r in read_source(path))


def probe(path: Path) -> None:
    """Read up to the first usable reaction, so a source without atom maps fails (SourceError) before a build starts."""
    next(iter(read_source(path)), None)


@cache
def banned_products() -> frozenset[str]:
    """Canonical products of the held-out evaluation reactions. Reading them takes RDKit most of a
    minute, so the list is kept in the cache dir (written, then renamed), keyed by the held-out files'
    digest, and read once per process."""
    from assistants.chem.reactions.library import source_digest
    from assistants.chem.reactions.shipped import DATA_DIR, FORWARD_HELDOUT, RETRO_FILE, heldout_products
    from stages.config import get_settings

    digest = source_digest([DATA_DIR / FORWARD_HELDOUT, DATA_DIR / RETRO_FILE])
    path = get_settings().cache_dir / "chem" / f"heldout-products-{digest}.json"
    if path.is_file():
        return frozenset(json.loads(path.read_text(encoding="utf-8")))
    products = sorted(heldout_products())
    write_text(path, json.dumps(products))
    return frozenset(products)


@cache
def distinctive_products() -> frozenset[str]:
    """Held-out products with at least MIN_DISTINCTIVE_ATOMS heavy atoms: banned in any role. Smaller
    ones (HCl is the product of a held-out row whose salt is its largest fragment) are reagents of
    thousands of reactions and say nothing about an evaluation reaction."""
    from rdkit import Chem, rdBase

    with rdBase.BlockLogs():
        mols = {p: Chem.MolFromSmiles(p) for p in banned_products()}
    return frozenset(p for p, m in mols.items() if m is not None and m.GetNumHeavyAtoms() >= MIN_DISTINCTIVE_ATOMS)


def is_banned(reaction: MappedReaction) -> bool:
    """Whether the reaction gives a held-out product, or names a distinctive one as a reactant or reagent."""
    if canonical(reaction.product) in banned_products():
        return True
    distinctive = distinctive_products()
    return any(m in distinctive for m in [*(canonical(p) for p in reaction.reactants.split(".")), *reaction.reagents])


def _failures(answer: ReactionAnswer, claim: str) -> str | None:
    """The chat checks the recorded claim fails (names, comma-separated), or None when all pass."""
    failed = [c.name for c in reaction_checks("", [claim], "", answer) if not c.passed]
    return ", ".join(failed) if failed else None


@dataclass(frozen=True, slots=True)
class ReactionFacts:
    """What one reaction supports: the template fields per task, and the checks that kept a task out."""

    key: str
    product: str
    facts: dict[str, dict[str, Any]]
    failed: tuple[str, ...]


def reaction_facts(reaction: MappedReaction) -> ReactionFacts | str:
    """The template fields of every task the checked reaction supports, or why it supports none."""
    reactants, product = canonical_set(reaction.reactants), canonical(reaction.product)
    if not reactants or not product:
        return "unparsable reaction"
    template = extract_retro(reaction)
    if template is None:
        return "no template extracted"
    reagents = ".".join(sorted(r for r in (canonical(s) for s in reaction.reagents) if r))
    query = reactants.split(".")
    forward = ReactionAnswer(direction="forward", query=query, reagents=reagents.split(".") if reagents else [], top=product,
                             candidates=sorted({canonical(o) for o in apply(forward_of(template), reactants)} - {""}),
                             precedent_id=reaction.id)
    retro_sets = {canonical_set(o) for o in apply(template, product)} - {""}
    retro = ReactionAnswer(direction="retro", query=[product], top=reactants, precedent_id=reaction.id,
                           candidates=sorted(s for s in retro_sets if gives_target(template, s, product)))
    facts: dict[str, dict[str, Any]] = {}
    failed = []
    forward_failure = _failures(forward, product)
    if forward_failure is None:
        facts[FORWARD] = {"reactants": reactants, "reagents": reagents, "product": product}
        equation = f"{reactants}>>{product}"
        if reaction.reaction_class in CLASS_NAMES:
            facts[CLASS] = {"reaction": equation, "class_number": reaction.reaction_class,
                            "class_name": CLASS_NAMES[reaction.reaction_class]}
        if reagents:
            facts[REAGENTS] = {"reaction": equation, "reagents": reagents}
    else:
        failed.append(f"forward: {forward_failure}")
    retro_failure = _failures(retro, reactants)
    if retro_failure is None:
        facts[RETRO] = {"product": product, "reactants": reactants}
    else:
        failed.append(f"retro: {retro_failure}")
    return ReactionFacts(key=f"{reactants}>{reagents}>{product}", product=product, facts=facts, failed=tuple(failed))

