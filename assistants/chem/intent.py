"""What a chemistry question asks, as data: which quantities, compared how, yes/no, "why".

Verify checks an answer covers every item; the composer answers it first, in a sentence, when it
rebuilds a reply from tool facts. Only the words of the question decide it, never the answer.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

# RDKit descriptors a question can ask for and compare, by their DescriptorSet field.
DESCRIPTOR_KEYS = ("hbd", "hba", "logp", "tpsa", "rotatable_bonds")
# Quantities a question can ask for, each with the words that ask for it. Order is the order answers
# give them in. Properties mirror the store's keys; representations are computed by RDKit.
QUANTITY_WORDS: tuple[tuple[str, str], ...] = (
    # "Given the molecular SMILES: X" gives a SMILES; it does not ask for one
    ("smiles", r"(?<!given )(?<!molecular )(?<!input )\bsmiles\b(?!\s*(?:string\s*)?:)|\bstructure\b|\bdraw\b|\bdepict"),
    ("name", r"\b(?:iupac|systematic|common)\s+name\b|\bname (?:of|for) (?:this|the|it)|\bwhat is (?:this|it) called\b"),
    ("inchikey", r"\binchi-?key\b"),
    ("inchi", r"\binchi\b(?!-?key)"),
    ("cas", r"\bcas\b(?: (?:number|registry|rn|no))?"),
    ("formula", r"formula"),
    ("mass", r"molecular weight|molar mass|\bmass\b|\bmw\b|\bweigh(?:s|t|ts|ing)?\b|\bheavy\b|heavier|heaviest|lighter|lightest"),
    ("boiling_point", r"boil|volatil|\bb\.?p\.?(?![\w.])"),
    ("melting_point", r"melt|freez|\bm\.?p\.?(?![\w.])"),
    ("critical_temperature", r"critical temp|\btc\b"),
    ("critical_pressure", r"critical pres|\bpc\b"),
    ("critical_volume", r"critical vol|\bvc\b"),
    ("acentric_factor", r"acentric"),
    ("hbd", r"(?:hydrogen|h)[- ]?bond donors?|\bdonors?\b"),
    ("hba", r"(?:hydrogen|h)[- ]?bond acceptors?|\bacceptors?\b"),
    ("logp", r"\blogp\b|lipophilic"),
    ("tpsa", r"\btpsa\b|polar surface"),
    ("rotatable_bonds", r"rotatable"),
    ("descriptors", r"logp|tpsa|polar surface|lipinski|rule of (?:five|5)|h-?bond|donor|acceptor|rotatable|descriptor|drug-?like"),
    ("functional_groups", r"functional group"),
    ("properties", r"propert"),
)
COMPARABLE = ("boiling_point", "melting_point", "critical_temperature", "mass", *DESCRIPTOR_KEYS)
_HIGHER = r"higher|larger|greater|bigger|heavier|more|highest|largest|heaviest|hotter"
_LOWER = r"lower|smaller|less|lighter|lowest|smallest|lightest|colder"
_COMPARISON = re.compile(rf"\b(?:which|what|who|whos|who's)\b[^?]*?\b(?P<dir>{_LOWER}|{_HIGHER})\b|"
                         rf"\b(?:boils?|melts?|weighs?)\s+(?P<dir2>{_HIGHER}|{_LOWER})\b|\b(?P<dir3>{_HIGHER}|{_LOWER})(?:\s+[\w-]+){{0,3}}?\s+than\b|"
                         rf"\bthe\s+(?P<dir4>{_HIGHER}|{_LOWER})\b|"
                         r"\bcompared?\b", re.IGNORECASE)
# Words that compare: a question with none of them asks for values, not a comparison.
COMPARATIVE = re.compile(rf"\b(?:{_HIGHER}|{_LOWER}|compare\w*|rank\w*|versus|vs\.?|\w+er than|most|least)\b", re.IGNORECASE)
_WHY = re.compile(r"\bwhy\b|\bexplain\b|\bhow come\b|\breason\b|\baccount for\b", re.IGNORECASE)
DIFFERENCE = re.compile(
    r"\bby how (?:much|many)\b|\bhow much (?:heavier|lighter|higher|lower|more|less|hotter|colder)\b|\bdifference\b|"
    r"\bdiffer(?:s)? by\b|\bhow many (?:degrees|kelvins?|grams?|g/mol|daltons?|units?)\b|\bby what margin\b|\bmargin\b|"
    r"\bgap\b|\bhow far apart\b|\bhow big is the (?:gap|difference)\b", re.IGNORECASE)
# "Do A and B have the same formula?", "Is X the same compound as Y?", "Are A and B isomers?"
_SAME_FORMULA = re.compile(r"\b(?:same|identical|different)\s+(?:molecular\s+|empirical\s+)?formula(?:e|s)?\b", re.IGNORECASE)
_SAME_COMPOUND = re.compile(
    r"\b(?:same|identical|different)\s+(?:compound|molecule|substance|chemical|species|structure)s?\b|\bthe same as\b|"
    r"\b(?:identical|the same)\s*\?", re.IGNORECASE)
_ISOMERS = re.compile(r"\bisomers?\b", re.IGNORECASE)
YES_NO = re.compile(r"^\s*(?:is|are|does|do|can|could|was|were|has|have|will|would|should)\b", re.IGNORECASE)

Direction = Literal["higher", "lower"]
Aspect = Literal["formula", "compound", "isomers"]


class Comparison(BaseModel):
    quantity: str = Field(description="a comparable quantity key, e.g. boiling_point")
    direction: Direction


class Intent(BaseModel):
    quantities: list[str] = Field(default_factory=list, description="asked for every entity")
    comparison: Comparison | None = None
    difference: bool = Field(False, description="the comparison asks by how much")
    sameness: Aspect | None = Field(None, description="asks whether the molecules share a formula, are one compound, or are isomers")
    asks_different: bool = Field(False, description="the sameness question is put as \"different?\": yes means not the same")
    why: bool = False
    yes_no: bool = False
    questions: int = 1


# "the formula, not the structure": a quantity named after a negation is not asked for.
_NEGATED = re.compile(r"\b(?:not|no|without|rather than|instead of|other than|(?:do|does)n'?t (?:need|want))\s+(?:the\s+|a\s+|an\s+|any\s+|its\s+)?$")


def requested_quantities(text: str) -> list[str]:
    lowered = text.lower()
    return [key for key, pattern in QUANTITY_WORDS
            if any(not _NEGATED.search(lowered[max(0, m.start() - 24): m.start()]) for m in re.finditer(pattern, lowered))]


def _direction(words: str) -> Direction:
    return "lower" if re.fullmatch(_LOWER, words.lower()) else "higher"


def read_intent(text: str) -> Intent:
    quantities = requested_quantities(text)
    comparison = None
    match = _COMPARISON.search(text)
    comparable = [q for q in quantities if q in COMPARABLE]
    if comparable and not match and DIFFERENCE.search(text):  # "the difference between the boiling points of A and B"
        comparison = Comparison(quantity=comparable[0], direction="higher")
    if match and comparable:
        words = match.group("dir") or match.group("dir2") or match.group("dir3") or match.group("dir4") or "higher"
        direction = _direction(words)
        if "volatil" in text.lower() and comparable[0] == "boiling_point":
            direction = "lower" if direction == "higher" else "higher"  # more volatile: boils lower
        comparison = Comparison(quantity=comparable[0], direction=direction)
    sameness: Aspect | None = None
    if _SAME_FORMULA.search(text):
        sameness = "formula"
    elif _ISOMERS.search(text) and YES_NO.search(text):
        sameness = "isomers"
    elif _SAME_COMPOUND.search(text):
        sameness = "compound"
    sentences = [s for s in re.split(r"(?<=[?])\s+", text.strip()) if s.strip()]
    return Intent(
        quantities=quantities,
        comparison=comparison,
        difference=comparison is not None and bool(DIFFERENCE.search(text)),
        sameness=sameness,
        asks_different=sameness is not None and bool(re.search(r"\bdifferent\b|\bdiffer\b", text, re.IGNORECASE)),
        why=bool(_WHY.search(text)),
        yes_no=bool(YES_NO.search(text)) and not re.search(r"\bor\b", text, re.IGNORECASE),  # "Does A or B …?" asks which
        questions=max(1, sum(1 for s in sentences if s.rstrip().endswith("?"))),
    )
