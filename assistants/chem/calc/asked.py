"""Which calculation a question asks for, and its answer: the words of one asked part pick a
calculator (hazards, thermochemistry, stoichiometry, structure), the molecules and formulas detect
resolved are its subjects, and the result is a sentence with the values a reply must state.

A part the words match but the tools cannot answer (no table lists it, the equation does not balance)
comes back as NotComputed with the reason, so the reply says what it did not answer.
"""

from __future__ import annotations

import re

from assistants.chem.calc.amount_answers import (
    balance, combustion, empirical_formula, grams_moles, limiting_reagent, mass_percent, oxidation_state, reaction_enthalpy,
)
from assistants.chem.calc.parts import ELEMENT_NAMES, Calculator, Outcome, Part, Subjects
from assistants.chem.calc.physical_answers import ASKS_GAS_QUANTITY, ideal_gas, ph
from assistants.chem.calc.property_answers import (
    acentric_factor, autoignition, carcinogen, critical_pressure, critical_volume, density, dipole_moment, enthalpy_of_combustion,
    enthalpy_of_formation, enthalpy_of_vaporisation, exposure_limits, flammability_limits, flammable, flash_point, toxicity,
    vapor_pressure,
)
from assistants.chem.calc.results import NotComputed
from assistants.chem.calc.solution_answers import solution
from assistants.chem.calc.structure_answers import (
    atom_count, bonds, chiral, descriptor, drug_likeness, hybridisation, ring_count, stereocentres, stereoisomers,
)

# Which words ask for which calculator, in the order they are tried: the first that matches a part answers it.
CALCULATORS: tuple[tuple[str, re.Pattern[str], Calculator], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE), calculator) for name, pattern, calculator in (
        ("reaction_enthalpy", r"enthalpy (?:change|of (?:the )?reaction)|heat of (?:the )?reaction|reaction enthalpy|"
                              r"(?:ΔH|delta ?h)(?:_?r(?:xn)?)?\s*(?:°|o)?\s*(?:for|of)\s+(?:the\s+)?(?:reaction|[A-Z])", reaction_enthalpy),
        ("balance_equation", r"\bbalanc|\bcoefficients\b|\bboth sides\b", balance),
        ("oxidation_state", r"oxidation (?:state|number)|\box(?:\.|idation)?\s*(?:state|number|no\b\.?|#)|\bo\.\s?n\.", oxidation_state),
        ("empirical_formula", r"empirical formula|simplest formula", empirical_formula),
        ("combustion_oxygen", r"\b(?:oxygen|o2)\b[^?]*\b(?:burn|combust|reacts? (?:completely )?with)|"
                              r"\b(?:burn|combust)\w*[^?]*\b(?:oxygen|o2)\b|"
                              r"\b(?:co2|carbon dioxide|water|h2o)\b[^?]*\b(?:burn(?:s|ed|ing|t)?|combust(?:s|ed|ing|ion)?)\b|"
                              r"\b(?:burn(?:s|ed|ing|t)?|combust(?:s|ed|ing|ion)?)\b[^?]*\b(?:co2|carbon dioxide|water|h2o)\b", combustion),
        ("enthalpy_combustion", r"(?:enthalpy|heat) of combustion|combustion enthalpy|heating value|\bhhv\b|ΔH_?c\b", enthalpy_of_combustion),
        ("enthalpy_formation", r"(?:enthalpy|heat) of formation|formation enthalpy|(?:\b[dΔ]|\bdelta ?)\s?h_?f", enthalpy_of_formation),
        ("enthalpy_vaporisation", r"(?:enthalpy|heat) of vapou?ri[sz]ation|\bhvap\b|ΔH_?vap|latent heat", enthalpy_of_vaporisation),
        ("vapor_pressure", r"vapou?r pressure", vapor_pressure),
        ("critical_pressure", r"critical pres|\bpc\b", critical_pressure),
        ("critical_volume", r"critical (?:molar )?vol|\bvc\b", critical_volume),
        ("acentric_factor", r"acentric", acentric_factor),
        ("flash_point", r"flash\s?point|\blowest temp\w*\b[^?]*\b(?:catch(?:es)?\s+(?:on\s+)?fire|ignit|flam)", flash_point),
        ("autoignition", r"auto-?\s?ignit|self-?ignit|ignition temperature|ignites? (?:on its own|by itself|spontaneously)|"
                         r"spontaneous(?:ly)? (?:ignit|combust)", autoignition),
        ("flammability_limits", r"flam+ab\w*\s+(?:limit|range)|explosive\s+(?:limit|range)|\b(?:lel|uel|lfl|ufl)\b|"
                                r"concentrations?\b[^?]*\b(?:explode|explosive|burn|ignite)", flammability_limits),
        ("exposure_limit", r"exposure limit|\btwa\b|\bstel\b|\bpel\b|\btlv\b|permissible exposure|occupational|time[- ]weighted|"
                           r"short[- ]term exposure|workplace (?:exposure|limit|air)|\b8[- ]?(?:h|hr|hour)s?\b[^?]*\blimit", exposure_limits),
        ("carcinogen", r"carcinogen|cancer|\biarc\b", carcinogen),
        ("flammable", r"\b(?:in)?flam+able|\b(?:combustible|(?:catch(?:es|ing)?|caught)\s+(?:on\s+)?fire|ignit(?:e|es|able)|fire (?:hazard|risk)|(?:near|by|around|close to|over|on|with|in) (?:an? |the )?(?:open |naked |bunsen |gas )?(?:flames?|fire|sparks?|burners?|bunsen))\b|"
                      r"^\s*(?:does|do|can|will|would)\b[^?]*\bburn\b|"
                      r"\bflammability\b(?!\s+(?:limit|range))", flammable),
        ("toxic", r"\btoxic|\bpoison|\bdangerous|\bhazard|\bharmful|\bsafe to (?:touch|handle|breathe|drink)", toxicity),
        ("dipole_moment", r"dipole|\bpolar(?:ity)?\b(?!\s+surface)", dipole_moment),
        ("mass_percent", r"percent(?:age)? (?:composition|by mass)|mass percent|% by mass|mass fraction|percent(?:age)? of \w+ (?:in|by)|"
                         r"\bby mass\b[^?]*\bpercent|\bpercent\b[^?]*\bby mass\b|mass\s*%|%\s*(?:by\s+)?mass|fraction of the mass|"
                         r"\bwhat (?:%|percent(?:age)?)\b|(?:%|percent(?:age)?)\s+(?:of\s+)?\w+\s+(?:in|is)\b", mass_percent),
        ("limiting_reagent", r"limiting (?:reagent|reactant)|theoretical yield|excess (?:reagent|reactant)|percent(?:age)? yield|"
                             r"\bhow (?:many|much)\b[^?]*\bexcess\b|\bexcess\b[^?]*\bhow (?:many|much)\b|"
                             r"\bhow (?:many|much)\b[^?]*\b(?:made|formed|produced|obtained|forms?|produces?)\b", limiting_reagent),
        ("ph", r"\bp(?:h|oh)\b|\[\s*h(?:3o)?\s*\+\s*\]|hydrogen ion concentration|hydronium", ph),
        ("ideal_gas", ASKS_GAS_QUANTITY, ideal_gas),
        ("solution", r"\bmolarity\b|\bconcentration\b|\bdilut|\bstock\b|\bsolution\b|\bmolar\b|\d\s*(?:M|mM|mol/L)\b", solution),
        ("density", r"\bdensity\b", density),
        ("grams_moles", r"\d\s*-?\s*(?:mols?|moles?|mmol|g|gms?|grams?|kg|mg|molecules)\b", grams_moles),
        ("stereoisomers", r"stereoisomers?|optical isomers?|how many (?:enantiomers|diastereomers)", stereoisomers),
        ("stereocentres", r"stereo-?(?:centers?|centres?)|chiral (?:centers?|centres?|carbons?|atoms?)|stereogenic|asymmetric carbons?", stereocentres),
        ("chiral", r"\bchiral\b|optically active|\b(?:have|has|form|exist as) (?:an? )?enantiomers?\b|superimposable|mirror image", chiral),
        ("hybridisation", r"hybridi[sz]", hybridisation),
        ("bonds", r"\b(?:sigma|σ|pi|π|double|triple|single)\s+bonds?\b", bonds),
        ("ring_count", r"\brings?\b|\baromatic\b", ring_count),
        ("atom_count", r"\b(?:how many|number of|count)\b[^?]*\batoms?\b|\batoms in\b|\batom count\b|\b(?:how many|number of)\s+(?:"
                       + "|".join(ELEMENT_NAMES) + r")s\b", atom_count),
        ("lipinski", r"lipinski|rule[- ]of[- ](?:five|5)|drug-?like|veber|ghose|oral(?:ly)? (?:bio)?availab", drug_likeness),
        ("descriptor", r"^(?!.*\b(?:more|fewer|less|higher|lower|most|least|than|compare)\b).*(?:(?:hydrogen|h)[- ]?bond (?:donor|acceptor)|"
                       r"\bhb[da]\b|rotatable bonds?|\btpsa\b|polar surface area|\blog ?p\b|octanol[- ]water)", descriptor),
    )
)


def _calculator_for(text: str) -> tuple[str, Calculator] | None:
    return next(((name, calc) for name, pattern, calc in CALCULATORS if pattern.search(text)), None)


def calculator_name(text: str) -> str | None:
    """The calculation a part's words ask for, if any."""
    found = _calculator_for(text)
    return found[0] if found else None


def compute(part: Part, subjects: Subjects) -> Outcome:
    """The answers to one asked part (empty when no calculator is asked for, or none applies)."""
    for name, pattern, calculator in CALCULATORS:  # the first calculator the words ask for that can answer
        if not pattern.search(part.text):
            continue
        if name not in _FORMULA_CALCULATIONS and not subjects.molecules and subjects.ambiguous:
            return [NotComputed(family=name, subject=formula, part=part.index,
                                reason=f"{formula} is the formula of several compounds ({', '.join(names)}); name the one meant")
                    for formula, names in subjects.ambiguous.items()]
        if outcome := calculator(part, subjects):
            return outcome
    return []


# Calculations a formula alone settles; the others need the one compound a formula stands for.
_FORMULA_CALCULATIONS = frozenset({"balance_equation", "reaction_enthalpy", "oxidation_state", "empirical_formula", "combustion_oxygen",
                                   "mass_percent", "grams_moles", "limiting_reagent", "ideal_gas", "ph", "solution"})
