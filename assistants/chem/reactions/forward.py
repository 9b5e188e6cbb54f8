"""Forward prediction: the templates of precedents whose reactants resemble the query, applied to the
query's reactants (reagents set aside), each product ranked by the scorer over its evidence."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistants.chem.reactions.chemistry import canonical, canonical_set
from assistants.chem.reactions.evidence import Evidence, gather, rank, similar_precedents
from assistants.chem.reactions.library import ReactionLibrary
from assistants.chem.reactions.templates import apply, forward_of

class ProductCandidate(BaseModel):
    smiles: str
    score: float = Field(description="the scorer's probability that this is the recorded product")
    template: str = Field(description="the forward template that gives it")
    template_count: int = Field(description="precedents the template was extracted from")
    precedent_id: str
    precedent_row: int = Field(description="the precedent's row in the library (ids repeat: a patent holds several reactions)")
    precedent: str = Field(description="the most similar precedent reaction with this template")
    precedent_similarity: float


class ForwardPrediction(BaseModel):
    reactants: list[str]
    reagents: list[str] = Field(default_factory=list, description="molecules recognised as reagents and set aside")
    candidates: list[ProductCandidate] = Field(default_factory=list)


def split_reagents(library: ReactionLibrary, molecules: list[str]) -> tuple[list[str], list[str]]:
    """Reactants and reagents: a molecule the precedents mostly use as a reagent is set aside, unless
    that would leave nothing to react."""
    canon = [canonical(m) for m in molecules]
    reagents = [m for m in canon if library.is_reagent(m)]
    reactants = [m for m in canon if m not in reagents]
    return (reactants, reagents) if reactants else (canon, [])


def forward_evidence(library: ReactionLibrary, reactants: str, reagents: list[str] | None = None,
                     leave_out: str | None = None) -> dict[str, Evidence]:
    """Every product the neighbours' templates give, with the evidence the scorer reads.

    `leave_out`: a product whose precedents are ignored (a training reaction scored against the rest).
    """
    similarities, near = similar_precedents(library, reactants, "forward", leave_out)
    inputs = set(reactants.split("."))

    def outcomes(template: int) -> list[str]:
        products = {canonical(o) for o in apply(forward_of(library.templates[template]), reactants)}
        return sorted(p for p in products if p and p not in inputs)

    return gather(library, similarities, outcomes, library.product_fps, "forward", near, frozenset(reagents or ()))


def predict_products(library: ReactionLibrary, molecules: list[str], top_k: int = 5) -> ForwardPrediction:
    """The top-k products of a reactant set (molecules as SMILES, reagents among them allowed)."""
    reactants, reagents = split_reagents(library, molecules)
    query = canonical_set(".".join(reactants))
    ranked = rank(forward_evidence(library, query, reagents), "forward")[:top_k]
    return ForwardPrediction(
        reactants=reactants,
        reagents=reagents,
        candidates=[
            ProductCandidate(
                smiles=item.smiles,
                score=round(probability, 4),
                template=forward_of(library.templates[item.best_template]),
                template_count=int(library.template_counts[item.best_template]),
                precedent_id=library.ids[item.best_row],
                precedent_row=item.best_row,
                precedent=library.precedent_text(item.best_row),
                precedent_similarity=round(item.best_similarity, 3),
            )
            for item, probability in ranked
        ],
    )
