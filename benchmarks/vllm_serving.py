"""tristage on vLLM's CPU build against tristage on the embedded llama.cpp model, through the API.

Two real `tristage serve` processes answer the same questions: one with the `openai` backend on a
vLLM server (`tristage vllm launch cpu`, started here), one with the default embedded backend. For
each user count, every user sends its share of the questions at once and waits for each reply:
requests/s, p50/p95 turn time, completion tokens/s, errors, and the share of chem drafts that came
back as schema-constrained JSON on each side. The llama.cpp side is the floor the ratio is taken
against, measured in the same run; only one side is under load at a time.

`--suites` is the error check instead: the chem-properties suite, the breakout-ohlcv suite plus
footprint questions, and general questions (general-sanity plus the plain-chat set), at least 30
each, through vLLM; then the chem suite through llama.cpp for the structured-draft share.

    python benchmarks/vllm_serving.py [--users 8 32] [--requests 32]
    python benchmarks/vllm_serving.py --suites
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import yaml
from pydantic import BaseModel

from assistants.market.footprint import footprint_to_text
from assistants.market.synthetic import synthetic_footprint
from evals.registry import load_suite
from serve.process import ServerProcess, free_port
from serve.vllm import VllmOptions, get_profile, launch_profile
from serve.vllm_env import default_env
from stages.config import Settings
from stages.pipeline import MODEL_UNAVAILABLE_NOTE

PLAIN_CHAT = Path(__file__).parent / "adversarial" / "plain_chat.yaml"


class Question(BaseModel):
    assistant: str
    text: str


class Outcome(BaseModel):
    assistant: str
    seconds: float
    status: str
    error_type: str
    completion_tokens: int
    structured: bool | None  # chem drafts: schema-constrained JSON that validated; None elsewhere
    model_failed: bool = False  # the model gave no draft and the tools answered alone


def suite_questions(name: str, limit: int | None = None) -> list[Question]:
    suite = load_suite(name)
    return [Question(assistant=suite.assistant, text=item.question) for item in suite.items[:limit]]


def footprint_questions(count: int) -> list[Question]:
    shapes = [("upward", "buyer"), ("downward", "seller"), ("upward", "seller"), ("downward", "buyer")]
    return [Question(assistant="breakout", text=footprint_to_text(synthetic_footprint(*shapes[i % 4], bars=4 + i % 3,
                                                                                      seed=i)))
            for i in range(count)]


def plain_chat_questions() -> list[Question]:
    items = yaml.safe_load(PLAIN_CHAT.read_text(encoding="utf-8"))
    return [Question(assistant="general", text=item["question"]) for item in items]


def load_questions(requests: int) -> list[Question]:
    """Chem property questions and general ones, alternating: the same list for both sides."""
    chem = suite_questions("chem-properties")
    general = suite_questions("general-sanity")
    mixed = [q for pair in zip(chem, general * 3) for q in pair]
    return (mixed * (requests // len(mixed) + 1))[:requests]


def structured_draft(assistant: str, reply: dict[str, Any]) -> bool | None:
    """Whether a chem draft validated against its schema; None for other assistants and tool-only turns."""
    reason = next((r for r in reply["trace"] if r["stage"] == "reason"), None)
    if assistant != "chem" or reason is None or not reason.get("model_calls"):
        return None
    return "structured" in (reason.get("data") or {}).get("fields", {})


def ask(client: httpx.Client, question: Question) -> Outcome:
    started = time.perf_counter()
    response = client.post("/v1/chat/completions", json={
        "model": question.assistant, "messages": [{"role": "user", "content": question.text}]})
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        return Outcome(assistant=question.assistant, seconds=seconds, status="http_error",
                       error_type=str(response.status_code), completion_tokens=0, structured=None)
    body = response.json()
    text = body["choices"][0]["message"]["content"] or ""
    reply = body["tristage"]
    tokens = sum(call["completion_tokens"] for record in reply["trace"] for call in record.get("model_calls", []))
    return Outcome(assistant=question.assistant, seconds=seconds, status=reply["status"],
                   error_type=reply["error_type"], completion_tokens=tokens,
                   structured=structured_draft(question.assistant, reply), model_failed=MODEL_UNAVAILABLE_NOTE in text)


def run_load(server: ServerProcess, questions: list[Question], users: int) -> tuple[list[Outcome], float]:
    with httpx.Client(base_url=server.base_url, timeout=1800,
                      limits=httpx.Limits(max_connections=users)) as client, ThreadPoolExecutor(users) as pool:
        started = time.perf_counter()
        outcomes = list(pool.map(lambda q: ask(client, q), questions))
        return outcomes, time.perf_counter() - started


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def structured_share(outcomes: list[Outcome]) -> str:
    drafts = [o.structured for o in outcomes if o.structured is not None]
    return f"{sum(drafts)}/{len(drafts)}" if drafts else "-"


def row(label: str, outcomes: list[Outcome], wall: float) -> dict[str, Any]:
    times = [o.seconds for o in outcomes]
    errors = sum(o.status in ("error", "http_error") for o in outcomes)
    return {"side": label, "model_failed": sum(o.model_failed for o in outcomes), "rps": len(outcomes) / wall, "p50": percentile(times, 50), "p95": percentile(times, 95),
            "tok_s": sum(o.completion_tokens for o in outcomes) / wall, "errors": errors,
            "structured": structured_share(outcomes)}


def servers(users: int, log_dir: Path) -> tuple[Any, ServerProcess, ServerProcess]:
    cache_dir = Settings().cache_dir
    profile = get_profile("cpu")
    options = VllmOptions(host="127.0.0.1", port=free_port(), python=default_env(cache_dir).require(),
                          cache_dir=cache_dir)
    vllm = launch_profile(profile, options, log=log_dir / "vllm.log")
    limits = {"TRISTAGE_SERVE__MAX_CONCURRENCY": str(users), "TRISTAGE_SERVE__MAX_QUEUE": "256"}
    on_vllm = ServerProcess(["--no-ui"], env={"TRISTAGE_BACKEND__KIND": "openai", "TRISTAGE_BACKEND__BASE_URL":
                                              vllm.base_url, "TRISTAGE_BACKEND__MODEL": vllm.served_name, **limits})
    on_llamacpp = ServerProcess(["--no-ui"], env=limits)
    return vllm, on_vllm.wait_ready(300), on_llamacpp.wait_ready(300)


def compare(users_list: list[int], requests: int) -> None:
    questions = load_questions(requests)
    with tempfile.TemporaryDirectory() as logs:
        vllm, on_vllm, on_llamacpp = servers(max(users_list), Path(logs))
        try:
            run_load(on_vllm, questions[:2], 2)  # warm-up: first requests compile and load
            run_load(on_llamacpp, questions[:2], 2)
            print(f"{len(questions)} questions (chem properties and general chat, alternating) per side and user count")
            print(f"{'users':>5}  {'side':<20}{'req/s':>8}{'p50 s':>8}{'p95 s':>8}{'tok/s':>8}{'errors':>8}"
                  f"{'no model':>9}  structured chem drafts")
            for users in users_list:
                rows = [row(label, *run_load(server, questions, users))
                        for label, server in (("tristage→llama.cpp", on_llamacpp), ("tristage→vLLM-CPU", on_vllm))]
                for r in rows:
                    print(f"{users:>5}  {r['side']:<20}{r['rps']:8.3f}{r['p50']:8.1f}{r['p95']:8.1f}{r['tok_s']:8.1f}"
                          f"{r['errors']:8d}{r['model_failed']:9d}  {r['structured']}", flush=True)
                print(f"       vLLM / llama.cpp: {rows[1]['rps'] / rows[0]['rps']:.2f}x requests/s, "
                      f"{rows[1]['tok_s'] / max(rows[0]['tok_s'], 1e-9):.2f}x tokens/s")
        finally:
            on_vllm.stop()
            on_llamacpp.stop()
            vllm.stop()


def suites(users: int) -> None:
    sets = {
        "chem": suite_questions("chem-properties"),
        "breakout": suite_questions("breakout-ohlcv") + footprint_questions(10),
        "general": suite_questions("general-sanity") + plain_chat_questions(),
    }
    with tempfile.TemporaryDirectory() as logs:
        vllm, on_vllm, on_llamacpp = servers(users, Path(logs))
        try:
            for name, questions in sets.items():
                outcomes, wall = run_load(on_vllm, questions, users)
                statuses = Counter(o.status for o in outcomes)
                errors = [o.error_type for o in outcomes if o.status in ("error", "http_error")]
                failed = sum(o.model_failed for o in outcomes)
                print(f"vLLM {name:<9} {len(outcomes):>3} questions in {wall:6.0f} s: errors {len(errors)} {errors}; "
                      f"model gave no draft {failed}; "
                      f"statuses {dict(statuses)}; structured chem drafts {structured_share(outcomes)}", flush=True)
            outcomes, wall = run_load(on_llamacpp, sets["chem"], users)
            print(f"llama.cpp chem  {len(outcomes):>3} questions in {wall:6.0f} s: errors "
                  f"{sum(o.status == 'error' for o in outcomes)}; model gave no draft {sum(o.model_failed for o in outcomes)}; "
                  f"structured chem drafts {structured_share(outcomes)}")
        finally:
            on_vllm.stop()
            on_llamacpp.stop()
            vllm.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--requests", type=int, default=32, help="questions per side and user count")
    parser.add_argument("--suites", action="store_true", help="the error check on the three suites instead")
    args = parser.parse_args()
    if args.suites:
        suites(8)
    else:
        compare(args.users, args.requests)


if __name__ == "__main__":
    main()
