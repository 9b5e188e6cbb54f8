"""A real `tristage serve` (scripted model) driven by real clients: the openai SDK, LangChain, httpx."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import httpx
import openai
import pytest

from serve.process import ServerProcess

pytestmark = pytest.mark.slow

KEY = "sk-test-key"
ANSWER = "Water is a molecule of two hydrogen atoms and one oxygen atom."


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    env = {
        "TRISTAGE_BACKEND__KIND": "scripted",
        "TRISTAGE_BACKEND__OPTIONS": json.dumps({"replies": [ANSWER]}),
        "TRISTAGE_SERVE__MAX_BODY_BYTES": "20000",
    }
    with ServerProcess(["--api-key", KEY, "--no-ui"], env=env) as running:
        yield running


@pytest.fixture
def client(server: ServerProcess) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.base_url}/v1", api_key=KEY, max_retries=0)


def ask(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def test_models_lists_the_assistants_that_load(client: openai.OpenAI) -> None:
    ids = [model.id for model in client.models.list()]
    assert "general" in ids
    assert set(ids) <= {"general", "chem", "breakout"}


def test_chat_completion_has_the_openai_shape_usage_and_the_tristage_field(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="general", messages=ask("What is water?"))
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.content.startswith(ANSWER)
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.completion_tokens == len(ANSWER.split())
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens
    extension = completion.model_extra["tristage"]
    assert extension["status"] == "unverified"  # general chat: no tool checks it
    assert [record["stage"] for record in extension["trace"]] == ["detect", "reason", "verify"]
    assert completion.id == f"chatcmpl-{extension['request_id']}"


def test_conversation_history_reaches_the_model(client: openai.OpenAI) -> None:
    messages = [
        {"role": "developer", "content": "Be brief."},
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Hi."},
        {"role": "user", "content": "What is water?"},
    ]
    completion = client.chat.completions.create(model="general", messages=messages)
    prompt = completion.model_extra["tristage"]["trace"][1]["model_calls"][0]["prompt"]
    assert [m["role"] for m in prompt] == ["system", "user", "assistant", "user"]
    assert prompt[2]["content"] == "Hi."


def test_stream_concatenates_to_the_answer_with_progress_and_a_final_extension(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="general", messages=ask("What is water?"), stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith(ANSWER)
    events = [c.model_extra["tristage"]["event"] for c in chunks if "event" in (c.model_extra.get("tristage") or {})]
    kinds = [event["type"] for event in events]
    assert kinds[0] == "stage_started" and "token" in kinds and "check" in kinds
    assert "".join(e["text"] for e in events if e["type"] == "token") == ANSWER
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finals) == 1 and finals[0].choices[0].finish_reason == "stop"
    assert finals[0].model_extra["tristage"]["status"] == "unverified"
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == len(ANSWER.split())


def test_missing_or_wrong_key_is_401_in_openai_shape(server: ServerProcess) -> None:
    wrong = openai.OpenAI(base_url=f"{server.base_url}/v1", api_key="sk-wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        wrong.models.list()
    assert caught.value.body["code"] == "invalid_api_key"
    bare = httpx.post(f"{server.base_url}/v1/chat/completions", json={"model": "general", "messages": ask("hi")})
    assert bare.status_code == 401 and bare.json()["error"]["type"] == "authentication_error"
    assert httpx.get(f"{server.base_url}/health").status_code == 200  # health needs no key


def test_unknown_model_is_404_with_a_suggestion(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="chemm", messages=ask("hi"))
    assert caught.value.body["code"] == "model_not_found"
    assert "did you mean 'chem'" in caught.value.body["message"]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": "general", "messages": []}, "messages"),
        ({"model": "general", "messages": ask("hi"), "n": 2}, "n"),
        ({"model": "general", "messages": [{"role": "tool", "content": "x"}]}, "messages.0.role"),
        ({"model": "general", "messages": ask("hi"), "attachments": [{"kind": "path", "path": "/etc/passwd"}]},
         "attachments.0.kind"),
        ({"model": "general", "messages": ask("hi"), "options": {"max_repairs": 99}}, None),
        ({"model": "general", "messages": ask("hi"), "options": {"nonsense": 1}}, "options"),
    ],
)
def test_invalid_requests_are_400_naming_the_field(server: ServerProcess, body: dict, param: str | None) -> None:
    response = httpx.post(f"{server.base_url}/v1/chat/completions", json=body,
                          headers={"Authorization": f"Bearer {KEY}"})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["message"]
    if param:
        assert error["param"] == param


def test_unknown_endpoints_are_404_in_openai_shape(server: ServerProcess) -> None:
    auth = {"Authorization": f"Bearer {KEY}"}
    for method, path in (("GET", "/v1/embeddings"), ("GET", "/v1/chat/completions")):
        response = httpx.request(method, f"{server.base_url}{path}", headers=auth)
        assert response.status_code == 404 and response.json()["error"]["code"] == "unknown_endpoint"


def test_not_json_is_400(server: ServerProcess) -> None:
    response = httpx.post(f"{server.base_url}/v1/chat/completions", content=b"{nope",
                          headers={"Authorization": f"Bearer {KEY}"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"


def test_oversized_body_is_413(client: openai.OpenAI) -> None:
    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model="general", messages=ask("x" * 30_000))
    assert caught.value.status_code == 413
    assert caught.value.body["code"] == "request_too_large"


def test_empty_question_is_a_400_bad_input_with_the_trace(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="general", messages=ask("   "))
    assert caught.value.body["code"] == "bad_input"
    assert "empty" in caught.value.body["message"]
    assert caught.value.response.json()["tristage"]["trace"][0]["stage"] == "detect"


def test_bad_input_in_a_stream_raises_an_api_error(client: openai.OpenAI) -> None:
    with pytest.raises(openai.APIError) as caught:
        list(client.chat.completions.create(model="general", messages=ask(" "), stream=True))
    assert "empty" in caught.value.message


def test_attachments_inline_file_part_and_extension_field(client: openai.OpenAI) -> None:
    csv = "date,open,high,low,close,volume\n2024-01-02,1,2,0.5,1.5,100\n"
    part = {"type": "file", "file": {"filename": "bars.csv",
                                     "file_data": "data:text/csv;base64," + base64.b64encode(csv.encode()).decode()}}
    completion = client.chat.completions.create(
        model="general",
        messages=[{"role": "user", "content": [{"type": "text", "text": "What is water?"}, part]}],
        extra_body={"attachments": [{"kind": "ticker", "ticker": "AAPL", "start": "2020-01-01"}]},
    )
    assert completion.choices[0].message.content.startswith(ANSWER)
    broken = {"type": "file", "file": {"filename": "x.bin", "file_data": "not base64!"}}
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="general", messages=[{"role": "user", "content": [broken]}])


def test_an_attached_many_ticker_file_is_screened_as_the_scan_cli_scores_it(client: openai.OpenAI, tmp_path) -> None:
    import pandas as pd
    from typer.testing import CliRunner

    from assistants.market.samples import sample_ohlcv
    from serve.cli import app

    parts = [sample_ohlcv(f"bokeh/{t}").loc["2012-09":"2012-11"].reset_index().assign(ticker=t)
             for t in ("AAPL", "IBM", "MSFT")]
    parts.append(parts[1].head(10).assign(ticker="TINY"))
    path = tmp_path / "universe.csv"
    pd.concat(parts).to_csv(path, index=False, float_format="%.2f", date_format="%Y-%m-%d")
    data = base64.b64encode(path.read_bytes()).decode()
    part = {"type": "file", "file": {"filename": "universe.csv", "file_data": f"data:text/csv;base64,{data}"}}
    completion = client.chat.completions.create(
        model="breakout", messages=[{"role": "user", "content": [{"type": "text", "text": "Which breakouts?"}, part]}])
    text, extension = completion.choices[0].message.content, completion.model_extra["tristage"]
    assert extension["status"] == "verified" and extension["result"]["task"] == "screen"
    assert text.startswith("Screened 3 tickers") and "1 skipped (TINY: 10 bars" in text
    done = CliRunner().invoke(app, ["breakout", "scan", "--data", str(path), "--out", str(tmp_path / "events.csv")])
    assert done.exit_code == 0, done.output
    events = pd.read_csv(tmp_path / "events.csv", dtype={"judgment": str})
    ranking = extension["result"]["ranking"]
    assert ranking and extension["result"]["facts"]["events"] == len(events)
    for row in ranking:
        found = events[(events["ticker"] == row["ticker"]) & (events["date"] == row["date"])].iloc[0]
        assert (found["direction"], found["judgment"], found["outcome"], int(found["confirmations"])) == (
            row["direction"], row["judgment"], row["outcome"], row["confirmations"])
        assert found["probability"] == pytest.approx(row["probability"], rel=1e-5)


def test_request_ids_are_echoed_and_reused(server: ServerProcess) -> None:
    response = httpx.post(
        f"{server.base_url}/v1/chat/completions",
        json={"model": "general", "messages": ask("What is water?")},
        headers={"Authorization": f"Bearer {KEY}", "X-Request-ID": "trace-me-42"},
    )
    assert response.headers["x-request-id"] == "trace-me-42"
    assert response.json()["id"] == "chatcmpl-trace-me-42"
    assert response.json()["tristage"]["request_id"] == "trace-me-42"
    assert "[trace-me-42] POST /v1/chat/completions -> 200" in server.log()
    generated = httpx.get(f"{server.base_url}/health").headers["x-request-id"]
    assert len(generated) == 32


def test_health_reports_readiness(server: ServerProcess) -> None:
    assert httpx.get(f"{server.base_url}/health").json() == {"status": "ok"}  # without the key: status only
    health = httpx.get(f"{server.base_url}/health", headers={"Authorization": f"Bearer {KEY}"}).json()
    assert health["status"] == "ok" and health["ready"] is True and "general" in health["assistants"]
    assert httpx.get(f"{server.base_url}/health/ready").status_code == 200


def test_langchain_chat_openai_invoke_and_stream(server: ServerProcess) -> None:
    from langchain_openai import ChatOpenAI

    chat = ChatOpenAI(base_url=f"{server.base_url}/v1", api_key=KEY, model="general", max_retries=0)
    message = chat.invoke("What is water?")
    assert message.content.startswith(ANSWER)
    assert message.usage_metadata["output_tokens"] == len(ANSWER.split())
    streamed = "".join(str(piece.content) for piece in chat.stream("What is water?"))
    assert streamed.startswith(ANSWER)


def test_tristage_serves_its_own_openai_backend(server: ServerProcess) -> None:
    """One tristage can be the model of another: the openai backend against this server."""
    from stages.backends.base import GenerationParams
    from stages.backends.openai_compat import OpenAIBackend
    from stages.messages import Message

    backend = OpenAIBackend(f"{server.base_url}/v1", "general", api_key=KEY)
    question = [Message(role="user", content="What is water?")]
    assert backend.complete(question, GenerationParams()).text.startswith(ANSWER)
    streamed = "".join(delta.text for delta in backend.stream(question, GenerationParams()))
    assert streamed.startswith(ANSWER)
