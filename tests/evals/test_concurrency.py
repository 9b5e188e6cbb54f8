"""Batch runs against an OpenAI-compatible server: N items at once, the same results file."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "stages" / "backends"))
from openai_fake_server import FakeOpenAIServer, Fault  # noqa: E402 - the shared scripted server

from evals.ablations import run_configs  # noqa: E402
from evals.runner import RESULTS, read_results, run_suite  # noqa: E402
from evals.suite import ClaimsRule, Item, Suite  # noqa: E402
from stages.backends import make_backend  # noqa: E402
from stages.config import BackendConfig  # noqa: E402

ITEMS = 24
DELAY_S = 0.4
SUITE = Suite(name="concurrency-check", description="short questions", assistant="general", items=[
    Item(id=f"q{n:02d}", task="chat", question=f"Question {n}: how many carbons does benzene have?",
         rules=[ClaimsRule(required=[r"six"])]) for n in range(ITEMS)])
SAME = ("config", "item", "task", "question", "answer", "passed", "status", "answered_by", "model_calls", "tokens")


def _timed_run(server: FakeOpenAIServer, out: Path, concurrency: int) -> tuple[float, list[dict]]:
    server.faults = [Fault(delay_s=DELAY_S) for _ in range(ITEMS)]  # every request takes DELAY_S on the server
    configs = run_configs("general", BackendConfig(kind="openai", model="served", base_url=server.base_url))
    started = time.perf_counter()
    run_suite(SUITE, configs, out, lambda c: make_backend(c.backend), concurrency=concurrency)
    return time.perf_counter() - started, read_results(out / RESULTS)


@pytest.mark.slow
def test_concurrency_8_is_six_times_the_throughput_with_the_same_results(tmp_path: Path) -> None:
    server = FakeOpenAIServer()
    server.reply = "Benzene has six carbon atoms."
    server.start()
    try:
        serial_s, serial = _timed_run(server, tmp_path / "c1", 1)
        parallel_s, parallel = _timed_run(server, tmp_path / "c8", 8)
    finally:
        server.stop()
    assert [{k: r[k] for k in SAME} for r in parallel] == [{k: r[k] for k in SAME} for r in serial]
    assert len(serial) == ITEMS and all(r["passed"] for r in serial)
    ratio = serial_s / parallel_s
    print(f"concurrency 1: {serial_s:.2f} s, concurrency 8: {parallel_s:.2f} s, throughput ratio {ratio:.1f}x")
    assert ratio >= 6, f"concurrency 8 gave only {ratio:.1f}x the throughput of concurrency 1"


def test_an_interrupted_concurrent_run_resumes(tmp_path: Path) -> None:
    server = FakeOpenAIServer()
    server.reply = "Benzene has six carbon atoms."
    server.start()
    try:
        configs = run_configs("general", BackendConfig(kind="openai", model="served", base_url=server.base_url))
        first = run_suite(SUITE, configs, tmp_path, lambda c: make_backend(c.backend), limit=5, concurrency=4)
        seen = len(server.requests)
        again = run_suite(SUITE, configs, tmp_path, lambda c: make_backend(c.backend), limit=9, concurrency=4)
    finally:
        server.stop()
    assert len(first) == 5 and len(again) == 9 and len(server.requests) - seen == 4
    assert [r["item"] for r in again[:5]] == [r["item"] for r in first]
