"""OpenAIBackend against a real HTTP server on a loopback port (faults scripted per request)."""

from __future__ import annotations

import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from openai_fake_server import FakeOpenAIServer, Fault, fake_server  # noqa: F401 - fixture
from pydantic import BaseModel, SecretStr

from assistants.general.assistant import GeneralAssistant
from stages.backends import make_backend
from stages.backends.base import BackendError, BackendTimeout, BackendUnavailable, GenerationParams
from stages.backends.openai_compat import OpenAIBackend, RetryPolicy, json_schema_format, retry_after_s
from stages.backends.structured import complete_json
from stages.config import BackendConfig
from stages.messages import Message, RunOptions, ask
from stages.pipeline import Pipeline
from stages.reply import Status

QUESTION = [
    Message(role="system", content="Be brief."),
    Message(role="user", content="How many carbons in benzene?"),
]
FAST = RetryPolicy(max_retries=3, base_s=0.001, max_wait_s=2.0, jitter=0.1)


def backend_for(server: FakeOpenAIServer, **kwargs: object) -> OpenAIBackend:
    options = {"model": "fake-chem", "retry": FAST, **kwargs}
    return OpenAIBackend(server.base_url, **options)  # type: ignore[arg-type]


def test_complete_returns_text_usage_and_sends_the_parameters(fake_server: FakeOpenAIServer) -> None:
    params = GenerationParams(max_tokens=50, temperature=0.3, seed=7)
    completion = backend_for(fake_server).complete(QUESTION, params)
    assert completion.text == fake_server.reply
    assert completion.model == "fake-chem"
    assert (completion.prompt_tokens, completion.completion_tokens) == (7, 8)
    assert completion.finish_reason == "stop"
    body = fake_server.requests[0].body
    assert body["messages"] == [m.model_dump() for m in QUESTION]
    assert (body["max_tokens"], body["temperature"], body["top_p"], body["seed"]) == (50, 0.3, 1.0, 7)
    assert "stream" not in body and "extra_body" not in body
    assert fake_server.requests[0].headers["authorization"] == "Bearer EMPTY"


def test_stream_yields_deltas_then_a_completion_with_usage(fake_server: FakeOpenAIServer) -> None:
    deltas = list(backend_for(fake_server).stream(QUESTION, GenerationParams()))
    texts = [d.text for d in deltas if d.text]
    assert len(texts) == 8 and "".join(texts) == fake_server.reply
    final = deltas[-1].completion
    assert final is not None and final.text == fake_server.reply
    assert (final.prompt_tokens, final.completion_tokens) == (7, 8)
    body = fake_server.requests[0].body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


def test_stream_tolerates_a_server_that_sends_no_usage(fake_server: FakeOpenAIServer) -> None:
    fake_server.send_usage = False
    final = list(backend_for(fake_server).stream(QUESTION, GenerationParams()))[-1].completion
    assert final is not None and final.text == fake_server.reply
    assert (final.prompt_tokens, final.completion_tokens) == (0, 0)


def test_stop_and_max_tokens_reach_the_server(fake_server: FakeOpenAIServer) -> None:
    backend = backend_for(fake_server)
    stopped = backend.complete(QUESTION, GenerationParams(stop=[" It is"]))
    assert stopped.text == "Benzene has six carbon atoms."
    assert fake_server.requests[0].body["stop"] == [" It is"]
    cut = list(backend.stream(QUESTION, GenerationParams(max_tokens=3)))[-1].completion
    assert cut is not None and cut.text == "Benzene has six" and cut.finish_reason == "length"


def test_vllm_parameters_travel_in_extra_body(fake_server: FakeOpenAIServer) -> None:
    params = GenerationParams(repetition_penalty=1.1, extra_body={"top_k": 5, "min_p": 0.05})
    backend_for(fake_server).complete(QUESTION, params)
    body = fake_server.requests[0].body
    assert (body["repetition_penalty"], body["top_k"], body["min_p"]) == (1.1, 5, 0.05)


def test_retries_429_then_succeeds(fake_server: FakeOpenAIServer) -> None:
    fake_server.faults = [Fault(429)]
    assert backend_for(fake_server).complete(QUESTION, GenerationParams()).text == fake_server.reply
    assert len(fake_server.requests) == 2


def test_retries_503_twice_then_succeeds_while_streaming(fake_server: FakeOpenAIServer) -> None:
    fake_server.faults = [Fault(503), Fault(503)]
    final = list(backend_for(fake_server).stream(QUESTION, GenerationParams()))[-1].completion
    assert final is not None and final.text == fake_server.reply
    assert len(fake_server.requests) == 3


def test_retries_a_dropped_connection(fake_server: FakeOpenAIServer) -> None:
    fake_server.faults = [Fault(drop=True)]
    assert backend_for(fake_server).complete(QUESTION, GenerationParams()).text == fake_server.reply
    assert len(fake_server.requests) == 2


def test_retry_after_is_honoured(fake_server: FakeOpenAIServer) -> None:
    fake_server.faults = [Fault(429, headers={"Retry-After": "1"})]
    backend_for(fake_server).complete(QUESTION, GenerationParams())
    first, second = fake_server.requests
    assert second.at - first.at >= 0.95


def test_exhausted_retries_end_in_a_clear_error(fake_server: FakeOpenAIServer) -> None:
    fake_server.faults = [Fault(503)] * 5
    with pytest.raises(BackendError, match="still answered 503 after 2 retries: fake fault 503"):
        backend = backend_for(fake_server, retry=FAST.model_copy(update={"max_retries": 2}))
        backend.complete(QUESTION, GenerationParams())
    assert len(fake_server.requests) == 3


def test_other_client_errors_are_not_retried(fake_server: FakeOpenAIServer) -> None:
    fake_server.faults = [Fault(400)]
    with pytest.raises(BackendError, match=r"refused the request \(400\): fake fault 400"):
        backend_for(fake_server).complete(QUESTION, GenerationParams())
    assert len(fake_server.requests) == 1


def test_timeout_raises_backend_timeout_without_retrying(fake_server: FakeOpenAIServer) -> None:
    fake_server.faults = [Fault(delay_s=1.5)]
    started = time.monotonic()
    with pytest.raises(BackendTimeout, match="did not answer within 0.3 s"):
        backend_for(fake_server, timeout_s=0.3).complete(QUESTION, GenerationParams())
    assert time.monotonic() - started < 1.2
    assert len(fake_server.requests) == 1


def test_a_stream_that_stalls_raises_backend_timeout(fake_server: FakeOpenAIServer) -> None:
    fake_server.chunk_delay_s = 0.6
    texts = []
    with pytest.raises(BackendTimeout, match="stopped sending for more than 0.3 s"):
        for delta in backend_for(fake_server, timeout_s=0.3).stream(QUESTION, GenerationParams()):
            texts.append(delta.text)
    assert texts == []


def test_connection_refused_is_backend_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    retry = FAST.model_copy(update={"max_retries": 1})
    backend = OpenAIBackend(f"http://127.0.0.1:{port}/v1", "m", retry=retry)
    with pytest.raises(BackendUnavailable, match=rf"cannot reach http://127.0.0.1:{port}/v1: .*refused"):
        backend.complete(QUESTION, GenerationParams())


def test_rejected_api_key_says_so(fake_server: FakeOpenAIServer) -> None:
    fake_server.api_key = "right"
    with pytest.raises(BackendError, match=r"rejected the API key \(401\)"):
        backend_for(fake_server, api_key="wrong").complete(QUESTION, GenerationParams())
    assert len(fake_server.requests) == 1
    assert backend_for(fake_server, api_key="right").complete(QUESTION, GenerationParams()).text


class Compound(BaseModel):
    name: str
    carbons: int


def test_structured_output_is_requested_and_validated(fake_server: FakeOpenAIServer) -> None:
    fake_server.reply = '{"name": "benzene", "carbons": 6}'
    parsed = backend_for(fake_server).complete_json(QUESTION, GenerationParams(), Compound)
    assert parsed == Compound(name="benzene", carbons=6)
    response_format = fake_server.requests[0].body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "Compound"
    assert response_format["json_schema"]["strict"] is True
    assert response_format["json_schema"]["schema"] == Compound.model_json_schema()


def test_a_schema_in_the_params_reaches_the_server_when_streaming(fake_server: FakeOpenAIServer) -> None:
    fake_server.reply = '{"name": "benzene", "carbons": 6}'
    params = GenerationParams(json_schema=Compound.model_json_schema())
    deltas = list(backend_for(fake_server).stream(QUESTION, params))
    assert "".join(d.text for d in deltas) == fake_server.reply
    body = fake_server.requests[0].body
    assert body["stream"] is True and body["response_format"]["json_schema"]["schema"] == Compound.model_json_schema()


def test_the_generic_structured_call_works_on_the_openai_backend(fake_server: FakeOpenAIServer) -> None:
    fake_server.reply = '{"name": "benzene", "carbons": 6}'
    backend = backend_for(fake_server)
    assert backend.capabilities.json_schema
    assert complete_json(backend, QUESTION, GenerationParams(), Compound) == Compound(name="benzene", carbons=6)
    assert fake_server.requests[0].body["response_format"]["json_schema"]["name"] == "Compound"


@pytest.mark.parametrize(
    ("reply", "problem"),
    [("Benzene has six carbons.", "Invalid JSON"), ('{"name": "benzene", "carbons": "six"}', "at carbons")],
)
def test_invalid_structured_output_is_a_clear_error(
    fake_server: FakeOpenAIServer, reply: str, problem: str
) -> None:
    fake_server.reply = reply
    with pytest.raises(BackendError, match=f"did not return valid Compound JSON.*{problem}"):
        backend_for(fake_server).complete_json(QUESTION, GenerationParams(), Compound)


def test_cancel_stops_reading_the_stream(fake_server: FakeOpenAIServer) -> None:
    fake_server.reply = " ".join(f"word{i}" for i in range(40))
    fake_server.chunk_delay_s = 0.02
    cancel = threading.Event()
    texts = []
    final = None
    for delta in backend_for(fake_server).stream(QUESTION, GenerationParams(), cancel):
        if delta.text:
            texts.append(delta.text)
            cancel.set()
        final = delta.completion or final
    assert final is not None and final.finish_reason == "cancelled"
    assert len(texts) == 1


def test_from_config_needs_a_base_url_and_defaults_the_key(fake_server: FakeOpenAIServer) -> None:
    with pytest.raises(BackendError, match="needs base_url"):
        OpenAIBackend.from_config(BackendConfig(kind="openai"))
    with pytest.raises(BackendError, match="needs an http\\(s\\) base URL .* not 'localhost:8000/v1'"):
        OpenAIBackend.from_config(BackendConfig(kind="openai", base_url="localhost:8000/v1"))
    config = BackendConfig(
        kind="openai",
        model="served",
        base_url=fake_server.base_url,
        max_retries=1,
        options={"retry": {"base_s": 0.01}},
    )
    backend = make_backend(config)
    assert isinstance(backend, OpenAIBackend)
    assert backend.retry.max_retries == 1 and backend.retry.base_s == 0.01
    backend.complete(QUESTION, GenerationParams())
    assert fake_server.requests[0].headers["authorization"] == "Bearer EMPTY"
    keyed = OpenAIBackend.from_config(config.model_copy(update={"api_key": SecretStr("s3cret")}))
    keyed.complete(QUESTION, GenerationParams())
    assert fake_server.requests[1].headers["authorization"] == "Bearer s3cret"
    assert fake_server.requests[1].body["model"] == "served"


def test_general_assistant_runs_on_the_openai_backend(fake_server: FakeOpenAIServer) -> None:
    reply = Pipeline(GeneralAssistant(), backend_for(fake_server)).run(ask("How many carbons in benzene?"))
    assert reply.status is Status.UNVERIFIED  # general chat is never checked by a tool
    assert reply.text.startswith(fake_server.reply)
    assert reply.usage.completion_tokens == 8
    assert reply.trace[1].model_calls[0].backend == "openai"


def test_retry_policy_waits_grow_are_capped_and_follow_retry_after() -> None:
    policy = RetryPolicy(base_s=1.0, max_wait_s=5.0, jitter=0.25)
    assert 1.0 <= policy.wait_s(0, None) <= 1.25
    assert 4.0 <= policy.wait_s(2, None) <= 5.0
    assert policy.wait_s(6, None) == 5.0
    assert policy.wait_s(0, 2.5) == 2.5 and policy.wait_s(0, 60) == 5.0


def test_retry_after_reads_milliseconds_seconds_and_dates() -> None:
    assert retry_after_s({"retry-after-ms": "250"}) == 0.25
    assert retry_after_s({"retry-after": "3"}) == 3.0
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    assert 25 < (retry_after_s({"retry-after": later}) or 0) <= 30
    assert retry_after_s({"retry-after": "soon"}) is None and retry_after_s({}) is None


def test_schema_names_are_made_safe() -> None:
    named = json_schema_format({"title": "Breakout report v1.2"})
    assert named["json_schema"]["name"] == "Breakout_report_v1_2"
    assert json_schema_format({})["json_schema"]["name"] == "response"


def test_a_retry_that_would_outlast_the_run_is_not_made(fake_server: FakeOpenAIServer) -> None:
    fake_server.faults = [Fault(503, headers={"Retry-After": "30"})]
    backend = backend_for(fake_server, retry=FAST.model_copy(update={"max_wait_s": 60}))
    started = time.monotonic()
    reply = Pipeline(GeneralAssistant(), backend).run(ask("Hi", options=RunOptions(max_wall_s=5)))
    assert time.monotonic() - started < 5 and len(fake_server.requests) == 1
    assert reply.status is Status.ERROR and "still answered 503 after 0 retries" in reply.reason


def test_a_chem_schema_the_server_rejects_falls_back_to_a_free_draft(fake_server: FakeOpenAIServer) -> None:
    from assistants.chem.assistant import ChemAssistant

    fake_server.faults = [Fault(400)]
    fake_server.reply = "Answer: The SMILES of ethanol is CCO.\nSMILES: CCO"
    reply = Pipeline(ChemAssistant(phrasing="model"), backend_for(fake_server)).run(ask("What is the SMILES of ethanol?"))
    schema_request, free_request = fake_server.requests[:2]
    assert "response_format" in schema_request.body and "response_format" not in free_request.body
    reason = next(record for record in reply.trace if record.stage == "reason")
    assert "refused the request (400)" in reason.data["fields"]["schema_rejected"]
    assert reply.status is Status.VERIFIED and "CCO" in reply.text
