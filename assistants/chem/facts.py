"""Detect for chemistry: the task, the molecules the text mentions, the facts an answer must match."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from assistants.chem.calc.asked import calculator_name, compute
from assistants.chem.calc.parts import ELEMENT_NAMES, Part, Subjects
from assistants.chem.calc.results import Computed, NotComputed
from assistants.chem.entities import MAX_SPANS, Entities, Reaction, extract_entities, joined_arrows, valid_cas
from assistants.chem.functional_groups import GroupMatch, functional_groups
from assistants.chem.intent import COMPARATIVE, YES_NO, Intent, read_intent
from assistants.chem.molecule import InvalidSmiles, formula, inchi_key
from assistants.chem.opsin import OpsinUnavailable, opsin_smiles
from assistants.chem.options import ChoiceFacts, judge_options
from assistants.chem.reactions.answer import ReactionAnswer
from assistants.chem.reactions.chat import asks_reagent
from assistants.chem.request import AskedPart, ChemRequest, read_request
from assistants.chem.resolve import MoleculeRecord, Unresolved, resolve_cas, resolve_names, resolve_smiles
from assistants.chem.safety import SafetyVerdict, screen
from assistants.chem.store import CompoundStore
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
    if re.search(r"smiles|structure|draw|depict", lowered) and (found.names or found.formulas):
        return "name_to_smiles"
    if requested and found.count:
        return "properties"
    if found.count:
        return "describe"
    if _CHEMISTRY.search(text) or requested:
        return "general"
    return "out_of_scope"


_MONOATOMIC_ION = re.compile(r"^([A-Z][a-z]?)(\d+)([+-])$")
_CHARGE_SUFFIX = re.compile(r"(?:[+-]\d*)$")


def charged_formula(text: str) -> str:
    """How a person writing "Fe3+" means it: iron with charge 3+ ("Fe+3"), not three iron atoms.
    Only for typed text: RDKit and the store write a charge of one without a digit ("N3-" is azide)."""
    return _MONOATOMIC_ION.sub(r"\1\3\2", text.strip())


def formula_counts(text: str) -> dict[str, int] | None:
    """Element counts of a formula as tools write it (the charge suffix ignored), or None when it does not parse."""
    from chemicals.elements import nested_formula_parser

    try:
        return dict(sorted(nested_formula_parser(_CHARGE_SUFFIX.sub("", text.strip())).items()))
    except (ValueError, KeyError, IndexError):
        return None


def typed_formula_counts(text: str) -> list[dict[str, int]]:
    """Every reading of a formula a person or a model typed: as written, and as a monoatomic ion."""
    readings = [formula_counts(text), formula_counts(charged_formula(text))]
    return [r for i, r in enumerate(readings) if r is not None and r not in readings[:i]]


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
        candidates=[name for c in store.by_formula(hill) if not valid_cas(name := c.common_name or c.iupac_name)],
    )


def element_counts(smiles_list: list[str]) -> dict[str, int]:
    from chemicals.elements import nested_formula_parser

    total: dict[str, int] = {}
    for smiles in smiles_list:
        for element, n in nested_formula_parser(formula(smiles)).items():
            total[element] = total.get(element, 0) + n
    return total


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

    text = cased_formulas(_plain_chemistry(text), store)
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
                        if not _holds_a_found_entity(u.query, facts.molecules, found.formulas) and not _UNIT_TOKEN.fullmatch(u.query)]
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
        from assistants.chem.reactions.chat import answer_question

        facts.prediction = answer_question(text, facts, direction=reaction_direction(request))
        facts.task = "reaction" if facts.prediction is not None else facts.task
    if not facts.safety.refuse:
        by_formula = _formula_molecules(facts.formulas, store)
        outcomes = [o for part in _calculation_parts(facts) for o in compute(part, _subjects(part.text, facts, by_formula))]
        prediction = facts.prediction
        if prediction is not None and any(isinstance(o, Computed) and (o.family in _REACTION_CALCULATIONS or not prediction.top)
                                          for o in outcomes):
            facts.prediction = None  # the calculation answers what was asked; a template's guess would only be noise
        facts.computed = [o for o in outcomes if isinstance(o, Computed)]
        facts.not_computed = [o for o in outcomes if isinstance(o, NotComputed)]
        subsumed = {q for o in outcomes for q in _SUBSUMED.get(o.family, ())}
        facts.requested = [q for q in facts.requested if q not in subsumed]
        calculated = (facts.task in _CALCULATED_TASKS or facts.task == "reaction" and facts.prediction is None
                      or facts.task == "properties" and not facts.requested)
        if (facts.computed or facts.not_computed) and calculated:
            facts.task = "computed"
            if any(m.source == "smiles" for m in facts.molecules):  # "… for SMILES molecule X": the SMILES is given, not asked
                facts.requested = [q for q in facts.requested if q != "smiles"]
    facts.choice = judge_options(facts)
    facts.unanswered = unanswered_parts(facts)
    return facts


# Quantities the words of a calculation also match ("mass percent", "empirical formula", "Lipinski"),
# which the calculation answers: not asked for on their own.
_SUBSUMED = {"mass_percent": ("mass",), "grams_moles": ("mass",), "combustion_oxygen": ("mass",), "empirical_formula": ("formula",),
             "oxidation_state": ("formula",), "lipinski": ("descriptors",), "atom_count": ("formula",)}
# Tasks a calculation replaces: its answer is what was asked, not an identity card or "out of scope".
_CALCULATED_TASKS = ("general", "describe", "out_of_scope", "validity", "smiles_to_name", "name_to_smiles")


def _calculation_parts(facts: ChemFacts) -> list[Part]:
    """The asked parts a calculator may answer (reaction predictions are the reaction tools')."""
    request = facts.request
    if request is None:
        return [Part(text=facts.question, index=0, yes_no=bool(YES_NO.search(facts.question)))]
    return [Part(text=p.text, index=i, unit=request.unit, yes_no=bool(YES_NO.search(p.text)))
            for i, p in enumerate(request.parts)
            if p.family not in ("reaction_forward", "reaction_retro") or calculator_name(p.text) in _REACTION_CALCULATIONS]


# Calculations about a reaction, not predictions of one: they answer a part read as a reaction question.
_REACTION_CALCULATIONS = ("limiting_reagent", "balance_equation", "combustion_oxygen", "reaction_enthalpy")


def _subjects(text: str, facts: ChemFacts, by_formula: dict[str, MoleculeRecord]) -> Subjects:
    """The molecules and formulas one part names ("its" in a later question: all of the message's); an
    element named as an element ("the percent of carbon in glucose") is not a subject. A formula that
    is one compound in the store (H2O) stands for that molecule; one that is several is ambiguous."""
    lowered = text.lower()
    molecules = [m for m in facts.molecules
                 if not _as_element(m.query.lower(), lowered, any(o.query.lower() not in ELEMENT_NAMES for o in facts.molecules))]
    named = [m for m in molecules if m.query.lower() in lowered]
    formulas = [f for f in facts.formulas if f.query.lower() in lowered]
    if not named and not formulas:
        molecules, formulas = molecules or facts.molecules, facts.formulas
    else:
        molecules = named
    if not molecules:
        molecules = [by_formula[f.query] for f in formulas if f.query in by_formula]
    ambiguous = {f.query: f.candidates for f in formulas if f.query not in by_formula and len(f.candidates) > 1}
    return Subjects(molecules=molecules, formulas=[f.query for f in formulas], ambiguous=ambiguous)


def _formula_molecules(formulas: list[FormulaFacts], store: CompoundStore) -> dict[str, MoleculeRecord]:
    """Formulas written in the question that name exactly one compound in the store, as that molecule."""
    found = {}
    for item in formulas:
        if len(item.candidates) == 1 and isinstance(record := resolve_names([item.candidates[0]], store, use_opsin=False)[0], MoleculeRecord):
            found[item.query] = record.model_copy(update={"query": item.query})
    return found


def cased_formulas(text: str, store: CompoundStore) -> str:
    """The text with formulas typed in lower case ("2 mol nacl", "c6h12o6", "balance ch4 + o2 -> co2 + h2o")
    written as the store writes them, where one reading of the letters is a compound the store holds
    (co2: CO2, not Co2); other words are left alone."""
    from chemicals.elements import periodic_table

    symbols = sorted({e.symbol for e in periodic_table}, key=len, reverse=True)

    def cased(token: str) -> str:
        for reading in _readings(token, symbols):
            if (hill := _formula_facts(reading, store)) is not None and hill.candidates:
                return reading
        return token

    text = _DIGIT_TOKEN.sub(lambda m: cased(m.group(0)), text)
    return _AFTER_AMOUNT.sub(lambda m: m.group(0)[:m.start(1) - m.start(0)] + cased(m.group(1)), text)


_DIGIT_TOKEN = re.compile(r"(?<![\w-])(?=[a-z]*\d)[a-z][a-z0-9]{1,15}(?![\w-])")  # "c6h12o6", "h2o"
_AFTER_AMOUNT = re.compile(r"\d\s*(?:mols?|moles?|mmol|g|gms?|grams?)\s+(?:of\s+)?([a-z]{2,8})\b")  # "2 mol nacl"


def _readings(token: str, symbols: list[str]) -> list[str]:
    """Every way to read lower-case letters and digits as element symbols with counts."""
    if not token:
        return [""]
    out = []
    for symbol in symbols:
        if token.startswith(symbol.lower()):
            rest = token[len(symbol):]
            digits = re.match(r"\d*", rest).group(0)  # type: ignore[union-attr]
            out += [symbol + digits + tail for tail in _readings(rest[len(digits):], symbols)]
    return out


_UNIT = r"(?:k?j|mol|moles?|mmol|g|grams?|kg|mg|k|l|ml|m|s|atm|pa|kpa|mmhg|°c)(?:\^?-?\d)?"
# A quantity or a unit ("1.5 moles", "mol^-1", "0.25"): never a molecule's name, so never "unresolved".
_UNIT_TOKEN = re.compile(rf"[-+]?\d+(?:[.,]\d+)?(?:\s*{_UNIT}(?:[\s/·*]+{_UNIT})*)?|{_UNIT}(?:[\s/·*]+{_UNIT})*", re.IGNORECASE)
_LATEX_CE = re.compile(r"\\ce\{([^{}]*)\}")
_STATE = re.compile(r"(?<=[A-Za-z0-9\]])(\((?:s|l|g|aq)\))")


def _plain_chemistry(text: str) -> str:
    """Formulas as exam sets typeset them written plainly: \\ce{KMnO4} as KMnO4, and a state apart from
    its formula ("H2O(l)" as "H2O (l)"), so the formula is read and the state still says the phase."""
    return _STATE.sub(r" \1", _LATEX_CE.sub(r"\1", text))


def _as_element(name: str, text: str, others: bool) -> bool:
    """Whether an element's name stands for the element, not its molecule ("carbon atoms", "the percent of
    carbon in glucose"; beside another molecule, any question about atoms, counts or composition)."""
    if name not in ELEMENT_NAMES:
        return False
    word = re.escape(name)
    if others and _COMPOSITION_WORDS.search(text):
        return True
    return bool(re.search(rf"\b{word}s\b|\b{word}\s+(?:atoms?|content)\b|\b(?:of|for|is)\s+(?:the\s+)?{word}\s+(?:atoms?\s+)?(?:in|of)\b|"
                          rf"%\s*(?:of\s+)?{word}\b", text))


_COMPOSITION_WORDS = re.compile(r"\batoms?\b|\bcount\b|\bpercent|%|\bcontent\b|\belement\b|\bby mass\b|\boxidation\b", re.IGNORECASE)


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
    "smiles_to_name": frozenset({"name", "identifier"}), "name_to_smiles": frozenset({"structure"}),
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
    if task == "out_of_scope" and family not in ("out_of_scope", NOT_UNDERSTOOD):
        return "general"
    return task


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


def _unanswered(part: AskedPart, facts: ChemFacts) -> str | None:
    """Why the tools do not answer one asked part (None: they do)."""
    index = facts.request.parts.index(part) if facts.request is not None and part in facts.request.parts else -1
    if any(c.part == index for c in facts.computed):
        return None
    if missed := [n.reason for n in facts.not_computed if n.part == index]:
        return "; ".join(dict.fromkeys(missed))
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
