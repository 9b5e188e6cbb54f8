"""Detect for chemistry: the task, the molecules the text mentions, the facts an answer must match."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from assistants.chem.calc.results import Computed, NotComputed
from assistants.chem.calculations import apply_calculations
from assistants.chem.entities import MAX_SPANS, Entities, Reaction, extract_entities, joined_arrows, valid_cas
from assistants.chem.formulas import charged_formula, element_counts, formula_counts
from assistants.chem.functional_groups import GroupMatch, functional_groups
from assistants.chem.intent import COMPARATIVE, Intent, read_intent
from assistants.chem.molecule import InvalidSmiles, inchi_key
from assistants.chem.opsin import OpsinUnavailable, opsin_smiles
from assistants.chem.options import ChoiceFacts, judge_options
from assistants.chem.reactions.answer import ReactionAnswer
from assistants.chem.reactions.chat import answer_question, asks_reagent
from assistants.chem.request import AskedPart, ChemRequest, read_request
from assistants.chem.resolve import MoleculeRecord, Unresolved, compound_name, resolve_cas, resolve_names, resolve_smiles
from assistants.chem.safety import SafetyVerdict, screen
from assistants.chem.store import CompoundStore
from assistants.chem.written import NOT_A_NAME, plain_chemistry
from stages.choices import Choices, read_choices
from stages.intent_model import NOT_UNDERSTOOD

Task = Literal[
    "name_to_smiles", "smiles_to_name", "properties", "describe", "reaction", "validity", "computed", "general", "out_of_scope"
]
_CHEMISTRY = re.compile(
    r"\b(chem\w*|molecul\w*|atom\w*|bond\w*|acid\w*|base|bases|salt|ion|ions|ionic|covalent|orbital\w*|electron\w*|"
    r"ester\w*|alkane|alkene|alkyne|aromatic\w*|isomer\w*|chiral\w*|enantiomer\w*|catalys\w*|oxidation|reduction|redox|"
    r"ph|pka|solvent\w*|solub\w*|titrat\w*|stoichiometr\w*|mole|moles|molar\w*|polymer\w*|reaction\w*|react\w*|"
    r"element\w*|periodic|valence|hybridi[sz]\w*|spectroscop\w*|nmr|ir|smiles|iupac|compound\w*|organic|inorganic|"
    r"functional group|equilibri\w*|enthalpy|entropy|kinetic\w*|thermodynamic\w*|synthes\w*|yield)\b",
    re.IGNORECASE,
)


class FormulaFacts(BaseModel):
    query: str
    hill: str
    average_mass: float
    candidates: list[str] = Field(default_factory=list, description="store compounds with this formula")


class ReactionFacts(BaseModel):
    text: str
    reactants: list[MoleculeRecord]
    products: list[MoleculeRecord]
    element_balance: dict[str, int] = Field(default_factory=dict, description="products minus reactants")
    balanced: bool | None = None


class ChemFacts(BaseModel):
    """Everything the tools established for one turn; the prompt, checks and corrections read it."""

    task: Task
    question: str
    molecules: list[MoleculeRecord] = Field(default_factory=list)
    unresolved: list[Unresolved] = Field(default_factory=list)
    formulas: list[FormulaFacts] = Field(default_factory=list)
    reactions: list[ReactionFacts] = Field(default_factory=list)
    groups: dict[str, list[GroupMatch]] = Field(default_factory=dict)
    requested: list[str] = Field(default_factory=list)
    intent: Intent = Field(default_factory=Intent)
    safety: SafetyVerdict
    notes: list[str] = Field(default_factory=list)
    prediction: ReactionAnswer | None = Field(None, description="the reaction templates' answer (assistants/chem/reactions)")
    request: ChemRequest | None = Field(None, description="what was asked: family, answer form, options, unit")
    unanswered: list[str] = Field(default_factory=list, description="asked parts no tool answers, in words")
    choice: ChoiceFacts | None = Field(None, description="the options of a multiple-choice question, as the tools judge them")
    computed: list[Computed] = Field(default_factory=list, description="answers the calculators computed (hazards, stoichiometry, …)")
    not_computed: list[NotComputed] = Field(default_factory=list, description="asked calculations the tools could not make, and why")

    @property
    def known_inchikeys(self) -> set[str]:
        keys = {m.inchikey for m in self.molecules}
        for reaction in self.reactions:
            keys |= {m.inchikey for m in reaction.reactants + reaction.products}
        if self.prediction is not None:
            keys |= {inchi_key(smiles) for smiles in self.prediction.molecules()}
        return keys


def classify(text: str, found: Entities, requested: list[str]) -> Task:
    lowered = text.lower()
    has_structure = bool(found.smiles or found.cas or found.invalid_smiles)
    if found.reactions or asks_reagent(text) or re.search(r"\breact(?!iv)\w*|\bproducts?\b|reactants?|->|→|\byields?\b|\bto give\b", lowered):
        if found.count:
            return "reaction"
    if re.search(r"\bvalid\w*|\bcheck\b|\bcorrect\b|\bparse\b", lowered) and has_structure:
        return "validity"
    if re.search(r"\bname\b|\bnamed\b|\bcalled\b|what is this|identify|which (compound|molecule)", lowered) and has_structure:
        return "smiles_to_name"
    if "smiles" in requested and (found.names or found.formulas):  # asked, not negated ("not the structure")
        return "name_to_smiles"
    if requested and found.count:
        return "properties"
    if found.count:
        return "describe"
    if _CHEMISTRY.search(text) or requested:
        return "general"
    return "out_of_scope"


def _formula_facts(query: str, store: CompoundStore) -> FormulaFacts | None:
    from chemicals.elements import molecular_weight, serialize_formula

    written = charged_formula(query)
    counts = formula_counts(written)
    if counts is None:
        return None
    try:
        hill = serialize_formula(written)
    except (ValueError, KeyError, IndexError):
        return None
    return FormulaFacts(
        query=query,
        hill=hill,
        average_mass=round(molecular_weight(counts), 4),
        candidates=[name for c in store.by_formula(hill) if (name := c.common_name or compound_name(c) or c.iupac_name)
                    and not valid_cas(name)],
    )


def _reaction_facts(reaction: Reaction, store: CompoundStore, facts: ChemFacts) -> ReactionFacts:
    def records(items: list[str]) -> list[MoleculeRecord]:
        out = []
        for smiles in items:
            result = resolve_smiles(smiles, store)
            if isinstance(result, Unresolved):
                facts.unresolved.append(result)
            else:
                out.append(result)
        return out

    reactants, products = records(reaction.reactants), records(reaction.products)
    balance: dict[str, int] = {}
    balanced = None
    if reactants and products and len(reactants) == len(reaction.reactants) and len(products) == len(reaction.products):
        left, right = element_counts([m.smiles for m in reactants]), element_counts([m.smiles for m in products])
        balance = {e: right.get(e, 0) - left.get(e, 0) for e in sorted(set(left) | set(right)) if right.get(e, 0) != left.get(e, 0)}
        balanced = not balance
    return ReactionFacts(text=reaction.text, reactants=reactants, products=products, element_balance=balance, balanced=balanced)


def gather_facts(text: str, store: CompoundStore, use_opsin: bool = True, online: bool = False) -> ChemFacts:
    """Entities → molecules (store, OPSIN, PubChem) → facts, plus the safety screen."""
    opsin_notes: list[str] = []

    def opsin(names: list[str]) -> list[str | None]:
        try:
            return opsin_smiles(names)
        except OpsinUnavailable as exc:
            opsin_notes.append(str(exc))
            return [None] * len(names)

    text = plain_chemistry(text, store)
    joined = joined_arrows(text)
    choices = read_choices(joined)
    found = extract_entities(_entity_text(choices) if choices.options else text, store, opsin=opsin if use_opsin else None)
    request = read_request(joined, entity_spans(found), choices)
    intent = read_intent(request.choices.stem)
    requested = intent.quantities
    task = classify(request.choices.stem, found, requested)
    request = agreed(request, task)
    task = task_for(task, request, found, requested)
    facts = ChemFacts(task=task, question=text, requested=requested, intent=intent, safety=screen(text, []),
                      request=request)
    if found.truncated:
        facts.notes.append(f"Only the first {found.count} chemical mentions (and {MAX_SPANS} candidate names) were used.")
    resolved: list[MoleculeRecord | Unresolved] = [resolve_smiles(s, store) for s in found.smiles + found.invalid_smiles]
    resolved += [resolve_cas(c, store) for c in found.cas]
    resolved += resolve_names(found.names, store, use_opsin=use_opsin, online=online,
                              parsed=found.structures if use_opsin else None, tried=found.tried)
    facts.notes.extend(dict.fromkeys(opsin_notes))
    for item in resolved:
        (facts.molecules if isinstance(item, MoleculeRecord) else facts.unresolved).append(item)  # type: ignore[arg-type]
    facts.unresolved = [u for u in facts.unresolved
                        if not _holds_a_found_entity(u.query, facts.molecules, found.formulas) and not NOT_A_NAME.fullmatch(u.query)]
    for query in found.formulas:
        formula_facts = _formula_facts(query, store)
        if formula_facts is not None:
            facts.formulas.append(formula_facts)
    for reaction in found.reactions:
        facts.reactions.append(_reaction_facts(reaction, store, facts))
    for molecule in facts.molecules:
        try:
            facts.groups[molecule.smiles] = functional_groups(molecule.smiles)
        except InvalidSmiles:
            continue
    structures = [m.smiles for m in facts.molecules] + [m.smiles for r in facts.reactions for m in r.reactants + r.products]
    facts.safety = screen(text, structures)
    if not facts.safety.refuse:
        facts.prediction = answer_question(text, facts, direction=reaction_direction(request))
        facts.task = "reaction" if facts.prediction is not None else facts.task
    if not facts.safety.refuse:
        apply_calculations(facts, store)
    facts.choice = judge_options(facts)
    facts.unanswered = unanswered_parts(facts)
    return facts


def _holds_a_found_entity(query: str, molecules: list[MoleculeRecord], formulas: list[str]) -> bool:
    """A failed candidate name that is only words around an entity found on its own ("with 16.0 g of O2"
    beside the formula O2): not a molecule the question names, so not reported as unresolved."""
    found = [m.query for m in molecules] + formulas
    return " " in query.strip() and any(re.search(rf"(?<![\w-]){re.escape(f)}(?![\w-])", query) for f in found if f != query)


def _entity_text(choices: Choices) -> str:
    """The text entities are read from when a question lists options: the options without their
    labels, each apart, so "methanol\n2. ethanol" is two names, not one."""
    return "; ".join([choices.stem, *(o.text for o in choices.options)])


# The families each structurally read task answers.
_TASK_FAMILIES: dict[str, frozenset[str]] = {
    "smiles_to_name": frozenset({"name", "identifier", "describe"}), "name_to_smiles": frozenset({"structure"}),
    "properties": frozenset({"formula", "mass", "property", "compare", "sameness", "identifier"}),
    "describe": frozenset({"describe"}), "validity": frozenset({"validity"}),
}


def agreed(request: ChemRequest, task: Task) -> ChemRequest:
    """A part the learned reader was unsure of ("What is this molecule? X": name, 0.24) is read as its
    likeliest family when the structural reading of the question agrees with it: two readers that
    agree are surer than either."""
    parts = [p.model_copy(update={"family": p.best}) if p.family == NOT_UNDERSTOOD and p.best in _TASK_FAMILIES.get(task, ())
             else p for p in request.parts]
    return request.model_copy(update={"parts": parts})


def entity_spans(found: Entities) -> dict[str, list[str]]:
    """The entities detect found, by the kind the intent reader masks them as."""
    return {"smiles": found.smiles + found.invalid_smiles, "name": found.names, "cas": found.cas,
            "formula": found.formulas, "rxn": [r.text for r in found.reactions]}


_STRUCTURE_TASKS = ("describe", "properties", "smiles_to_name", "name_to_smiles", "validity", "out_of_scope", "general")
_NO_TOOL_TASKS = ("calculation", "concept", "hazard", "structure_count", "reagent", "reaction_class", "spectroscopy")


def task_for(task: Task, request: ChemRequest, found: Entities, requested: list[str]) -> Task:
    """The task the tools take on, once the family read from the wording is known: a reaction question
    in an unforeseen wording goes to the reaction tools, a calculation or an explanation to the model
    (never an identity card, never "out of scope"), a naming or validity question to its tool."""
    family = request.family
    if any(f in ("reaction_forward", "reaction_retro") for f in request.families):
        family = next(f for f in request.families if f in ("reaction_forward", "reaction_retro"))
    has_structure = bool(found.smiles or found.invalid_smiles or found.reactions)
    if family in ("reaction_forward", "reaction_retro") and found.count and task in _STRUCTURE_TASKS:
        return "reaction"
    if family in _NO_TOOL_TASKS and task in ("describe", "out_of_scope", "validity", "smiles_to_name", "name_to_smiles"):
        return "general"
    if family in _NO_TOOL_TASKS and task == "properties" and not any(q in _TOOL_QUANTITIES for q in requested):
        return "general"
    if family == "validity" and has_structure and task in ("describe", "properties", "smiles_to_name"):
        return "validity"
    if family == "name" and (found.smiles or found.invalid_smiles) and task == "describe":
        return "smiles_to_name"
    if family == "structure" and (found.names or found.formulas) and task == "describe":
        return "name_to_smiles"
    if task == "out_of_scope" and family != "out_of_scope" and not _surely_elsewhere(request):
        return "general"
    return task


def _surely_elsewhere(request: ChemRequest) -> bool:
    """A question is refused as outside chemistry only when the reader's likeliest family for every
    part is `out_of_scope`: one it cannot place ("walk me through Le Chatelier's principle") may be
    chemistry, and the model answers it, marked unchecked."""
    return all(part.best == "out_of_scope" for part in request.parts)


_TOOL_QUANTITIES = frozenset({"smiles", "name", "inchikey", "inchi", "cas", "formula", "mass", "boiling_point", "melting_point",
                              "critical_temperature", "critical_pressure", "critical_volume", "acentric_factor", "descriptors",
                              "functional_groups", "properties", "hbd", "hba", "logp", "tpsa", "rotatable_bonds"})


def reaction_direction(request: ChemRequest) -> Literal["forward", "retro"] | None:
    directions = {"reaction_forward": "forward", "reaction_retro": "retro"}
    return next((directions[f] for f in request.families if f in directions), None)  # type: ignore[return-value]


def unanswered_parts(facts: ChemFacts) -> list[str]:
    """What was asked that no tool answers here: the reply names it as not answered (by the tools)."""
    request = facts.request
    if request is None or facts.task == "out_of_scope":
        return []
    if request.options and facts.choice is not None and facts.choice.chosen:
        return []  # the tools' choice answers the question the options ask
    parts: list[str] = []
    if request.options:
        parts.append(f"which option is right (“{_short(request.choices.stem)}”): no tool evaluates these options")
    for part in request.parts:
        if (why := _unanswered(part, facts)) is not None:
            parts.append(f"{part.asked()}: {why}")
    return parts


# A question that only points back at the one before it ("What is it?", "And what are they?").
_FOLLOW_UP = re.compile(r"^\s*(?:and|so|then)?\s*(?:what|which|how (?:much|many|high|low))\s+(?:is|are|was|were)\s+"
                        r"(?:it|they|that|this|those|these|the value|its value)\s*\??\s*$", re.IGNORECASE)


def _unanswered(part: AskedPart, facts: ChemFacts) -> str | None:
    """Why the tools do not answer one asked part (None: they do)."""
    index = facts.request.parts.index(part) if facts.request is not None and part in facts.request.parts else -1
    if missed := [n.reason for n in facts.not_computed if n.part == index]:  # for one subject of several, too
        return "; ".join(dict.fromkeys(missed))
    if any(c.part == index for c in facts.computed):
        return None
    if index > 0 and _FOLLOW_UP.match(part.text) and facts.request is not None:  # "… for X? What is it?"
        return _unanswered(facts.request.parts[index - 1], facts)
    asked = read_intent(part.text)
    tool_quantity = any(q in _TOOL_QUANTITIES for q in asked.quantities)
    if part.family == NOT_UNDERSTOOD and not tool_quantity and facts.prediction is None:
        return "the question's intent was not recognised, so the tools' facts may not answer it"
    if part.family in _NO_TOOL_TASKS and part.family != "reagent":  # the reaction tools say they name no reagents
        return "no tool here computes it"
    if part.family == "property" and not tool_quantity:
        return "the compound store holds no such value"
    if (part.family == "compare" and asked.comparison is None and asked.sameness is None and facts.intent.comparison is None
            and COMPARATIVE.search(part.text)):
        return "no tool compares this quantity"
    if part.family in ("reaction_forward", "reaction_retro") and facts.prediction is None and not facts.reactions:
        return "the reaction tools found no molecules to work from"
    return None


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 120 else text[:117] + "…"
