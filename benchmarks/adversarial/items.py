"""The adversarial trust set as typed items, and how a reply's text is held to an item's expected facts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistants.chem.draft import parse_draft
from assistants.chem.formulas import formula_counts, typed_formula_counts
from assistants.chem.molecule import InvalidSmiles, inchi_key
from benchmarks.adversarial.bars import BarsSpec, dates
from stages.reply import Status

QUESTIONS = Path(__file__).with_name("questions.yaml")
PLAIN_CHAT = Path(__file__).with_name("plain_chat.yaml")  # 25 questions as a new user types them, for model runs
CATEGORIES = (
    "basics", "comparison", "why", "multi_entity", "long_names", "salts", "isotopes", "reactions", "unknown_names",
    "out_of_scope", "injection", "replayed_drafts", "breakout", "general", "safety", "bad_input", "plain_chat",
)
AssistantName = Literal["chem", "breakout", "general"]
_PLACEHOLDER = re.compile(r"\{(last_date|date\[(-?\d+)\]|repeat)\}")
_NUMBER = re.compile(r"[-−]?\d+(?:\.\d+)?")
_WORDLIKE = re.compile(r"^\w[\w\s'-]*\w$|^\w$")


class NumberSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    any_of: list[float] = Field(min_length=1)
    tol: float = Field(gt=0)


class Expect(BaseModel):
    """What a right reply shows; `status` lists every status that agrees with the item."""

    model_config = ConfigDict(extra="forbid")

    status: list[Status] = Field(min_length=1)
    smiles: list[str] = Field(default_factory=list)
    exact_structure: bool = False
    formula: list[str] = Field(default_factory=list)
    number: list[NumberSpec] = Field(default_factory=list)
    contains: list[str] = Field(default_factory=list)
    not_contains: list[str] = Field(default_factory=list)
    leads_with: str | None = None
    rivals: list[str] = Field(default_factory=list)
    non_answer: bool = False
    max_seconds: float = Field(60.0, gt=0, description="a reply later than this is a failure (bounded time)")

    @field_validator("status", "smiles", "formula", "number", "contains", "not_contains", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        """One value may be written without a list."""
        return [value] if isinstance(value, (str, dict)) else value

    @property
    def has_facts(self) -> bool:
        return bool(self.smiles or self.formula or self.number or self.contains or self.not_contains or self.leads_with)


class Repeat(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: str = Field(min_length=1)
    times: int = Field(ge=1, le=100_000)


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    category: str
    assistant: AssistantName
    question: str
    expect: Expect
    draft: list[str] = Field(default_factory=list, description="model outputs replayed by the scripted backend")
    bars: BarsSpec | None = None
    repeat: Repeat | None = None

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str) -> str:
        if value not in CATEGORIES:
            raise ValueError(f"unknown category {value!r}")
        return value

    def fill(self, text: str) -> str:
        """`text` with its bar dates and repeated unit put in."""
        days = dates(self.bars) if self.bars else []

        def value(match: re.Match[str]) -> str:
            if match.group(1) == "repeat":
                return self.repeat.unit * self.repeat.times if self.repeat else match.group(0)
            if not days:
                return match.group(0)
            return days[-1] if match.group(1) == "last_date" else days[int(match.group(2))]

        return _PLACEHOLDER.sub(value, text)

    @property
    def text(self) -> str:
        return self.fill(self.question)


def load_items(path: Path = QUESTIONS) -> list[Item]:
    """Every item, validated; duplicate ids are an error."""
    items = [Item.model_validate(raw) for raw in yaml.safe_load(path.read_text(encoding="utf-8"))]
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise ValueError(f"duplicate item id {item.id!r}")
        seen.add(item.id)
    return items


def _key(smiles: str, exact: bool) -> str | None:
    try:
        key = inchi_key(smiles)
    except InvalidSmiles:
        return None
    return key if exact else key.split("-")[0]


def _mentions(text: str, word: str) -> int:
    """Where a word or token first appears (word-bounded for words, as a substring for SMILES), or -1.
    "a | b" is either alternative, wherever the first of them appears."""
    folded = " ".join(text.casefold().split())
    places = []
    for needle in (w.strip().casefold() for w in word.split(" | ")):
        if _WORDLIKE.match(needle):
            found = re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", folded)
            places.append(found.start() if found else -1)
        else:
            places.append(folded.find(needle))
    return min((p for p in places if p >= 0), default=-1)


def first_sentence(text: str) -> str:
    line = next((line for line in text.strip().splitlines() if line.strip()), "")
    return re.split(r"(?<=[.!?])\s", line.strip(), maxsplit=1)[0]


_MORE = re.compile(r"\b(?:higher|heavier|larger|greater|bigger|more|hotter)\b", re.IGNORECASE)
_LESS = re.compile(r"\b(?:lower|lighter|smaller|less|colder)\b", re.IGNORECASE)


def _turned_round(between: str, question: str) -> bool:
    """Whether the words from a rival to the answer turn the question's comparison round: "Benzene is
    lighter than toluene" answers "Which is heavier?" with the rival named first."""
    opposite = _LESS if _MORE.search(question) else _MORE if _LESS.search(question) else None
    return opposite is not None and bool(opposite.search(between)) and bool(re.search(r"\bthan\b", between))


def missing_facts(item: Item, text: str) -> list[str]:
    """The expected facts a reply's text lacks (or forbidden words it has), in words; empty when all hold."""
    expect = item.expect
    parsed = parse_draft(text)
    problems: list[str] = []
    given = [*parsed.smiles, *(part for s in parsed.smiles if "." in s for part in s.split("."))]  # a reactant set's members
    keys = {_key(s, expect.exact_structure) for s in given}
    problems += [f"no SMILES of {s}" for s in expect.smiles if _key(s, expect.exact_structure) not in keys]
    readings = [r for f in parsed.formulas for r in typed_formula_counts(f)]
    problems += [f"no formula {f}" for f in expect.formula if formula_counts(f) not in readings]
    numbers = [float(n.replace("−", "-")) for n in _NUMBER.findall(text)]
    for spec in expect.number:
        if not any(abs(n - v) <= spec.tol for n in numbers for v in spec.any_of):
            problems.append(f"no number within {spec.tol} of {spec.any_of}")
    problems += [f"lacks {item.fill(w)!r}" for w in expect.contains if _mentions(text, item.fill(w)) < 0]
    problems += [f"contains {item.fill(w)!r}" for w in expect.not_contains if _mentions(text, item.fill(w)) >= 0]
    if expect.leads_with:
        lead = first_sentence(text)
        at = _mentions(lead, expect.leads_with)
        rivals = [r for r in expect.rivals if 0 <= _mentions(lead, r) < at
                  and not _turned_round(lead[_mentions(lead, r):at], item.question)]
        if at < 0 or rivals:
            problems.append(f"first sentence does not lead with {expect.leads_with!r}: {lead[:80]!r}")
    return problems
