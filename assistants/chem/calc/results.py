"""One computed answer and the values a reply must state to give it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Value(BaseModel):
    """A value a reply must state: a number in one of its units, a yes or no, a text, or a molecule named first."""

    kind: Literal["number", "yes_no", "text", "first"]
    number: float | None = None
    unit: str = ""
    tolerance: float = Field(0.0, description="absolute, in `unit`")
    alternatives: list[tuple[float, str, float]] = Field(default_factory=list, description="(number, unit, tolerance) in other units")
    yes: bool | None = None
    text: str = ""
    among: list[str] = Field(default_factory=list, description="for kind first: every compared molecule's label")
    named: list[str] = Field(default_factory=list, description="for a number: words one of which the sentence stating it "
                             "must use (an element's symbol or name: '4 O atoms', not '4 atoms of aspirin')")


class Computed(BaseModel):
    """What one tool computed for one asked part, in the sentence a reply leads with."""

    family: str = Field(description="what kind of question it answers, e.g. flash_point")
    subject: str = Field(description="the molecule, formula or equation it is about")
    sentence: str = Field(description="the answer in words, with its value and unit")
    facts: list[str] = Field(default_factory=list, description="the labelled lines behind it, with sources")
    values: list[Value] = Field(default_factory=list)
    source: str = Field(description="which tool or table made the call")
    part: int = Field(0, description="the asked part it answers")


class NotComputed(BaseModel):
    """A question a calculator recognised but could not answer, and why, in words."""

    family: str
    subject: str
    reason: str
    part: int = 0
