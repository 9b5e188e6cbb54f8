"""Top-k accuracy of the template tools on reactions with known outcomes (the held-out shipped ones),
shared by the scorer fit, the eval suites and the benchmark."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from pydantic import BaseModel, Field

from assistants.chem.reactions.chemistry import canonical, canonical_set
from assistants.chem.reactions.forward import predict_products
from assistants.chem.reactions.library import ReactionLibrary
from assistants.chem.reactions.retro import predict_reactants
from assistants.chem.reactions.sources import MappedReaction


class TopK(BaseModel):
    direction: str
    reactions: int
    hits: dict[int, float] = Field(description="k -> fraction of reactions whose recorded outcome is in the top k")
    answered: float = Field(description="fraction with at least one candidate")
    seconds: list[float] = Field(default_factory=list, description="time per prediction")


def forward_query(reaction: MappedReaction) -> list[str]:
    """What a user would type: every molecule on the reactant side, reagents included."""
    return [*reaction.reactants.split("."), *reaction.reagents]


def _score(direction: str, reactions: Sequence[MappedReaction], predict: Callable[[MappedReaction], list[str]],
           truth: Callable[[MappedReaction], str], ks: Sequence[int], progress: Callable[[int], None] | None) -> TopK:
    hits = dict.fromkeys(ks, 0)
    answered = 0
    seconds: list[float] = []
    for done, reaction in enumerate(reactions, start=1):
        start = time.perf_counter()
        candidates = predict(reaction)
        seconds.append(time.perf_counter() - start)
        answered += bool(candidates)
        expected = truth(reaction)
        position = candidates.index(expected) if expected in candidates else None
        for k in ks:
            hits[k] += position is not None and position < k
        if progress is not None:
            progress(done)
    n = max(len(reactions), 1)
    return TopK(direction=direction, reactions=len(reactions), hits={k: hits[k] / n for k in ks}, answered=answered / n, seconds=seconds)


def forward_accuracy(library: ReactionLibrary, reactions: Sequence[MappedReaction], ks: Sequence[int] = (1, 3, 5),
                     progress: Callable[[int], None] | None = None) -> TopK:
    def predict(reaction: MappedReaction) -> list[str]:
        return [c.smiles for c in predict_products(library, forward_query(reaction), max(ks)).candidates]

    return _score("forward", reactions, predict, lambda r: canonical(r.product), ks, progress)


def retro_accuracy(library: ReactionLibrary, reactions: Sequence[MappedReaction], ks: Sequence[int] = (1, 5, 10),
                   progress: Callable[[int], None] | None = None) -> TopK:
    def predict(reaction: MappedReaction) -> list[str]:
        return [c.smiles for c in predict_reactants(library, reaction.product, max(ks)).candidates]

    return _score("retro", reactions, predict, lambda r: canonical_set(r.reactants), ks, progress)
