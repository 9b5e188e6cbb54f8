"""Multiple-choice chemistry questions the tools can settle: every option evaluated, one chosen.

Two shapes are settled by tools: a comparison over options that are molecules ("Which has the
highest boiling point? A. ethanol B. water …") and an identity question about one named molecule
whose options are structures, formulas, names or masses ("What is the formula of caffeine?
A. C8H10N4O2 …"). Anything else is left to the model, and the reply says the choice is unchecked.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from stages.choices import Option

if TYPE_CHECKING:
    from assistants.chem.facts import ChemFacts
    from assistants.chem.resolve import MoleculeRecord

_NUMBER = re.compile(r"^[-−]?\d+(?:\.\d+)?")


class ChoiceFacts(BaseModel):
    options: list[Option]
    chosen: list[str] = Field(default_factory=list, description="the option(s) the tools choose; empty when they cannot")
    basis: str = Field("", description="why, in words: the value behind each option")


def _option_molecules(option: Option, molecules: list[MoleculeRecord]) -> list[MoleculeRecord]:
    text = option.text.lower()
    return [m for m in molecules if re.search(rf"(?<![\w-]){re.escape(m.query.lower())}(?![\w-])", text)]


def _by_comparison(facts: ChemFacts, per_option: dict[str, list[MoleculeRecord]]) -> ChoiceFacts | None:
    from assistants.chem.coverage import shown_value, value_of

    comparison = facts.intent.comparison
    if comparison is None or not all(len(found) == 1 for found in per_option.values()):
        return None
    values = {label: value_of(found[0], comparison.quantity) for label, found in per_option.items()}
    if any(v is None for v in values.values()):
        return None
    ranked = sorted(values, key=lambda label: float(values[label]), reverse=comparison.direction == "higher")  # type: ignore[arg-type]
    if float(values[ranked[0]]) == float(values[ranked[1]]):  # type: ignore[arg-type]
        return None
    basis = "; ".join(f"{label}: {shown_value(comparison.quantity, values[label])}" for label in per_option)  # type: ignore[arg-type]
    return ChoiceFacts(options=facts.request.choices.options, chosen=[ranked[0]], basis=basis)  # type: ignore[union-attr]


def _matches(option: Option, target: MoleculeRecord, found: list[MoleculeRecord], family: str) -> bool | None:
    """Whether an option states the target's identity (None: the option cannot be judged)."""
    from assistants.chem.checks import near_mass
    from assistants.chem.facts import formula_counts, typed_formula_counts

    text = option.text.strip().rstrip(".")
    if found:
        return any(m.inchikey == target.inchikey for m in found)
    if family == "formula" and (counts := typed_formula_counts(text.replace(" ", ""))):
        return formula_counts(target.formula) in counts
    if family == "mass" and (number := _NUMBER.match(text)):
        return near_mass(float(number.group(0).replace("−", "-")), [target.average_mass])
    return None


def _by_identity(facts: ChemFacts, per_option: dict[str, list[MoleculeRecord]]) -> ChoiceFacts | None:
    request = facts.request
    in_options = {m.inchikey for found in per_option.values() for m in found}
    targets = [m for m in facts.molecules if m.inchikey not in in_options]
    if request is None or len(targets) != 1 or request.family not in ("structure", "formula", "mass", "name"):
        return None
    verdicts = {o.label: _matches(o, targets[0], per_option[o.label], request.family) for o in request.choices.options}
    right = [label for label, ok in verdicts.items() if ok]
    if any(v is None for v in verdicts.values()) or len(right) != 1:
        return None
    return ChoiceFacts(options=request.choices.options, chosen=right,
                       basis=f"{right[0]} states the {request.family} of {targets[0].query} ({targets[0].formula})")


def judge_options(facts: ChemFacts) -> ChoiceFacts | None:
    """The options as the tools judge them; None when the question lists none."""
    request = facts.request
    if request is None or not request.options:
        return None
    per_option = {o.label: _option_molecules(o, facts.molecules) for o in request.choices.options}
    return (_by_comparison(facts, per_option) or _by_identity(facts, per_option)
            or ChoiceFacts(options=request.choices.options))
