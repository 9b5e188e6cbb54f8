"""Reaction questions in chat: which are asked ("What is the product of A and B?", "A.B>>",
"How can I make X?"), answered by the template tools, and how a draft's reaction claim is checked.

The chem assistant calls three functions: `answer_question` while gathering facts, `compose_reaction`
(answer.py) when composing, and `reaction_checks` / `reaction_unchecked` when verifying a draft.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from stages.reply import CheckResult

from assistants.chem.reactions.answer import Direction, ReactionAnswer, answer_forward, answer_retro
from assistants.chem.reactions.balance import balance
from assistants.chem.reactions.chemistry import canonical, canonical_set
from assistants.chem.reactions.inputs import BadReactionInput, molecule_input

if TYPE_CHECKING:
    from assistants.chem.facts import ChemFacts
    from assistants.chem.reactions.library import ReactionLibrary

_RETRO = re.compile(
    r"\b(?:how (?:can|could|do|would|should|might) (?:i|we|one|you) (?:make|synthesi[sz]e|prepare|produce|obtain|get)"
    r"|retro-?synthe\w*|synthes(?:is|i[sz]e) (?:of|for)?|suggest (?:the |some )?(?:reactants|precursors|starting materials)"
    r"|(?:which|what) (?:reactants|precursors|starting materials)|(?:reactants|precursors|starting materials) (?:for|of|to)"
    r"|route to|made from|prepared from)\b",
    re.IGNORECASE,
)
_FORWARD = re.compile(r"\bproducts?\b|\breact(?!iv)\w*|\byields?\b|\bgives?\b|->|→|>>|\+ *\?|\bform(?:s|ed)?\b", re.IGNORECASE)
# Where a question names its reactants or its target, so each name is resolved (or reported) itself.
_REACTANT_SLOT = re.compile(
    r"(?:products?|outcome|result) (?:of|from|when|formed (?:from|by|when)) (?:reacting |mixing |treating |combining )?"
    r"(?:the )?(?:reaction (?:of|between) )?(?P<a>[^?]+)"
    r"|(?:react|treat|combin|mix)\w* (?P<b>[^?]+?) (?:with|and) (?P<c>[^?]+?)(?: give| yield| form| produce|\?|$)",
    re.IGNORECASE,
)
_TARGET_SLOT = re.compile(
    r"(?:make|synthesi[sz]e|prepare|produce|obtain|synthesis of|reactants for|precursors (?:of|for)|starting materials for|"
    r"route to)\s+(?P<t>[^?]+?)\s*(?:\?|$| in one step| from )",
    re.IGNORECASE,
)
_STARTING_SLOT = re.compile(r"\bfrom\s+(?P<s>[^?]+?)\s*(?:\?|\.?$| in one step| using )", re.IGNORECASE)
# Reagents, catalysts and conditions: the shipped precedent reactions carry none, so no tool answers these.
_REAGENT = re.compile(r"\b(?:which|what) (?:reagents?|catalysts?|conditions|oxidi[sz]ing agents?|reducing agents?|solvents?)\b"
                      r"|\breagents? (?:for|to|that|would)\b", re.IGNORECASE)
_SEPARATORS = re.compile(r"\s+and\s+|\s+with\s+|\s*\+\s*|,\s*", re.IGNORECASE)
_ARTICLE = re.compile(r"^(?:the|a|an|some)\s+", re.IGNORECASE)
_REACTANTS_LINE = re.compile(r"^\s*[-*]?\s*\**(?:reactants|precursors|starting materials)\**\s*[:=]\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)


def intent(text: str) -> Direction | None:
    if _RETRO.search(text):
        return "retro"
    return "forward" if _FORWARD.search(text) else None


def asks_reagent(text: str) -> bool:
    """Whether the question asks which reagent, catalyst or conditions a reaction needs."""
    return _REAGENT.search(text) is not None


def _named(phrase: str) -> list[str]:
    parts = [_ARTICLE.sub("", p.strip(" .;:'\"")) for p in _SEPARATORS.split(phrase)]
    return [p for p in parts if p]


def _slot_molecules(text: str, direction: Direction) -> list[str] | str | None:
    """The molecules a question's reactant (or target) slot names, resolved one by one; the problem
    in words when one does not resolve; None when the question has no such slot."""
    if direction == "retro":
        match = _TARGET_SLOT.search(text)
        phrases = [match.group("t")] if match else []
    else:
        match = _REACTANT_SLOT.search(text)
        phrases = _named(match.group("a")) if match and match.group("a") else (
            [*_named(match.group("b")), *_named(match.group("c"))] if match else [])
    if not phrases or any(">" in p for p in phrases):
        return None
    return _resolved(phrases)


def _resolved(phrases: list[str]) -> list[str] | str:
    """Each phrase as canonical SMILES, or the problem in words when one does not resolve."""
    try:
        return [molecule_input(p) for p in phrases]
    except BadReactionInput as exc:
        return str(exc)



def _molecules(facts: ChemFacts) -> tuple[list[str], list[str]]:
    """The molecules a question gives, and those of a reaction's products side (to predict or to make)."""
    given = [m.smiles for m in facts.molecules]
    products: list[str] = []
    for reaction in facts.reactions:
        given += [m.smiles for m in reaction.reactants]
        products += [m.smiles for m in reaction.products]
    return given, products


def answer_question(text: str, facts: ChemFacts, library: ReactionLibrary | None = None,
                    direction: Direction | None = None) -> ReactionAnswer | None:
    """The tools' answer to a reaction question, or None when the question asks for no prediction
    (not a reaction question, or a reaction whose products are given: its balance is checked instead).
    `direction` is the one read from the wording by the request model; the words below decide only
    when it read none."""
    direction = direction or intent(text)
    given, products = _molecules(facts)
    if direction is None or (direction == "forward" and (products or facts.task != "reaction")):
        return None
    if direction == "retro" and products and not given:
        given, products = products, []
    # A question that writes its molecules as SMILES or a reaction names no other slot ("this reaction").
    written = facts.reactions or any(m.source == "smiles" for m in facts.molecules)
    named = _slot_molecules(text, direction) if not written else None
    if isinstance(named, str):
        return ReactionAnswer(direction=direction, query=[], problem=f"I could not resolve the question's molecules: {named}")
    given = named or given
    if not given:
        return None
    unresolved = [u.query for u in facts.unresolved]
    if unresolved and not named:
        return ReactionAnswer(direction=direction, query=[], problem=f"I could not resolve {', '.join(unresolved)}, so the reaction cannot be predicted.")
    if library is None:
        from assistants.chem.reactions.library import get_library

        library = get_library()
    if direction == "retro":
        start = _STARTING_SLOT.search(text) if named else None
        using = _resolved(_named(start.group("s"))) if start else []
        if isinstance(using, str):
            return ReactionAnswer(direction="retro", query=[], problem=f"I could not resolve the starting material: {using}")
        if len(given) != 1:
            return ReactionAnswer(direction="retro", query=[], problem=f"{len(given)} molecules were given; name the one target molecule to make.")
        return answer_retro(library, given[0], using)
    return answer_forward(library, given)


def _claim(raw: str, smiles: list[str], product_label: str, answer: ReactionAnswer) -> list[str]:
    """The molecules a draft puts forward as its answer: the labelled line, else the SMILES it
    mentions beyond the question's own molecules."""
    if answer.direction == "forward" and product_label:
        return [s for s in product_label.replace(" ", "").split(".") if s and s.lower() not in {"none", "unknown"}]
    line = _REACTANTS_LINE.search(raw) if answer.direction == "retro" else None
    if line:
        return [s for s in line.group(1).replace(" ", "").split(".") if s]
    if answer.problem:
        return []  # without a prediction, only a labelled claim is read as one
    asked = set(answer.query) | set(answer.reagents)
    return [s for s in smiles if canonical(s) not in asked]


def reaction_checks(raw: str, smiles: list[str], product_label: str, answer: ReactionAnswer) -> list[CheckResult]:
    """Checks of a draft's reaction claim: it names a product (or reactants), each parses, the
    transformation is one the templates give, and no atom comes from nowhere."""
    if answer.problem:
        return []
    claimed = _claim(raw, smiles, product_label, answer)
    what = "product" if answer.direction == "forward" else "reactants"
    if not claimed:
        return [CheckResult(name="reaction_answered", kind="coverage", passed=False,
                            message=f"it does not say which {what} the reaction gives",
                            feedback=f"State the {what}: {answer.top}.")]
    checks = [CheckResult(name="reaction_answered", kind="coverage", passed=True)]
    joined = canonical_set(".".join(claimed))
    if not joined:
        return [*checks, CheckResult(name="reaction_molecules_parse", passed=False,
                                     message=f"the {what} it gave ({'.'.join(claimed)}) is not valid SMILES",
                                     feedback=f"Give the {what} as valid SMILES: {answer.top}.")]
    supported = joined in {canonical_set(c) for c in answer.candidates}
    checks.append(CheckResult(
        name="reaction_supported", passed=supported, expected=answer.candidates, found=joined,
        message="" if supported else f"it gave {joined}, which no template from the precedent reactions gives here",
        feedback="" if supported else f"The {what} the templates give is {answer.top} ({answer.precedent_id}).",
    ))
    reactants, products = (answer.query, joined.split(".")) if answer.direction == "forward" else (joined.split("."), answer.query)
    nowhere = balance(reactants, products).from_nowhere
    checks.append(CheckResult(
        name="reaction_atoms_supplied", passed=not nowhere, found=nowhere,
        message="" if not nowhere else "the product uses atoms no reactant supplies (" + ", ".join(f"{e} +{n}" for e, n in nowhere.items()) + ")",
        feedback="" if not nowhere else f"Every atom of the product must come from a reactant; the templates give {answer.top}.",
    ))
    return checks


def recorded(answer: ReactionAnswer) -> bool:
    """Whether the predicted reaction is itself a recorded precedent (the same reactants and product),
    not only one a template makes possible."""
    sides = answer.precedent.split(">>")
    if answer.problem or len(sides) != 2 or not answer.top:
        return False
    reactants, product = canonical_set(sides[0]), canonical_set(sides[1])
    if answer.direction == "forward":
        return product == canonical_set(answer.top) and set(answer.query) <= set(reactants.split("."))
    return product == canonical_set(".".join(answer.query)) and reactants == canonical_set(answer.top)


def reaction_unchecked(raw: str, smiles: list[str], product_label: str, answer: ReactionAnswer | None) -> list[str]:
    """Parts of a reaction answer no tool could check: a claim made where no template applies; a
    prediction that is a template's ranked guess, not a recorded reaction (its top-1 is right about
    60% of the time forward, under 40% retro, so it is never `verified`); reactant atoms that no
    named by-product accounts for."""
    if answer is None:
        return []
    if answer.problem:
        claimed = _claim(raw, smiles, product_label, answer)
        return [f"the reaction claim {'.'.join(claimed)}: no template or precedent supports it"] if claimed else []
    parts = []
    if not recorded(answer):
        what = "the main product" if answer.direction == "forward" else "a working set of reactants"
        parts.append(f"whether {answer.top} is {what}: a template prediction (score {answer.score:.2f}, "
                     f"{answer.confidence} confidence), not a recorded reaction")
    if answer.balance is not None and answer.balance.by_products is None:
        lost = "".join(f"{e}{n if n > 1 else ''}" for e, n in answer.balance.lost.items())
        side = "product" if answer.direction == "forward" else "target"
        parts.append(f"what becomes of the reactant atoms the {side} does not keep ({lost})")
    return parts
