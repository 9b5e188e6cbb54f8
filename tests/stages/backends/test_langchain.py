"""LangChainBackend around LangChain's own fake chat models and around ChatOpenAI on a loopback server."""

from __future__ import annotations

import socket
import threading

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_openai import ChatOpenAI
from openai_fake_server import FakeOpenAIServer, Fault, fake_server  # noqa: F401 - fixture

from assistants.general.assistant import GeneralAssistant
from stages.backends import make_backend
from stages.backends.base import BackendError, BackendTimeout, BackendUnavailable, GenerationParams
from stages.backends.langchain import LangChainBackend, StopCutter
from stages.config import BackendConfig
from stages.messages import Message, ask
from stages.pipeline import Pipeline
from stages.reply import Status

QUESTION = [
    Message(role="system", content="Be brief."),
    Message(role="user", content="Hi"),
    Message(role="assistant", content="Hello."),
    Message(role="user", content="How many carbons in benzene?"),
]
ANSWER = "Benzene has six carbon atoms. It is aromatic."


def fake(*replies: str | AIMessage) -> LangChainBackend:
    return LangChainBackend(GenericFakeChatModel(messages=iter(replies)))


def chat_openai(server: FakeOpenAIServer, **kwargs: object) -> LangChainBackend:
    options = {"model": "served", "base_url": server.base_url, "api_key": "EMPTY", "max_retries": 0, **kwargs}
    return LangChainBackend(ChatOpenAI(**options))  # type: ignore[arg-type]


def test_complete_with_a_fake_model_reads_text_and_usage() -> None:
    usage = {"input_tokens": 11, "output_tokens": 8, "total_tokens": 19}
    reply = AIMessage(content=ANSWER, usage_metadata=usage)  # type: ignore[arg-type]
    backend = fake(reply)
    completion = backend.complete(QUESTION, GenerationParams())
    assert completion.text == ANSWER
    assert (completion.prompt_tokens, completion.completion_tokens) == (11, 8)
    assert backend.model == "generic-fake-chat-model"
    assert backend.bound(GenerationParams(temperature=0.5)) == {}


def test_stream_with_a_fake_model_yields_its_chunks() -> None:
    deltas = list(fake(ANSWER).stream(QUESTION, GenerationParams()))
    texts = [d.text for d in deltas if d.text]
    assert len(texts) > 5 and "".join(texts) == ANSWER
    assert deltas[-1].completion is not None and deltas[-1].completion.text == ANSWER


def test_stop_strings_are_applied_even_when_the_model_ignores_them() -> None:
    params = GenerationParams(stop=[" carbon atoms"])
    assert fake(ANSWER).complete(QUESTION, params).text == "Benzene has six"
    deltas = list(fake(ANSWER).stream(QUESTION, params))
    assert "".join(d.text for d in deltas) == "Benzene has six"
    assert deltas[-1].completion is not None and deltas[-1].completion.text == "Benzene has six"


def test_stop_cutter_holds_back_a_possible_stop_across_chunks() -> None:
    cutter = StopCutter(["</s>"])
    assert cutter.feed("answer <") == "answer "
    assert cutter.feed("/") == ""
    assert cutter.feed("s> junk") == ""
    assert cutter.stopped
    free = StopCutter(["</s>"])
    assert free.feed("a <b") + free.feed("c") + free.flush() == "a <bc"
    assert StopCutter([]).feed("all of it") == "all of it"


def test_cancel_stops_the_stream() -> None:
    cancel = threading.Event()
    texts = []
    final = None
    for delta in fake(ANSWER).stream(QUESTION, GenerationParams(), cancel):
        if delta.text:
            texts.append(delta.text)
            cancel.set()
        final = delta.completion or final
    assert len(texts) == 1 and final is not None and final.finish_reason == "cancelled"
    assert fake(ANSWER).complete(QUESTION, GenerationParams(), cancel).finish_reason == "cancelled"


def test_model_failures_become_backend_errors() -> None:
    with pytest.raises(BackendError, match="generic-fake-chat-model failed: StopIteration"):
        fake().complete(QUESTION, GenerationParams())


def test_chat_openai_gets_messages_bound_parameters_and_stop(fake_server: FakeOpenAIServer) -> None:
    backend = chat_openai(fake_server)
    params = GenerationParams(temperature=0.2, max_tokens=40, seed=3, stop=[" It is"])
    completion = backend.complete(QUESTION, params)
    assert completion.text == "Benzene has six carbon atoms."
    assert backend.model == "served"
    assert completion.completion_tokens == 5
    body = fake_server.requests[0].body
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user"]
    assert body["messages"][-1]["content"] == "How many carbons in benzene?"
    assert (body["temperature"], body["seed"], body["stop"]) == (0.2, 3, [" It is"])
    assert body.get("max_completion_tokens", body.get("max_tokens")) == 40


def test_chat_openai_streams_tokens_usage_and_length(fake_server: FakeOpenAIServer) -> None:
    backend = chat_openai(fake_server, stream_usage=True)
    deltas = list(backend.stream(QUESTION, GenerationParams(max_tokens=3)))
    assert [d.text for d in deltas if d.text] == ["Benzene", " has", " six"]
    final = deltas[-1].completion
    assert final is not None and final.finish_reason == "length"
    assert (final.prompt_tokens, final.completion_tokens) == (9, 3)
    assert fake_server.requests[0].body["stream"] is True


def test_chat_openai_faults_keep_their_kind(fake_server: FakeOpenAIServer) -> None:
    fake_server.faults = [Fault(delay_s=1.0)]
    with pytest.raises(BackendTimeout, match="served timed out"):
        chat_openai(fake_server, timeout=0.3).complete(QUESTION, GenerationParams())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    chat = ChatOpenAI(model="m", base_url=f"http://127.0.0.1:{port}/v1", api_key="x", max_retries=0)
    refused = LangChainBackend(chat)
    with pytest.raises(BackendUnavailable, match="cannot reach m"):
        list(refused.stream(QUESTION, GenerationParams()))


def test_from_config_builds_the_named_model(fake_server: FakeOpenAIServer) -> None:
    config = BackendConfig(
        kind="langchain",
        langchain_model="langchain_openai:ChatOpenAI",
        options={"model": "served", "base_url": fake_server.base_url, "api_key": "EMPTY", "max_retries": 0},
    )
    backend = make_backend(config)
    assert isinstance(backend, LangChainBackend)
    assert backend.complete(QUESTION, GenerationParams()).text == fake_server.reply


@pytest.mark.parametrize(
    ("target", "options", "error", "message"),
    [
        (None, {}, BackendError, "needs langchain_model as 'module:Class'"),
        ("no_such_module:Chat", {}, BackendUnavailable, "cannot import no_such_module:Chat"),
        ("stages.messages:Message", {}, BackendError, "is not a LangChain BaseChatModel"),
        ("langchain_openai:ChatOpenAI", {"temperature": "hot"}, BackendError, "cannot build langchain_o"),
    ],
)
def test_from_config_errors_are_clear(
    target: str | None, options: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        LangChainBackend.from_config(BackendConfig(kind="langchain", langchain_model=target, options=options))


def test_general_assistant_runs_on_a_langchain_model() -> None:
    reply = Pipeline(GeneralAssistant(), fake(ANSWER)).run(ask("How many carbons in benzene?"))
    assert reply.status is Status.UNVERIFIED and reply.text.startswith(ANSWER)  # general chat: unchecked
    assert reply.trace[1].model_calls[0].backend == "langchain"
