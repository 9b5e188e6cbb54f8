"""OpenAI wire format <-> engine requests and replies, checked against the openai SDK's own models."""

from __future__ import annotations

import base64

import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from pydantic import ValidationError

from serve.schemas import ChatCompletionRequest, chunk, completion_body, finish_reason, to_engine_request
from stages.backends.scripted import ScriptedBackend
from stages.messages import ask
from stages.pipeline import Pipeline
from stages.reply import Reply, Status

from assistants.general.assistant import GeneralAssistant


def chat(**fields: object) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate({"model": "general", **fields})


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_messages_roles_and_options_map_onto_the_engine_request() -> None:
    request = to_engine_request(
        chat(
            messages=[
                {"role": "developer", "content": "Be brief."},
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": None},
                {"role": "user", "content": "and now?"},
            ],
            temperature=0.3,
            max_completion_tokens=50,
            max_tokens=10,
            options={"max_repairs": 0, "tools": False},
        ),
        "rid-1",
    )
    assert [(m.role, m.content) for m in request.messages] == [
        ("system", "Be brief."), ("user", "hi"), ("assistant", ""), ("user", "and now?")
    ]
    assert request.request_id == "rid-1"
    options = request.options
    assert (options.temperature, options.max_tokens, options.max_repairs, options.tools) == (0.3, 50, 0, False)


def test_inline_file_parts_and_the_extension_field_become_attachments() -> None:
    csv = "date,close\n2024-01-02,1.5\n"
    request = to_engine_request(
        chat(
            messages=[{"role": "user", "content": [
                {"type": "text", "text": "Is this a breakout?"},
                {"type": "file", "file": {"filename": "bars.csv", "file_data": f"data:text/csv;base64,{b64(csv)}"}},
                {"type": "file", "file": {"filename": "fp.txt", "file_data": b64("footprint")}},
            ]}],
            attachments=[{"kind": "ticker", "ticker": "AAPL", "start": "2020-01-01", "end": "2020-06-30"}],
        ),
        "rid",
    )
    assert request.last_user_text == "Is this a breakout?"
    assert [(a.kind, a.name, a.text) for a in request.attachments[:2]] == [
        ("text", "bars.csv", csv), ("text", "fp.txt", "footprint")
    ]
    ticker = request.attachments[2]
    assert (ticker.kind, ticker.ticker, ticker.start, ticker.end) == ("ticker", "AAPL", "2020-01-01", "2020-06-30")


@pytest.mark.parametrize(
    "fields",
    [
        {"messages": []},
        {"messages": [{"role": "user", "content": "hi"}], "n": 3},
        {"messages": [{"role": "function", "content": "hi"}]},
        {"messages": [{"role": "user", "content": "hi"}], "attachments": [{"kind": "path", "path": "/etc/passwd"}]},
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]},
        {"messages": [{"role": "user", "content": "hi"}], "options": {"unknown": 1}},
        {"messages": [{"role": "user", "content": "hi"}], "temperature": 5},
    ],
)
def test_requests_tristage_cannot_honour_are_rejected(fields: dict) -> None:
    with pytest.raises(ValidationError):
        chat(**fields)


def test_binary_or_broken_files_are_rejected_with_their_name() -> None:
    for data in ("***", base64.b64encode(b"\xff\xfe\x00").decode()):
        parsed = chat(messages=[{"role": "user", "content": [
            {"type": "file", "file": {"filename": "blob.bin", "file_data": data}}]}])
        with pytest.raises(ValueError, match="blob.bin"):
            to_engine_request(parsed, "rid")


def run(text: str, replies: list[str]) -> Reply:
    return Pipeline(GeneralAssistant(), ScriptedBackend(replies)).run(ask(text))


def test_completion_body_is_a_valid_openai_chat_completion() -> None:
    reply = run("What is water?", ["Water is H2O."])
    body = completion_body(reply, "general", "abc")
    parsed = ChatCompletion.model_validate(body)
    assert parsed.id == "chatcmpl-abc" and parsed.choices[0].message.content.startswith("Water is H2O.")
    assert parsed.usage is not None and parsed.usage.total_tokens == reply.usage.total_tokens
    assert body["tristage"]["status"] == "unverified" and body["tristage"]["request_id"] == "abc"


def test_chunks_are_valid_openai_chunks_with_and_without_a_choice() -> None:
    with_choice = ChatCompletionChunk.model_validate(chunk("general", "abc", 1, {"content": "x"}, "stop"))
    assert with_choice.choices[0].delta.content == "x" and with_choice.choices[0].finish_reason == "stop"
    usage_only = ChatCompletionChunk.model_validate(chunk("general", "abc", 1, None, usage={
        "prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}))
    assert usage_only.choices == [] and usage_only.usage is not None


def test_finish_reasons() -> None:
    assert finish_reason(run("q", ["A full answer."])) == "stop"
    long = run("q", [" ".join(["word"] * 300)])
    assert long.trace[1].model_calls[0].finish_reason == "length"
    assert finish_reason(long) == "length"
    refused = Reply(assistant="chem", text="no", status=Status.REFUSED)
    assert finish_reason(refused) == "content_filter"
