"""Each assistant's own options, set as `assistants.<name>.<option>` beside that assistant's backend
overrides; typed here so a value such as `structured = "false"` means what it says, and a misspelt
option is refused when the settings load instead of falling back to its default."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Phrasing = Literal["model", "template"]


class AssistantOptions(BaseModel):
    """The options one assistant reads; every other key is refused."""

    model_config = ConfigDict(extra="forbid")


class GeneralOptions(AssistantOptions):
    """Plain chat has no options of its own: its section holds backend overrides only."""


_PHRASING = "model: the model phrases the tool facts; template: replies composed from them, no model call"


class ChemOptions(AssistantOptions):
    phrasing: Phrasing = Field("model", description=_PHRASING)
    structured: bool = Field(True, description="Schema-constrained drafts where the backend supports them")


class BreakoutOptions(AssistantOptions):
    phrasing: Phrasing = Field("model", description=_PHRASING)
