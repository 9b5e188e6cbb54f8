"""Structured drafts through the backend protocol: the schema asked for, the reply validated."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from stages.backends.base import BackendError, GenerationParams
from stages.backends.scripted import ScriptedBackend
from stages.backends.structured import complete_json, parse_json_reply, schema_params
from stages.messages import Message

QUESTION = [Message(role="user", content="How many carbons has benzene?")]


class Compound(BaseModel):
    name: str
    carbons: int


def test_the_model_schema_is_asked_for_unless_one_is_given() -> None:
    assert schema_params(GenerationParams(), Compound).json_schema == Compound.model_json_schema()
    own = {"type": "object"}
    assert schema_params(GenerationParams(json_schema=own), Compound).json_schema == own


def test_a_backend_that_cannot_constrain_is_still_validated() -> None:
    backend = ScriptedBackend(['{"name": "benzene", "carbons": 6}', "Benzene has six carbons."])
    assert not backend.capabilities.json_schema
    assert complete_json(backend, QUESTION, GenerationParams(), Compound) == Compound(name="benzene", carbons=6)
    with pytest.raises(BackendError, match=r"scripted:scripted did not return valid Compound JSON \(Invalid JSON"):
        complete_json(backend, QUESTION, GenerationParams(), Compound)


def test_a_wrong_field_is_named_and_a_long_reply_shortened() -> None:
    with pytest.raises(BackendError, match="at carbons"):
        parse_json_reply('{"name": "benzene", "carbons": "six"}', Compound)
    with pytest.raises(BackendError) as caught:
        parse_json_reply("x" * 500, Compound)
    assert "..." in str(caught.value) and len(str(caught.value)) < 300
