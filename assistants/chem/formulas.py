"""Element counts of formulas and structures: the one reading of a formula that detect, the checks, the
calculators, the reaction tools and the evals share, so none of them can disagree on what a formula says."""

from __future__ import annotations

import re

from assistants.chem.molecule import formula

_MONOATOMIC_ION = re.compile(r"^([A-Z][a-z]?)(\d+)([+-])$")
# A net charge as tools write it after the counts: signs, then an optional magnitude ("+", "-2", "++").
_CHARGE_SUFFIX = re.compile(r"[+-]+\d*$")


def charged_formula(text: str) -> str:
    """How a person writing "Fe3+" means it: iron with charge 3+ ("Fe+3"), not three iron atoms.
    Only for typed text: RDKit and the store write a charge of one without a digit ("N3-" is azide)."""
    return _MONOATOMIC_ION.sub(r"\1\3\2", text.strip())


def formula_counts(text: str) -> dict[str, int] | None:
    """Element counts of a formula as tools write it, or None when it does not parse.

    The charge says nothing about the atoms, so it is dropped whole: every trailing sign and the magnitude
    after them ("NH4+", "SO4-2", "Fe++"). Digits before a sign are counts ("N3-" is azide, three nitrogens);
    `typed_formula_counts` adds the reading a person means by "Fe3+"."""
    from chemicals.elements import nested_formula_parser

    try:
        return dict(sorted(nested_formula_parser(_CHARGE_SUFFIX.sub("", text.strip())).items()))
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def typed_formula_counts(text: str) -> list[dict[str, int]]:
    """Every reading of a formula a person or a model typed: as written, and as a monoatomic ion."""
    readings = [formula_counts(text), formula_counts(charged_formula(text))]
    return [r for i, r in enumerate(readings) if r is not None and r not in readings[:i]]


def element_counts(smiles_list: list[str]) -> dict[str, int]:
    """Atoms of each element over several structures together (one side of a reaction)."""
    from chemicals.elements import nested_formula_parser

    total: dict[str, int] = {}
    for smiles in smiles_list:
        for element, n in nested_formula_parser(formula(smiles)).items():
            total[element] = total.get(element, 0) + n
    return total
