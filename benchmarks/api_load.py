"""Latency the API adds over calling the assistant in-process, under bounded concurrent load.

The model is the scripted backend with a fixed delay, so the numbers measure the server (HTTP,
JSON, the gate, the worker-thread bridge), not a model. Baseline measured in the same run: the
same requests through `Pipeline.run` in a thread pool of the same width. Every API request must
come back 200 with the expected answer and its own request id: none failed, none lost.

    python benchmarks/api_load.py [--requests 200] [--concurrency 8] [--delay-ms 50] [--stream]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from assistants.general.assistant import GeneralAssistant
from serve.process import ServerProcess
from stages.backends.scripted import ScriptedBackend
from stages.messages import ask
from stages.pipeline import Pipeline
from stages.reply import Status

ANSWER = "Paris is the capital of France."
QUESTION = "What is the capital of France?"


def timed(fn: Callable[[], None]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def in_process(pipeline: Pipeline) -> None:
    reply = pipeline.run(ask(QUESTION))
    if reply.status is not Status.VERIFIED or reply.text != ANSWER:
        raise AssertionError(f"in-process run failed: {reply.status} {reply.text!r}")


def over_http(client: httpx.Client, stream: bool, seen: set[str]) -> None:
    rid = uuid.uuid4().hex
    body = {"model": "general", "messages": [{"role": "user", "content": QUESTION}], "stream": stream}
    headers = {"X-Request-ID": rid}
    if stream:
        with client.stream("POST", "/v1/chat/completions", json=body, headers=headers) as response:
            response.raise_for_status()
            lines = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
        chunks = [json.loads(line) for line in lines if line != "[DONE]"]
        text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
        if lines[-1] != "[DONE]":
            raise AssertionError(f"stream {rid} ended without [DONE]")
    else:
        response = client.post("/v1/chat/completions", json=body, headers=headers)
        response.raise_for_status()
        text = response.json()["choices"][0]["message"]["content"]
    if text != ANSWER or response.headers["x-request-id"] != rid:
        raise AssertionError(f"request {rid}: wrong answer {text!r} or id {response.headers['x-request-id']}")
    seen.add(rid)


def load(fn: Callable[[], None], requests: int, concurrency: int) -> list[float]:
    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(lambda _i: timed(fn), range(requests)))


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per round and side")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--delay-ms", type=float, default=50.0, help="the scripted model's fixed latency")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stream", action="store_true", help="SSE streaming instead of JSON")
    args = parser.parse_args()
    delay_s = args.delay_ms / 1000
    pipeline = Pipeline(GeneralAssistant(), ScriptedBackend([ANSWER], delay_s=delay_s))
    env = {
        "TRISTAGE_BACKEND__KIND": "scripted",
        "TRISTAGE_BACKEND__OPTIONS": json.dumps({"replies": [ANSWER], "delay_s": delay_s}),
        "TRISTAGE_SERVE__MAX_CONCURRENCY": str(args.concurrency),
        "TRISTAGE_SERVE__MAX_QUEUE": str(args.requests),
    }
    seen: set[str] = set()
    base: list[float] = []
    api: list[float] = []
    with ServerProcess(["--no-ui"], env=env) as server, httpx.Client(
        base_url=server.base_url, timeout=60, limits=httpx.Limits(max_connections=args.concurrency)
    ) as client:
        load(lambda: over_http(client, args.stream, set()), args.concurrency * 4, args.concurrency)  # warm-up
        load(lambda: in_process(pipeline), args.concurrency * 4, args.concurrency)
        for _ in range(args.rounds):  # interleaved, so drift hits both sides alike
            base += load(lambda: in_process(pipeline), args.requests, args.concurrency)
            api += load(lambda: over_http(client, args.stream, seen), args.requests, args.concurrency)
        floor = [timed(lambda: client.get("/health").raise_for_status()) for _ in range(100)]
    sent = args.requests * args.rounds
    mode = "SSE stream" if args.stream else "JSON"
    print(f"{sent} requests per side, {args.concurrency} concurrent, scripted model {args.delay_ms:g} ms, {mode}")
    print(f"{'':24}{'p50 ms':>10}{'p99 ms':>10}")
    for label, values in (("in-process (baseline)", base), ("through the API", api)):
        print(f"{label:24}{percentile(values, 50):10.2f}{percentile(values, 99):10.2f}")
    for q in (50, 99):
        added = percentile(api, q) - percentile(base, q)
        print(f"added by the API at p{q}: {added:.2f} ms (ratio {percentile(api, q) / percentile(base, q):.2f}x)")
    print(f"for scale, one GET /health round trip (HTTP alone): p50 {percentile(floor, 50):.2f} ms")
    print(f"answered correctly: {len(seen)}/{sent}; failed or lost: {sent - len(seen)}")
    if len(seen) != sent:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
