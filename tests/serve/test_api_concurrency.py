"""Concurrency, queueing, 429, client disconnects and backend faults against a real server."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import openai
import pytest

from serve.process import ServerProcess, free_port

pytestmark = pytest.mark.slow

LONG = " ".join(f"word{i}" for i in range(200))  # distinct words: a loop would fail its form check


@pytest.fixture(scope="module")
def slow_server() -> Iterator[ServerProcess]:
    """Each answer takes 1 s before its first token, then 200 tokens at 20 ms: ~5 s in all."""
    env = {
        "TRISTAGE_BACKEND__KIND": "scripted",
        "TRISTAGE_BACKEND__OPTIONS": json.dumps({"replies": [LONG], "delay_s": 1.0, "token_delay_s": 0.02}),
        "TRISTAGE_SERVE__MAX_CONCURRENCY": "2",
        "TRISTAGE_SERVE__MAX_QUEUE": "1",
    }
    with ServerProcess(["--no-ui"], env=env) as running:
        yield running


def post(server: ServerProcess, text: str = "go", timeout: float = 60.0) -> httpx.Response:
    return httpx.post(f"{server.base_url}/v1/chat/completions",
                      json={"model": "general", "messages": [{"role": "user", "content": text}],
                            "max_tokens": 300}, timeout=timeout)


def wait_idle(server: ServerProcess, within_s: float) -> float:
    """Seconds until no run is active or queued; fails after `within_s`."""
    started = time.monotonic()
    while time.monotonic() - started < within_s:
        health = httpx.get(f"{server.base_url}/health").json()
        if health["active"] == 0 and health["queued"] == 0:
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"runs still active after {within_s} s: {health}")


def test_runs_in_parallel_up_to_the_limit_then_queue_then_429(slow_server: ServerProcess) -> None:
    wait_idle(slow_server, 30)
    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool, httpx.Client(base_url=slow_server.base_url, timeout=10) as probe:
        futures = [pool.submit(post, slow_server) for _ in range(4)]
        seen, slowest_health_s = [], 0.0
        while len(seen) < 40 and not all(f.done() for f in futures):
            asked = time.monotonic()
            health = probe.get("/health").json()
            slowest_health_s = max(slowest_health_s, time.monotonic() - asked)
            seen.append((health["active"], health["queued"]))
            time.sleep(0.1)
        responses = [f.result() for f in futures]
    elapsed = time.monotonic() - started
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 429]
    assert (2, 1) in seen and max(active for active, _ in seen) == 2
    # the event loop stays free while models run: a blocked loop would hold /health for a whole
    # ~5 s answer; the margin is for a loaded CI machine
    assert slowest_health_s < 2.0
    # two at once, then the queued one: about two answer-times, not three
    assert elapsed < 2 * 5.0 + 3.0
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["error"]["type"] == "rate_limit_error"


def test_a_client_that_disconnects_mid_stream_stops_the_run(slow_server: ServerProcess) -> None:
    wait_idle(slow_server, 30)
    client = openai.OpenAI(base_url=f"{slow_server.base_url}/v1", api_key="none", max_retries=0)
    stream = client.chat.completions.create(model="general", messages=[{"role": "user", "content": "go"}],
                                            stream=True, max_tokens=300)
    for chunk in stream:
        event = (chunk.model_extra.get("tristage") or {}).get("event", {})
        if event.get("type") == "token":
            break
    stream.close()
    # the run had ~4 s of tokens left; a cancelled backend stops between tokens
    assert wait_idle(slow_server, 3.0) < 2.0
    assert "stream closed before the end; run cancelled" in slow_server.log()


def test_a_client_that_disconnects_while_waiting_for_json_stops_the_run(slow_server: ServerProcess) -> None:
    wait_idle(slow_server, 30)
    with pytest.raises(httpx.ReadTimeout):
        post(slow_server, timeout=1.5)
    assert wait_idle(slow_server, 3.0) < 2.5
    assert "client disconnected; run cancelled" in slow_server.log()


def test_backend_faults_are_504_when_it_hangs_and_503_when_it_is_down() -> None:
    """The general assistant on the openai backend, pointed at a port that accepts and never
    answers (a hung model server), then at the same port closed (a server that is down)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", free_port()))
    listener.listen(16)
    host, port = listener.getsockname()
    env = {
        "TRISTAGE_BACKEND__KIND": "openai",
        "TRISTAGE_BACKEND__MODEL": "hung",
        "TRISTAGE_BACKEND__BASE_URL": f"http://{host}:{port}/v1",
        "TRISTAGE_BACKEND__TIMEOUT_S": "1",
        "TRISTAGE_BACKEND__MAX_RETRIES": "0",
    }
    with ServerProcess(["--no-ui"], env=env) as server:
        client = openai.OpenAI(base_url=f"{server.base_url}/v1", api_key="none", max_retries=0)
        question = [{"role": "user", "content": "hi"}]
        with pytest.raises(openai.APIStatusError) as hung:
            client.chat.completions.create(model="general", messages=question)
        listener.close()
        with pytest.raises(openai.APIStatusError) as down:
            client.chat.completions.create(model="general", messages=question)
    assert hung.value.status_code == 504 and hung.value.body["code"] == "backend_timeout"
    assert down.value.status_code == 503 and down.value.body["code"] == "backend_unavailable"
    for fault in (hung, down):  # the kind of failure, never the backend's host or port
        assert "the server log has the detail" in fault.value.body["message"]
        assert str(port) not in json.dumps(fault.value.body) and host not in json.dumps(fault.value.body)
