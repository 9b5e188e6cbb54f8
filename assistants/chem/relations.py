"""How two resolved molecules relate, and the yes/no a "same?" question gets from that.

"Do ethanol and dimethyl ether have the same formula?" and "Is CD4 the same compound as methane?"
are answered by comparing what RDKit computed (formula, InChIKey and its connectivity block), so the
composer's verdict and the check of a draft's verdict come from this one place.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel

from assistants.chem.intent import Aspect, Intent
from assistants.chem.resolve import MoleculeRecord

Relation = Literal["identical", "isotopologues", "stereoisomers", "isomers", "different"]

_YES = re.compile(r"^\W*(?:yes|yeah|correct|true)\b|\b(?:are|is|have|has|share)\s+the same\b|\bidentical\b|\bboth (?:have|are|share)\b",
                  re.IGNORECASE)
_NO = re.compile(r"^\W*(?:no|not|false|incorrect)\b|\bnot\b[^.]{0,40}\bsame\b|\bdiffer(?:ent|s)?\b|\bisotopologue|\b(?:are|is) not\b",
                 re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n")
_ANSWER_LABEL = re.compile(r"^\s*\**answer\**\s*:\s*", re.IGNORECASE)


class Verdict(BaseModel):
    """The tools' yes/no to a sameness question and the sentence that says it."""

    yes: bool
    relation: Relation
    sentence: str


def relation(a: MoleculeRecord, b: MoleculeRecord) -> Relation:
    if a.inchikey == b.inchikey:
        return "identical"
    if a.inchikey[:14] == b.inchikey[:14]:
        return "isotopologues" if a.isotopes or b.isotopes else "stereoisomers"
    return "isomers" if a.formula == b.formula else "different"


def _same(aspect: Aspect, found: Relation, a: MoleculeRecord, b: MoleculeRecord) -> bool:
    if aspect == "formula":
        return a.formula == b.formula
    if aspect == "isomers":
        return found in ("isomers", "stereoisomers")
    return found == "identical"


_KINDS = {
    "identical": "they are one compound (the same InChIKey)",
    "isotopologues": "they are isotopologues: the same connectivity with different isotopes",
    "stereoisomers": "they have the same connectivity but differ in stereochemistry or charge",
    "isomers": "they are isomers: the same formula with different structures",
    "different": "they are different compounds with different formulas",
}


def verdict(intent: Intent, molecules: list[MoleculeRecord], names: list[str]) -> Verdict | None:
    """The answer to a sameness question about the first two molecules; None when it asks none."""
    if intent.sameness is None or len(molecules) < 2:
        return None
    a, b = molecules[:2]
    found = relation(a, b)
    same = _same(intent.sameness, found, a, b)
    yes = same != intent.asks_different
    first, second = f"{names[0]} ({a.formula})", f"{names[1]} ({b.formula})"
    if intent.sameness == "formula":
        said = f"{names[0]} and {names[1]} both have the formula {a.formula}" if same else f"{first} and {second} have different formulas"
    elif intent.sameness == "isomers":
        said = f"{first} and {second} are {'isomers' if same else 'not isomers'}"
    else:
        said = f"{first} and {second} are {'the same compound' if same else 'not the same compound'}"
    plain = (found == "identical" and same) or (intent.sameness == "isomers" and found == "isomers")
    detail = "" if plain else f"; {_KINDS[found]}"
    return Verdict(yes=yes, relation=found, sentence=f"{'Yes' if yes else 'No'}: {said}{detail}.")


def stated_verdict(text: str) -> bool | None:
    """The yes or no a reply gives first (its Answer line, else its first sentence that says one)."""
    lines = [_ANSWER_LABEL.sub("", line) for line in text.splitlines() if _ANSWER_LABEL.match(line)]
    for sentence in [s for chunk in lines or [text] for s in _SENTENCE.split(chunk)]:
        no, yes = _NO.search(sentence), _YES.search(sentence)
        if no and (not yes or no.start() <= yes.start()):
            return False
        if yes:
            return True
    return None
