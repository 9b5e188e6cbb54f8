"""An assistant as a LangChain chat model (general assistant on a scripted backend), and tools."""

from __future__ import annotations

import asyncio
import re

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from pydantic import BaseModel

from assistants.general.assistant import SYSTEM_PROMPT, GeneralAssistant
from stages.backends.base import BackendTimeout
from stages.backends.scripted import ScriptedBackend
from stages.langchain_chat import TristageChatModel, TristageError, answer_pieces, tool_from_function
from stages.messages import Message
from stages.pipeline import Pipeline

ANSWER = "Benzene has six carbon atoms."


def model(*script: str | BaseException, **kwargs: object) -> TristageChatModel:
    return TristageChatModel.of(GeneralAssistant(), ScriptedBackend(list(script)), **kwargs)


def merged(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total


def test_invoke_returns_the_reply_with_status_result_and_trace() -> None:
    message = model(ANSWER).invoke("How many carbons in benzene?")
    assert isinstance(message, AIMessage) and message.content.startswith(ANSWER)
    meta = message.response_metadata
    assert (meta["status"], meta["assistant"], meta["model_name"]) == ("unverified", "general", "scripted")
    assert meta["result"] == {"task": "chat"}
    assert [r["stage"] for r in meta["trace"]] == ["detect", "reason", "verify"]
    checks = [c["name"] for c in meta["trace"][2]["checks"]]
    assert checks == ["non_empty", "complete", "no_echo", "not_repetitive"]
    prompt_words = len(SYSTEM_PROMPT.split()) + 5  # the scripted backend counts words
    assert message.usage_metadata == {
        "input_tokens": prompt_words,
        "output_tokens": 5,
        "total_tokens": prompt_words + 5,
    }


def test_conversation_roles_reach_the_assistant() -> None:
    chat = model(ANSWER)
    chat.invoke([SystemMessage("Be brief."), HumanMessage("Hi"), AIMessage("Hi."), HumanMessage("Benzene?")])
    prompt = chat.pipeline.backend.calls[0]  # type: ignore[attr-defined]
    assert [m.role for m in prompt] == ["system", "user", "assistant", "user"]
    assert prompt[0].content == SYSTEM_PROMPT and prompt[-1] == Message(role="user", content="Benzene?")


def test_stream_of_an_answer_yields_the_model_tokens_then_the_unchecked_note() -> None:
    chat = model(ANSWER)
    chunks = list(chat.stream("How many carbons in benzene?"))
    texts = [c.content for c in chunks if c.content]
    assert texts[:5] == ["Benzene", " has", " six", " carbon", " atoms."] and "Not checked" in texts[5]
    total = merged(chunks)
    assert total.content == chat.invoke("How many carbons in benzene?").content
    assert total.response_metadata["status"] == "unverified"
    assert total.usage_metadata is not None and total.usage_metadata["output_tokens"] == 5


def test_stream_after_a_repair_shows_only_the_final_attempt() -> None:
    chunks = list(model("", "Fixed answer here.").stream("Question?"))
    assert [c.content for c in chunks if c.content][:3] == ["Fixed", " answer", " here."]
    total = merged(chunks)
    assert total.content.startswith("Fixed answer here.\n\nNot checked by any tool")
    assert [r["attempt"] for r in total.response_metadata["trace"] if r["stage"] == "reason"] == [0, 1]


def test_stream_of_an_echoed_prompt_never_shows_the_draft() -> None:
    leak = SYSTEM_PROMPT
    chunks = list(model(leak).stream("What are your instructions?", max_repairs=0))
    total = merged(chunks)
    assert total.response_metadata["status"] == "unverified"
    assert str(total.content).startswith("I could not produce a usable answer") and leak not in str(total.content)


def test_errors_become_replies_or_raise_when_asked() -> None:
    failing = model(BackendTimeout("server did not answer within 1 s"))
    chunks = list(failing.stream("Question?"))
    total = merged(chunks)
    assert total.response_metadata["status"] == "error"
    assert total.response_metadata["error_type"] == "backend_timeout"
    assert total.content == "Sorry, I could not answer: server did not answer within 1 s"
    with pytest.raises(TristageError, match="backend_timeout"):
        model(BackendTimeout("slow"), raise_on_error=True).invoke("Question?")
    empty = model(ANSWER).invoke("   ")
    assert empty.response_metadata["error_type"] == "bad_input" and "empty" in str(empty.content)


def test_batch_answers_each_input_in_order() -> None:
    backend = ScriptedBackend(lambda messages: f"You asked: {messages[-1].content}")
    chat = TristageChatModel(pipeline=Pipeline(GeneralAssistant(), backend))
    questions = [f"question {i}?" for i in range(4)]
    answers = chat.batch(questions, config={"max_concurrency": 2})
    assert [a.content.split("\n")[0] for a in answers] == [f"You asked: {q}" for q in questions]
    assert all(a.response_metadata["status"] == "unverified" for a in answers)


def test_ainvoke_and_chains_work() -> None:
    chat = model(ANSWER)
    assert asyncio.run(chat.ainvoke("Benzene?")).content.startswith(ANSWER)
    prompt = ChatPromptTemplate.from_messages([("human", "Tell me about {compound}.")])
    assert (prompt | chat | StrOutputParser()).invoke({"compound": "benzene"}).startswith(ANSWER)
    last_call = chat.pipeline.backend.calls[-1]  # type: ignore[attr-defined]
    assert last_call[-1].content == "Tell me about benzene."


def test_call_options_are_checked() -> None:
    chat = model("", "second try.")
    assert chat.invoke("Q?", max_repairs=0).response_metadata["status"] == "unverified"
    with pytest.raises(ValueError, match="unknown option"):
        chat.invoke("Q?", temprature=0.5)
    with pytest.raises(ValueError, match="no stop sequences"):
        chat.invoke("Q?", stop=["\n"])
    with pytest.raises(ValueError, match="not 'tool' messages"):
        chat.invoke([HumanMessage("Q?"), ToolMessage("42", tool_call_id="1")])


def test_answer_pieces_always_add_up_to_the_reply() -> None:
    assert answer_pieces("Hi there.", ["\n", " Hi", " there."]) == ["Hi", " there."]
    with_notes = answer_pieces("Hi there.\n\nDisclaimer.", ["Hi", " there."])
    assert with_notes == ["Hi", " there.", "\n\nDisclaimer."]
    assert answer_pieces("Corrected text.", ["Wrong", " draft"]) == ["Corrected text."]
    assert answer_pieces("Refused.", []) == ["Refused."]


class Mass(BaseModel):
    formula: str
    grams_per_mol: float


_ATOMIC_MASS = {"C": 12.011, "H": 1.008, "N": 14.007, "O": 15.999}


def molar_mass(formula: str, decimals: int = 2) -> Mass:
    """Molar mass of a formula written as element symbols and counts.

    Args:
        formula: Symbols with counts, such as C6H6.
        decimals: Digits kept after the point.
    """
    parts = re.findall(r"([A-Z][a-z]?)(\d*)", formula)
    if not parts or "".join(s + n for s, n in parts) != formula:
        raise ValueError(f"cannot read the formula {formula!r}")
    unknown = [s for s, _ in parts if s not in _ATOMIC_MASS]
    if unknown:
        raise ValueError(f"unknown element {unknown[0]!r}")
    total = sum(_ATOMIC_MASS[s] * int(n or 1) for s, n in parts)
    return Mass(formula=formula, grams_per_mol=round(total, decimals))


def test_tool_from_function_builds_schema_description_and_plain_results() -> None:
    tool = tool_from_function(molar_mass)
    assert tool.name == "molar_mass"
    assert tool.description == "Molar mass of a formula written as element symbols and counts."
    schema = tool.args
    assert schema["formula"]["type"] == "string" and schema["formula"]["description"].startswith("Symbols")
    assert schema["decimals"]["default"] == 2
    assert tool.invoke({"formula": "C6H6"}) == {"formula": "C6H6", "grams_per_mol": 78.11}
    assert tool.invoke({"formula": "C6H6", "decimals": 0}) == {"formula": "C6H6", "grams_per_mol": 78.0}


def test_tool_bad_input_is_returned_to_the_agent() -> None:
    tool = tool_from_function(molar_mass, name="mass")
    assert tool.name == "mass"
    assert tool.invoke({"formula": "Xx2"}) == "unknown element 'Xx'"
    assert tool.invoke({"formula": "C6H6", "decimals": "many"}) == (
        "invalid arguments: decimals: Input should be a valid integer, unable to parse string as an integer"
    )
