"""Typed events a streaming run yields, in the order they happen."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from stages.reply import CheckResult, Reply, StageRecord


class StageStarted(BaseModel):
    type: Literal["stage_started"] = "stage_started"
    stage: str
    attempt: int = 0


class StageFinished(BaseModel):
    type: Literal["stage_finished"] = "stage_finished"
    record: StageRecord


class CheckDone(BaseModel):
    type: Literal["check"] = "check"
    attempt: int = 0
    check: CheckResult


class Token(BaseModel):
    """A piece of model output; drafts of later attempts replace earlier ones."""

    type: Literal["token"] = "token"
    attempt: int = 0
    text: str


class Final(BaseModel):
    type: Literal["final"] = "final"
    reply: Reply


Event = Annotated[
    StageStarted | StageFinished | CheckDone | Token | Final, Field(discriminator="type")
]
