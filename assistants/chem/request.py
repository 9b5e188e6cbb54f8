"""What a chemistry question asks, as data: the task family, the answer form, the options, the unit.

Structure is read first (SMILES, reaction SMILES, names, numbers, option lists, units); then the
family by a learned reader (`stages.intent_model`) over the question with its entities masked, so
"Predict the outcome of mixing A.B.C", "A.B -> ?" and "Suggest reactants for X." are read as the
reaction questions they are whatever their wording. The family decides which tool answers, and
which asked parts no tool answers: those a reply must name as not answered, and never `verified`.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from assistants.chem.intent import YES_NO
from stages.choices import Choices, read_choices
from stages.config import get_settings
from stages.intent_model import NOT_UNDERSTOOD, Example, IntentModel, cached_model, without_instructions

EXAMPLES_FILE = Path(__file__).with_name("data") / "intent_examples.json"
MASKS = {"name": "NAMEX", "smiles": "SMILESX", "rxn": "RXNX", "formula": "FORMULAX", "num": "NUMX", "cas": "CASX"}
# Families the tools answer (the rest the model answers, unchecked, or the reply says it cannot).
TOOL_FAMILIES = frozenset({"structure", "name", "identifier", "formula", "mass", "property", "compare", "sameness", "describe",
                           "reaction_forward", "reaction_retro", "validity"})
FAMILY_WORDS = {
    "structure": "the structure (SMILES)", "name": "the name", "identifier": "the identifier asked", "formula": "the formula", "mass": "the molecular weight",
    "property": "the asked property", "compare": "the comparison", "sameness": "whether they are the same",
    "describe": "a description", "reaction_forward": "the reaction's product", "reaction_retro": "the reactants to make it",
    "reagent": "the reagents or conditions", "reaction_class": "the type of reaction",
    "validity": "whether the SMILES is valid", "structure_count": "the structural count or feature asked",
    "hazard": "the hazard or safety data asked", "spectroscopy": "the spectroscopic feature asked", "calculation": "the calculation asked",
    "concept": "the explanation asked", "out_of_scope": "a question outside chemistry",
    NOT_UNDERSTOOD: "what the question asks",
}
AnswerForm = Literal["choice", "number", "yes_no", "text"]
Unit = Literal["K", "C", "F"]

_QUESTION_END = re.compile(r"(?<=\?)\s+")
# An amount of substance, a mass, a volume or a concentration given in the question: what it asks is
# then computed from that amount, which no identity or property lookup answers.
_AMOUNT = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?\s*-?\s*(?:mol|moles|mmol|g|grams?|kg|mg|l|litres?|liters?|ml|m|molar)\b",
                     re.IGNORECASE)
_LATEX_UNIT = re.compile(r"\\(?:mathrm|text|mathrm\s*)\{\s*~?\s*([^}]*)\}")
_AMOUNT_FREE = frozenset({"structure", "name", "identifier", "formula", "mass", "property", "describe"})
_NUMBER = re.compile(r"(?<![\w.])[-−]?\d+(?:[.,]\d+)?(?:[eE][-+]?\d+)?(?![\w.])")
_CALCULATE = re.compile(r"\b(?:calculate|compute|how many|how much|what volume|what mass|determine the)\b", re.IGNORECASE)
_UNIT_WORDS: tuple[tuple[Unit, re.Pattern[str]], ...] = (
    ("F", re.compile(r"\bin\s+(?:degrees?\s+)?(?:fahrenheit|°\s*f|deg\s*f|f)\b|\bfahrenheit\b|°F", re.IGNORECASE)),
    ("K", re.compile(r"\bin\s+(?:kelvins?|k)\b", re.IGNORECASE)),
    ("C", re.compile(r"\bin\s+(?:degrees?\s+)?(?:celsius|centigrade|°\s*c|deg\s*c|c)\b|\bcelsius\b", re.IGNORECASE)),
)


class AskedPart(BaseModel):
    """One question of a message ("Is benzene flammable? What is its flash point?" asks two)."""

    text: str = Field(description="the question as the user wrote it")
    masked: str = Field(description="as the reader saw it (entities masked)")
    family: str = Field(description="the task family, or 'not_understood'")
    best: str = Field(description="the likeliest family even when not confident")
    confidence: float

    def asked(self) -> str:
        """The part in words, for a "Not answered: …" line."""
        stem = " ".join(self.text.split())
        stem = stem if len(stem) <= 160 else stem[:157] + "…"
        return f"{FAMILY_WORDS.get(self.family, 'what was asked')} (“{stem}”)"


class ChemRequest(BaseModel):
    """What was asked: read before any tool answers, and what the reply is judged against."""

    parts: list[AskedPart] = Field(min_length=1)
    choices: Choices
    answer_form: AnswerForm = "text"
    unit: Unit | None = Field(None, description="the temperature unit the user asked for")
    tagged: bool = Field(False, description="the question wants its answer inside [ANSWER]…[/ANSWER], as ChemBench's prompts do")

    @property
    def options(self) -> bool:
        return bool(self.choices.options)

    @property
    def family(self) -> str:
        """The main family: the first part's that a tool answers, else the first part's."""
        return next((p.family for p in self.parts if p.family in TOOL_FAMILIES), self.parts[0].family)

    @property
    def families(self) -> list[str]:
        return [p.family for p in self.parts]


def mask(text: str, spans: dict[str, list[str]]) -> str:
    """The question with each entity replaced by its kind's mask, longest first, numbers last."""
    masked = text
    items = sorted(((s, kind) for kind, found in spans.items() for s in found if s), key=lambda x: -len(x[0]))
    for span, kind in items:
        masked = masked.replace(span, f" {MASKS[kind]} ")
    masked = _NUMBER.sub(f" {MASKS['num']} ", masked)
    return " ".join(masked.split())


def load_examples(path: Path = EXAMPLES_FILE) -> list[Example]:
    return [Example.model_validate(row) for row in json.loads(path.read_text(encoding="utf-8"))["examples"]]


@lru_cache(maxsize=1)
def intent_model() -> IntentModel:
    return cached_model(load_examples(), get_settings().cache_dir)


def asked_unit(text: str) -> Unit | None:
    for unit, pattern in _UNIT_WORDS:
        if pattern.search(text):
            return unit
    return None


def questions(stem: str) -> list[str]:
    """The questions of a message: each sentence ending in "?" with what follows it up to the next
    question (context such as "Reactants: A.B" belongs to the question before it)."""
    merged: list[str] = []
    for piece in (p for p in _QUESTION_END.split(stem.strip()) if p.strip()):
        if merged and not piece.rstrip().endswith("?"):
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged or [stem]


def plain_units(text: str) -> str:
    """Units as exam sets typeset them ("$50.0 \\mathrm{~g}$", SciBench's LaTeX) written plainly ("50.0 g")."""
    return _LATEX_UNIT.sub(r" \1", text).replace("$", " ")


def _without_instructions(stem: str, spans: dict[str, list[str]], model: IntentModel) -> str:
    """The stem without its sentences about the answer's form; a sentence giving an amount ("A sample of
    10.0 g of methane …") is the problem's."""
    return without_instructions(stem, lambda s: model.guess(mask(s, spans)), lambda s: bool(_AMOUNT.search(plain_units(s))))


def read_request(text: str, spans: dict[str, list[str]], choices: Choices | None = None) -> ChemRequest:
    """The request model of one message; `spans` are the entities detect found, by kind, and `choices`
    the message's options when the caller has read them already."""
    choices = choices or read_choices(text)
    model = intent_model()
    parts = []
    for question in questions(_without_instructions(choices.stem, spans, model)):
        masked = mask(question, spans)
        guess = model.guess(masked)
        family = guess.label
        if family in _AMOUNT_FREE and _AMOUNT.search(plain_units(question)):  # "the mass of 0.25 mol of glucose"
            family = "calculation"
        parts.append(AskedPart(text=question, masked=masked, family=family, best=guess.best,
                               confidence=guess.confidence))
    form: AnswerForm = "choice" if choices.options else (
        "yes_no" if YES_NO.search(choices.stem) else "number" if _CALCULATE.search(choices.stem) else "text")
    return ChemRequest(parts=parts, choices=choices, answer_form=form, unit=asked_unit(choices.stem),
                       tagged="[ANSWER]" in choices.stem)
