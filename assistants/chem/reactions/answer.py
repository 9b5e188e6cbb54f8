"""A reaction question answered by the tools: `ReactionAnswer` (top candidate, alternatives, confidence,
precedent) and the text that states it, answer first."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from assistants.chem.reactions.balance import Balance, balance
from assistants.chem.reactions.chemistry import canonical
from assistants.chem.reactions.forward import ProductCandidate, predict_products
from assistants.chem.reactions.library import ReactionLibrary
from assistants.chem.reactions.retro import ReactantSet, predict_reactants

Direction = Literal["forward", "retro"]
Confidence = Literal["high", "medium", "low"]
MAX_REACTANTS = 20  # USPTO questions list up to a dozen molecules, reagents and solvents among them
FORWARD_TOP_K, RETRO_TOP_K, SHOWN_ALTERNATIVES = 5, 10, 3
# USPTO-50K's reaction classes (Schneider et al. 2016), for the precedents that carry one.
CLASS_NAMES = {
    1: "heteroatom alkylation or arylation", 2: "acylation", 3: "C-C bond formation", 4: "heterocycle formation",
    5: "protection", 6: "deprotection", 7: "reduction", 8: "oxidation", 9: "functional group interconversion",
    10: "functional group addition",
}


class Alternative(BaseModel):
    smiles: str
    score: float
    template_count: int
    precedent_id: str


class ReactionAnswer(BaseModel):
    """What the template tools say about one reaction question; `problem` when they cannot answer it."""

    direction: Direction
    query: list[str] = Field(description="the reactants (forward) or the one target (retro), canonical SMILES")
    reagents: list[str] = Field(default_factory=list, description="recognised as reagents and set aside")
    top: str = Field(default="", description="the product, or the dot-joined reactant set")
    score: float = 0.0
    confidence: Confidence = "low"
    template: str = ""
    template_count: int = 0
    reaction_class: str = ""
    precedent_id: str = ""
    precedent: str = ""
    precedent_similarity: float = 0.0
    candidates: list[str] = Field(default_factory=list, description="every candidate returned, best first")
    alternatives: list[Alternative] = Field(default_factory=list)
    balance: Balance | None = None
    problem: str = ""
    library_size: int = 0

    def molecules(self) -> list[str]:
        """Every molecule the composed answer mentions, so a structure check knows where each came from."""
        sets = [self.top, *(a.smiles for a in self.alternatives), *self.precedent.split(">>")]
        return [s for s in [*self.query, *self.reagents, *sets, *(part for joined in sets for part in joined.split("."))] if s]


def confidence_of(score: float, similarity: float) -> Confidence:
    """High: the scorer puts most of its weight on the top candidate and a close precedent backs it."""
    if score >= 0.6 and similarity >= 0.5:
        return "high"
    return "medium" if score >= 0.3 else "low"


def _class_name(library: ReactionLibrary, row: int) -> str:
    number = library.classes[row]
    return CLASS_NAMES.get(number, "") if number is not None else ""


def _fill(answer: ReactionAnswer, library: ReactionLibrary, ranked: list[tuple[str, ProductCandidate | ReactantSet]]) -> None:
    """The top candidate's fields, its confidence, and the alternatives after it."""
    smiles, top = ranked[0]
    answer.top, answer.score, answer.template, answer.template_count = smiles, top.score, top.template, top.template_count
    answer.precedent_id, answer.precedent, answer.precedent_similarity = top.precedent_id, top.precedent, top.precedent_similarity
    answer.confidence = confidence_of(top.score, top.precedent_similarity)
    answer.reaction_class = _class_name(library, top.precedent_row)
    answer.candidates = [s for s, _ in ranked]
    answer.alternatives = [Alternative(smiles=s, score=c.score, template_count=c.template_count, precedent_id=c.precedent_id)
                           for s, c in ranked[1 : 1 + SHOWN_ALTERNATIVES]]


def answer_forward(library: ReactionLibrary, molecules: list[str]) -> ReactionAnswer:
    """The main product of a set of molecules (reactants, reagents among them allowed)."""
    if len(molecules) > MAX_REACTANTS:
        return ReactionAnswer(direction="forward", query=[], problem=f"{len(molecules)} molecules were given; a reaction is read with at most {MAX_REACTANTS}.")
    prediction = predict_products(library, molecules, FORWARD_TOP_K)
    answer = ReactionAnswer(direction="forward", query=prediction.reactants, reagents=prediction.reagents, library_size=len(library))
    if not prediction.candidates:
        answer.problem = f"No template from the {len(library):,} precedent reactions applies to these reactants, so I cannot predict the product."
        return answer
    _fill(answer, library, [(c.smiles, c) for c in prediction.candidates])
    answer.balance = balance(prediction.reactants, [answer.top])
    return answer


def answer_retro(library: ReactionLibrary, target: str, using: list[str] | None = None) -> ReactionAnswer:
    """One-step precursors of a target molecule; with `using`, only reactant sets that contain those
    starting materials ("a synthesis of paracetamol from 4-aminophenol")."""
    prediction = predict_reactants(library, target, RETRO_TOP_K * (3 if using else 1))
    answer = ReactionAnswer(direction="retro", query=[prediction.target], library_size=len(library))
    if using:
        wanted = {canonical(s) for s in using}
        prediction.candidates = [c for c in prediction.candidates if wanted <= {canonical(r) for r in c.reactants}][:RETRO_TOP_K]
        if not prediction.candidates:
            answer.problem = (f"No template from the {len(library):,} precedent reactions makes this target from "
                              f"{', '.join(using)} in one step, so I cannot suggest such a synthesis.")
            return answer
    if not prediction.candidates:
        answer.problem = (f"No template from the {len(library):,} precedent reactions gives this target and re-checks forward, "
                          "so I cannot suggest reactants for it.")
        return answer
    _fill(answer, library, [(c.smiles, c) for c in prediction.candidates])
    answer.balance = balance(prediction.candidates[0].reactants, [prediction.target])
    return answer


def _support(answer: ReactionAnswer) -> str:
    kind = f"{answer.reaction_class} template" if answer.reaction_class else "template"
    times = "precedent" if answer.template_count == 1 else "precedents"
    return (f"from a {kind} seen in {answer.template_count} {times}, e.g. {answer.precedent_id} "
            f"({answer.precedent}; similarity {answer.precedent_similarity:.2f})")


def _by_products(answer: ReactionAnswer) -> str:
    if answer.balance is None or answer.balance.by_products is None:
        return ""
    spectators = f"; not incorporated: {', '.join(answer.balance.unused)}" if answer.balance.unused else ""
    released = ", ".join(answer.balance.by_products) or "nothing"
    return f"By-products: {released}{spectators}"


def compose_reaction(answer: ReactionAnswer) -> str:
    """The answer as labelled lines, the prediction first, then its support and the alternatives."""
    if answer.problem:
        return f"Answer: {answer.problem}"
    alternatives = "; ".join(f"{a.smiles} ({a.score:.2f})" for a in answer.alternatives) or "none"
    if answer.direction == "forward":
        lines = [
            f"Product: {answer.top}",
            f"Answer: The main product is {answer.top} (score {answer.score:.2f}, {answer.confidence} confidence), "
            f"{_support(answer)}; alternatives: {alternatives}.",
        ]
        if answer.reagents:
            lines.append(f"Reagents set aside: {', '.join(answer.reagents)}")
    else:
        lines = [
            f"Reactants: {answer.top}",
            f"Answer: {answer.query[0]} can be made in one step from {answer.top} (score {answer.score:.2f}, "
            f"{answer.confidence} confidence), {_support(answer)}; re-checked forward; alternatives: {alternatives}.",
        ]
    extra = _by_products(answer)
    return "\n".join([*lines, extra] if extra else lines)
