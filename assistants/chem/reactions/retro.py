"""One-step retrosynthesis, RetroSim-style: the templates of precedents whose products resemble the
target, applied to the target; reactant sets ranked by the scorer (product similarity x reactant
similarity to the precedent, template support), each re-checked by running its template forward."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistants.chem.reactions.chemistry import canonical, canonical_set
from assistants.chem.reactions.evidence import Evidence, gather, rank, similar_precedents
from assistants.chem.reactions.library import ReactionLibrary
from assistants.chem.reactions.templates import apply, forward_of

RECHECK_FACTOR = 3  # candidates re-checked forward per one returned, before giving up on filling top-k


class ReactantSet(BaseModel):
    reactants: list[str]
    score: float = Field(description="the scorer's share of the probability among the sets found")
    template: str = Field(description="the retro template that gives it")
    template_count: int
    precedent_id: str
    precedent_row: int = Field(description="the precedent's row in the library (ids repeat: a patent holds several reactions)")
    precedent: str = Field(description="the precedent reaction with this template whose product is most like the target")
    precedent_similarity: float

    @property
    def smiles(self) -> str:
        return ".".join(self.reactants)


class RetroPrediction(BaseModel):
    target: str
    candidates: list[ReactantSet] = Field(default_factory=list)


def retro_evidence(library: ReactionLibrary, target: str, leave_out: str | None = None) -> dict[str, Evidence]:
    """Every reactant set the neighbours' retro templates give for the target, with its evidence
    (`leave_out`: a product whose precedents are ignored)."""
    similarities, near = similar_precedents(library, target, "retro", leave_out)

    def outcomes(template: int) -> list[str]:
        return sorted({canonical_set(o) for o in apply(library.templates[template], target)} - {""})

    return gather(library, similarities, outcomes, library.reactant_fps, "retro", near)


def gives_target(template: str, reactants: str, target: str) -> bool:
    """The forward re-check: the retro template read forward turns these reactants into the target."""
    return target in {canonical(o) for o in apply(forward_of(template), reactants)}


def predict_reactants(library: ReactionLibrary, target: str, top_k: int = 10) -> RetroPrediction:
    """The top-k reactant sets for a target molecule (SMILES); a set whose template, run forward, does
        not give the target back is dropped."""
    product = canonical(target)
    found: list[ReactantSet] = []
    for item, probability in rank(retro_evidence(library, product), "retro")[: top_k * RECHECK_FACTOR]:
        template = library.templates[item.best_template]
        if not gives_target(template, item.smiles, product):
            continue
        found.append(
            ReactantSet(
                reactants=item.smiles.split("."),
                score=round(probability, 4),
                template=template,
                template_count=int(library.template_counts[item.best_template]),
                precedent_id=library.ids[item.best_row],
                precedent_row=item.best_row,
                precedent=library.precedent_text(item.best_row),
                precedent_similarity=round(item.best_similarity, 3),
            )
        )
        if len(found) == top_k:
            break
    return RetroPrediction(target=product, candidates=found)
