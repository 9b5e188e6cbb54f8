"""The calculators applied to one turn's facts: which asked parts they answer, with which molecules,
and what that changes (the task, what is still asked, a reaction template's guess set aside)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistants.chem.calc.asked import calculator_name, compute
from assistants.chem.calc.parts import ELEMENT_NAMES, Part, Subjects
from assistants.chem.calc.results import Computed, NotComputed
from assistants.chem.intent import YES_NO
from assistants.chem.resolve import MoleculeRecord, resolve_names
from assistants.chem.store import CompoundStore

if TYPE_CHECKING:
    from assistants.chem.facts import ChemFacts, FormulaFacts


def apply_calculations(facts: ChemFacts, store: CompoundStore) -> None:
    """Every asked part a calculator answers, computed into the facts."""
    by_formula = _formula_molecules(facts.formulas, store)
    outcomes = [o for part in _calculation_parts(facts) for o in compute(part, _subjects(part.text, facts, by_formula))]
    prediction = facts.prediction
    if prediction is not None and any(isinstance(o, Computed) and (o.family in _REACTION_CALCULATIONS or not prediction.top)
                                      for o in outcomes):
        facts.prediction = None  # the calculation answers what was asked; a template's guess would only be noise
    facts.computed = [o for o in outcomes if isinstance(o, Computed)]
    facts.not_computed = [o for o in outcomes if isinstance(o, NotComputed)]
    answered = [re.sub(r"\s+", "", c.subject) for c in facts.computed]  # an equation is no name the store lacks
    facts.unresolved = [u for u in facts.unresolved if re.sub(r"\s+", "", u.query) not in answered]
    subsumed = {q for o in outcomes for q in _SUBSUMED.get(o.family, ())}
    facts.requested = [q for q in facts.requested if q not in subsumed]
    calculated = (facts.task in _CALCULATED_TASKS or facts.task == "reaction" and facts.prediction is None
                  or facts.task == "properties" and not facts.requested)
    if (facts.computed or facts.not_computed) and calculated:
        facts.task = "computed"
        if any(m.source == "smiles" for m in facts.molecules):  # "… for SMILES molecule X": the SMILES is given, not asked
            facts.requested = [q for q in facts.requested if q != "smiles"]


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
