"""What supports one candidate (a product, or a reactant set) and how candidates are ranked.

A candidate's evidence is the precedents whose template produced it: how similar each is to the query
on the side given and on the side predicted (RetroSim's product x reactant similarity, read in either
direction), how often the template occurs, and how many templates agree; and the nearest precedents
of all, with or without a template (unmapped ones included): how like their outcome the candidate is,
and how many of its molecules they used. The scorer is a logistic
model over those features, fitted on the shipped training reactions (`python -m
assistants.chem.reactions.fit`); its weights ship in scorer.json with the held-out accuracy they reached.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    from assistants.chem.reactions.library import ReactionLibrary

Direction = Literal["forward", "retro"]
SCORER_FILE = Path(__file__).with_name("scorer.json")
FEATURES = ("best_combined", "best_query_similarity", "best_outcome_similarity", "log_support", "log_templates", "log_count",
            "inverse_rank", "reagent_overlap", "precedent_combined", "shared_molecules")


@dataclass
class Evidence:
    smiles: str
    best_template: int = -1
    best_row: int = -1
    best_similarity: float = 0.0
    best_combined: float = -1.0
    best_outcome_similarity: float = 0.0
    best_count: int = 0
    first_rank: int = 10**6
    support: int = 0
    reagent_overlap: float = 0.0
    precedent_combined: float = 0.0
    shared_molecules: float = 0.0
    templates: set[int] = field(default_factory=set)

    def add(self, template: int, row: int, similarity: float, outcome_similarity: float, count: int, rank_index: int,
            reagent_overlap: float = 0.0) -> None:
        """One precedent (library row) whose template gives this candidate."""
        combined = similarity * outcome_similarity
        self.support += 1
        self.reagent_overlap = max(self.reagent_overlap, reagent_overlap)
        self.templates.add(template)
        self.first_rank = min(self.first_rank, rank_index)
        self.best_count = max(self.best_count, count)
        if combined > self.best_combined:
            self.best_combined, self.best_template, self.best_row = combined, template, row
            self.best_similarity, self.best_outcome_similarity = similarity, outcome_similarity

    def features(self) -> list[float]:
        return [
            self.best_combined,
            self.best_similarity,
            self.best_outcome_similarity,
            math.log1p(self.support),
            math.log1p(len(self.templates)),
            math.log1p(self.best_count),
            1.0 / (1.0 + self.first_rank),
            self.reagent_overlap,
            self.precedent_combined,
            self.shared_molecules,
        ]

    def compare(self, fingerprint: np.ndarray, near: Nearest) -> None:
        """RetroSim's similarity product against the nearest precedents of all, and the share of this
        candidate's molecules that one of them used, weighted by that precedent's similarity."""
        from assistants.chem.reactions.chemistry import tanimoto

        if not len(near.similarities):
            return
        self.precedent_combined = float((near.similarities * tanimoto(fingerprint, near.outcome_fps)).max())
        molecules = set(self.smiles.split("."))
        self.shared_molecules = max(s * len(molecules & o) / len(molecules) for s, o in zip(near.similarities, near.outcomes, strict=True))


@dataclass
class Nearest:
    """The precedents most like the query on the side given, from the library and its unmapped part."""

    similarities: np.ndarray
    outcomes: list[set[str]]
    outcome_fps: np.ndarray


NEAREST = 50


def nearest(blocks: list[tuple[np.ndarray, list[str], np.ndarray]], k: int = NEAREST) -> Nearest:
    """The top-k precedents over blocks of (similarities, outcome SMILES, outcome fingerprints)."""
    picked: list[tuple[float, str, np.ndarray]] = []
    for similarities, outcomes, fps in blocks:
        top = np.argpartition(-similarities, k)[:k] if len(similarities) > k else np.arange(len(similarities))
        picked += [(float(similarities[i]), outcomes[i], fps[i]) for i in top if similarities[i] >= 0]
    picked = sorted(picked, key=lambda p: -p[0])[:k]
    if not picked:
        return Nearest(np.zeros(0), [], np.zeros((0, 0), dtype=np.uint8))
    return Nearest(np.array([p[0] for p in picked]), [set(p[1].split(".")) for p in picked], np.stack([p[2] for p in picked]))


def similar_precedents(library: ReactionLibrary, query: str, direction: Direction, leave_out: str | None = None) -> tuple[np.ndarray, Nearest]:
    """The query's similarity to every library precedent on the side given (reactants forward, the
    product in retro), and its nearest precedents of all with their outcomes.

    `leave_out`: a product whose precedents are ignored (a training reaction scored against the rest).
    """
    from assistants.chem.reactions.chemistry import packed_fingerprint, tanimoto

    given, predicted = ("reactant", "product") if direction == "forward" else ("product", "reactant")
    fingerprint = packed_fingerprint(query)
    blocks = []
    for part in (library, library.unmapped):
        similarities = tanimoto(fingerprint, getattr(part, f"{given}_fps"))
        if leave_out:
            similarities[[i for i, product in enumerate(part.products) if product == leave_out]] = -1.0
        blocks.append((similarities, getattr(part, f"{predicted}s"), getattr(part, f"{predicted}_fps")))
    return blocks[0][0], nearest(blocks)


@lru_cache(maxsize=1)
def _weights() -> dict[str, dict[str, object]]:
    if not SCORER_FILE.is_file():
        return {}
    return json.loads(SCORER_FILE.read_text())


def logits(items: list[Evidence], direction: Direction) -> np.ndarray:
    """The scorer's logit per candidate; without fitted weights, RetroSim's similarity product alone."""
    if not items:
        return np.zeros(0)
    matrix = np.array([item.features() for item in items], dtype=float)
    fitted = _weights().get(direction)
    if not fitted or fitted.get("features") != list(FEATURES):
        return matrix[:, 0] * 10.0
    coef = np.array(fitted["coef"], dtype=float)
    mean, scale = np.array(fitted["mean"], dtype=float), np.array(fitted["scale"], dtype=float)
    return ((matrix - mean) / scale) @ coef + float(fitted["intercept"])  # type: ignore[arg-type]


def rank(found: dict[str, Evidence], direction: Direction) -> list[tuple[Evidence, float]]:
    """Candidates best first, each with its share of the probability among the candidates found."""
    items = list(found.values())
    if not items:
        return []
    z = logits(items, direction)
    shares = np.exp(z - z.max())
    shares /= shares.sum()
    order = sorted(range(len(items)), key=lambda i: (-z[i], items[i].smiles))
    return [(items[i], float(shares[i])) for i in order]


# Precedents whose templates are tried, the most similar on the side given. Retrosynthesis looks
# further: on held-out USPTO-50K rows 300 neighbours hold the recorded reactants in 69% of cases, 100 in 57%.
NEIGHBOURS: dict[Direction, int] = {"forward": 100, "retro": 300}


def gather(
    library: ReactionLibrary,
    similarities: np.ndarray,
    outcomes: Callable[[int], list[str]],
    outcome_fps: np.ndarray,
    direction: Direction,
    near: Nearest,
    reagents: frozenset[str] = frozenset(),
) -> dict[str, Evidence]:
    """Apply each template of the most similar precedents once; credit every neighbour that shares it.

    `similarities`: the query against every precedent on the side given; `outcomes(template)`: the
    canonical candidates a template gives; `outcome_fps`: the precedents' fingerprints on the predicted
    side, so a candidate is also compared with what each precedent actually gave; `near`: the nearest
    precedents of all; `reagents`: the query's reagents, compared (Jaccard) with each precedent's.
    """
    from assistants.chem.reactions.chemistry import packed_fingerprint, tanimoto

    order = np.argsort(-similarities, kind="stable")[: NEIGHBOURS[direction]]
    groups: dict[int, list[tuple[int, int]]] = {}
    for rank_index, row in enumerate(order):
        groups.setdefault(int(library.template_of[row]), []).append((rank_index, int(row)))
    found: dict[str, Evidence] = {}
    for template, members in groups.items():
        count = int(library.template_counts[template])
        rows = [row for _, row in members]
        overlaps = [_jaccard(reagents, library.reagents[row]) for row in rows]
        for candidate in outcomes(template):
            fingerprint = packed_fingerprint(candidate)
            against = tanimoto(fingerprint, outcome_fps[rows])
            if candidate not in found:
                found[candidate] = Evidence(smiles=candidate)
                found[candidate].compare(fingerprint, near)
            evidence = found[candidate]
            for (rank_index, row), outcome_similarity, overlap in zip(members, against, overlaps, strict=True):
                evidence.add(template, row, float(similarities[row]), float(outcome_similarity), count, rank_index, overlap)
    return found


def _jaccard(query: frozenset[str], precedent: tuple[str, ...]) -> float:
    if not query or not precedent:
        return 0.0
    other = set(precedent)
    return len(query & other) / len(query | other)
