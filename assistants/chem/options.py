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

from assistants.chem.calc.check import stated
from assistants.chem.formulas import formula_counts, typed_formula_counts
from assistants.chem.resolve import MoleculeRecord, label
from assistants.chem.values import near_mass, shown_value, value_of
from stages.choices import Option

if TYPE_CHECKING:
    from assistants.chem.facts import ChemFacts

_NUMBER = re.compile(r"^[-−]?\d+(?:\.\d+)?")
_BARE_NUMBER = re.compile(r"[-−+]?\d+(?:\.\d+)?")
# Questions whose options state the asked molecule's identity; any other question about a molecule
# (its conjugate acid, the strongest base in it) is not answered by the option that is the molecule.
_IDENTITY_FAMILIES = frozenset({"structure", "name", "identifier", "formula", "mass"})


class ChoiceFacts(BaseModel):
    options: list[Option]
    chosen: list[str] = Field(default_factory=list, description="the option(s) the tools choose; empty when they cannot")
    basis: str = Field("", description="why, in words: the value behind each option")


def _option_molecules(option: Option, molecules: list[MoleculeRecord]) -> list[MoleculeRecord]:
    text = option.text.lower()
    return [m for m in molecules if re.search(rf"(?<![\w-]){re.escape(m.query.lower())}(?![\w-])", text)]


def _by_comparison(facts: ChemFacts, per_option: dict[str, list[MoleculeRecord]]) -> ChoiceFacts | None:
    comparison = facts.intent.comparison
    if comparison is None or not all(len(found) == 1 for found in per_option.values()):
        return None
    values = {label: value_of(found[0], comparison.quantity) for label, found in per_option.items()}
    if any(v is None for v in values.values()):
        return None
    ranked = sorted(values, key=lambda label: float(values[label]), reverse=comparison.direction == "higher")  # type: ignore[arg-type]
    if float(values[ranked[0]]) == float(values[ranked[1]]):  # type: ignore[arg-type]
        return None
    choices = facts.request.choices  # type: ignore[union-attr]
    shown = {o.label: o.label if choices.lettered else o.text for o in choices.options}
    basis = "; ".join(f"{shown[label]}: {shown_value(comparison.quantity, values[label])}" for label in per_option)  # type: ignore[arg-type]
    return ChoiceFacts(options=facts.request.choices.options, chosen=[ranked[0]], basis=basis)  # type: ignore[union-attr]


def _matches(option: Option, target: MoleculeRecord, found: list[MoleculeRecord]) -> bool | None:
    """Whether an option states the target's identity: its structure or name (the same InChIKey), its
    formula, or its molecular weight (None: the option is none of these, so it cannot be judged)."""
    text = option.text.strip().rstrip(".")
    if found:
        return any(m.inchikey == target.inchikey for m in found)
    if counts := typed_formula_counts(text.replace(" ", "")):
        return formula_counts(target.formula) in counts
    if number := _NUMBER.match(text):
        return near_mass(float(number.group(0).replace("−", "-")), [target.average_mass])
    return None


def _one_right(facts: ChemFacts, verdicts: dict[str, bool | None], basis: str) -> ChoiceFacts | None:
    right = [label for label, ok in verdicts.items() if ok]
    if any(v is None for v in verdicts.values()) or len(right) != 1:
        return None
    return ChoiceFacts(options=facts.request.choices.options, chosen=right, basis=basis)  # type: ignore[union-attr]


def _by_identity(facts: ChemFacts, per_option: dict[str, list[MoleculeRecord]]) -> ChoiceFacts | None:
    """One molecule named in the stem, options that state structures, names, formulas or masses; or a
    formula in the stem and options that are molecules ("Which compound is C2H6O? A. ethanol …")."""
    request = facts.request
    assert request is not None
    stem = request.choices.stem.lower()
    targets = [m for m in facts.molecules if re.search(rf"(?<![\w-]){re.escape(m.query.lower())}(?![\w-])", stem)]
    options = request.choices.options
    if request.family not in _IDENTITY_FAMILIES:  # "the conjugate acid of X" is no option stating X
        return None
    if len(targets) == 1:
        target = targets[0]
        verdicts = {o.label: _matches(o, target, per_option[o.label]) for o in options}
        return _one_right(facts, verdicts, f"it states {target.query} ({target.formula})")
    stem_formulas = [f for f in facts.formulas if f.query in request.choices.stem]
    if not targets and len(stem_formulas) == 1 and all(per_option.values()):
        wanted = formula_counts(stem_formulas[0].hill)
        verdicts = {label: any(formula_counts(m.formula) == wanted for m in found) for label, found in per_option.items()}
        return _one_right(facts, verdicts, f"it is the one with formula {stem_formulas[0].hill}")
    return None


def judge_options(facts: ChemFacts) -> ChoiceFacts | None:
    """The options as the tools judge them; None when the question lists none."""
    request = facts.request
    if request is None or not request.options:
        return None
    per_option = {o.label: _option_molecules(o, facts.molecules) for o in request.choices.options}
    return (_by_computation(facts, per_option) or _by_comparison(facts, per_option) or _by_identity(facts, per_option)
            or ChoiceFacts(options=request.choices.options))


def _by_computation(facts: ChemFacts, per_option: dict[str, list[MoleculeRecord]]) -> ChoiceFacts | None:
    """Options judged against what the calculators computed: the molecule a ranking puts first, the
    number (in the option's unit), the yes or no, the formula or equation."""
    rankings = [c for c in facts.computed if any(v.kind == "first" for v in c.values)]
    if not rankings and len(facts.computed) != 1:
        return None
    computed = (rankings or facts.computed)[0]
    verdicts: dict[str, bool | None] = {}
    for option in facts.request.choices.options:  # type: ignore[union-attr]
        checks = []
        for value in computed.values:
            if value.kind == "first":
                found = per_option[option.label]
                checks.append(len(found) == 1 and label(found[0]) == value.text if found else None)
            elif value.kind == "yes_no":
                said = option.text.strip().lower().rstrip(".")
                checks.append((said in ("yes", "true")) == value.yes if said in ("yes", "no", "true", "false") else None)
            elif value.kind == "number" and (bare := _BARE_NUMBER.fullmatch(option.text.strip())) is not None:
                checks.append(abs(float(bare.group(0).replace("−", "-")) - (value.number or 0.0)) <= value.tolerance + 1e-9)
            else:
                checks.append(stated(value, f"Answer: {option.text}"))
        verdicts[option.label] = None if any(c is None for c in checks) else all(checks)
    return _one_right(facts, verdicts, computed.sentence.rstrip("."))
