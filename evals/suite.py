"""Suites as data: each item carries the question and the rules that judge its answer.

A suite file (YAML) names the assistant it exercises and lists items; every item says how it is
scored (structure match by InChIKey, numeric tolerance, label, required and forbidden claims,
multiple-choice letter), so adding a benchmark never needs code. The `version` is bumped when
a prompt or a rule changes, so results of different versions are never compared by mistake.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from stages.atomic import write_text
from stages.messages import Attachment


class StructureRule(BaseModel):
    """The answer names or draws the molecule with this InChIKey (SMILES or a name resolved by the tools)."""

    kind: Literal["structure"] = "structure"
    inchikey: str
    via: Literal["smiles", "name"] = Field("smiles", description="What the answer must give: a SMILES or a name")
    skeleton: bool = Field(False, description="Compare only the connectivity block (ignore stereo and charge)")


class FormulaRule(BaseModel):
    """The answer states this molecular formula (compared as element counts, so order does not matter)."""

    kind: Literal["formula"] = "formula"
    formula: str


class NumericRule(BaseModel):
    """A number in the answer (after `label` if given) lies within the tolerance of `value`."""

    kind: Literal["numeric"] = "numeric"
    value: float
    tolerance: float = Field(0.0, ge=0, description="Absolute tolerance")
    rel_tolerance: float = Field(0.0, ge=0, description="Relative tolerance, e.g. 0.01 for 1%")
    label: str | None = Field(None, description="Regex of the words that introduce the number, e.g. 'weight|mass'")
    unit: Literal["", "K", "g/mol"] = Field("", description="K: temperatures in °C/°F/K are converted")

    @model_validator(mode="after")
    def _some_tolerance(self) -> NumericRule:
        if self.tolerance == 0 and self.rel_tolerance == 0:
            self.tolerance = 1e-9
        return self


class LabelRule(BaseModel):
    """One of a few labels; the label the answer gives last (after 'Answer:' if present) counts."""

    kind: Literal["label"] = "label"
    field: str = "label"
    value: str
    choices: dict[str, list[str]] = Field(description="label -> words (regexes) that mean it")

    @model_validator(mode="after")
    def _value_is_a_choice(self) -> LabelRule:
        if self.value not in self.choices:
            raise ValueError(f"label {self.value!r} is not one of {sorted(self.choices)}")
        return self


class ClaimsRule(BaseModel):
    """Every `required` regex occurs in the answer and no `forbidden` one does (case-insensitive)."""

    kind: Literal["claims"] = "claims"
    required: list[str] = Field(default_factory=list)
    forbidden: list[str] = Field(default_factory=list)


class ChoiceRule(BaseModel):
    """A multiple-choice letter, extracted OpenCompass-style."""

    kind: Literal["choice"] = "choice"
    answer: Literal["A", "B", "C", "D"]


class LettersRule(BaseModel):
    """ChemBench's multiple choice: any number of options, one or more right; the set of letters
    given must equal the set of right ones (no partial credit)."""

    kind: Literal["letters"] = "letters"
    answers: list[str] = Field(min_length=1, description="The right letters")
    options: int = Field(ge=2, le=26, description="How many options the question lists (A, B, ...)")


class CaptionRule(BaseModel):
    """A free-text description graded against a reference (BLEU, ROUGE, METEOR); no pass or fail."""

    kind: Literal["caption"] = "caption"
    reference: str = Field(min_length=1)


class MoleculeRule(BaseModel):
    """The first SMILES in the answer is this molecule (or set of molecules, for reactants); also
    graded by validity and fingerprint similarity."""

    kind: Literal["molecule"] = "molecule"
    smiles: str = Field(min_length=1)


class RankedRule(BaseModel):
    """Where this molecule (or reactant set) comes in the ranked candidates a reply offers: the SMILES
    its text gives, in order, then the tool's ranked candidates it carries (the question's own
    molecules are never a candidate). Graded as top-k hits; `judged`: it also passes or fails, on top-1."""

    kind: Literal["ranked"] = "ranked"
    smiles: str = Field(min_length=1)
    ks: list[int] = Field(default_factory=lambda: [1, 5, 10], min_length=1)
    judged: bool = Field(False, description="Pass when the first candidate is the expected one")


Rule = Annotated[
    StructureRule | FormulaRule | NumericRule | LabelRule | ClaimsRule | ChoiceRule | LettersRule | CaptionRule
    | MoleculeRule | RankedRule,
    Field(discriminator="kind"),
]


class Item(BaseModel):
    id: str
    task: str
    question: str
    attachments: list[Attachment] = Field(default_factory=list)
    rules: list[Rule] = Field(min_length=1)
    judge: str | None = Field(None, description="What an LLM judge should look for, beyond the rules")
    meta: dict[str, Any] = Field(default_factory=dict)


class Suite(BaseModel):
    name: str
    version: int = 1
    description: str
    assistant: Literal["general", "chem", "breakout"]
    source: str = Field("", description="Where the items come from")
    items: list[Item]

    @model_validator(mode="after")
    def _unique_ids(self) -> Suite:
        seen: set[str] = set()
        for item in self.items:
            if item.id in seen:
                raise ValueError(f"duplicate item id {item.id!r}")
            seen.add(item.id)
        return self

    def select(self, limit: int | None = None, seed: int = 0) -> list[Item]:
        """A seeded sample: the same seed gives the same items, whatever the file's order."""
        def rank(item: Item) -> str:
            return hashlib.sha256(f"{seed}:{item.id}".encode()).hexdigest()

        chosen = sorted(self.items, key=rank)
        return chosen[:limit] if limit is not None else chosen


class SuiteError(ValueError):
    """A suite cannot be found or read; the message says what to fix."""


def load_suite_file(path: Path) -> Suite:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Suite.model_validate(data)
    except OSError as exc:
        raise SuiteError(f"cannot read suite {path}: {exc}") from exc
    except (yaml.YAMLError, ValidationError) as exc:
        raise SuiteError(f"suite {path.name} is malformed: {' '.join(str(exc).split())[:500]}") from exc


def write_suite_file(suite: Suite, path: Path) -> Path:
    """Write a suite as YAML (atomically: temp file, then rename)."""
    data = suite.model_dump(mode="json", exclude_none=True)
    return write_text(path, yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120))
