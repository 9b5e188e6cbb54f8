"""Whole turns on the default local model (llama.cpp): chem turns, 4-stage breakout replies, and
concurrent API users.

- chem: p50/max wall time of `Pipeline.run` over a fixed set of chemistry questions that call the
  model, with each reply's status; the floor measured in the same run is the model calls alone
  (the sum of each turn's traced model latencies), so the ratio is what detect/verify add.
- breakout: p50 of the footprint chain (four model calls: direction, level, strength, report) on
  seeded synthetic footprints, against the same model-calls floor.
- API: `tristage serve` on the default configuration; `--users` clients at once each ask
  `--per-user` chem questions over HTTP; every request must come back 200 with a reply, none lost.
  The floor is one user alone, so the ratio says how far queueing on one model stretches a turn.

The load average before and after is printed: on a machine shared with other work the absolute
times grow, the same-run ratios much less.

    python benchmarks/local_turns.py [--quick] [--chem 10] [--breakout 4] [--users 8] [--per-user 2]
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from benchmarks.machine_load import load_average
from assistants.chem.assistant import ChemAssistant
from assistants.market.assistant import BreakoutAssistant
from assistants.market.footprint import footprint_to_text
from assistants.market.synthetic import synthetic_footprint
from serve.process import ServerProcess
from stages.backends import make_backend
from stages.config import get_settings
from stages.messages import ask
from stages.pipeline import Pipeline
from stages.reply import ModelCall, Reply

CHEM = [
    "What is the molecular weight of caffeine?",
    "Why does ethanol boil at a higher temperature than dimethyl ether?",
    "What is the formula of aspirin?",
    "Is benzene aromatic?",
    "What is the boiling point of acetone?",
    "Give the SMILES of toluene.",
    "How many hydrogen bond donors does glucose have?",
    "What is the density of water?",
    "Compare the molecular weights of methanol and ethanol.",
    "What is the IUPAC name of acetic acid?",
]



def model_s(reply: Reply) -> float:
    return sum(call.latency_s for record in reply.trace for call in record.model_calls)


def model_calls(reply: Reply) -> list[ModelCall]:
    return [call for record in reply.trace for call in record.model_calls]


def timed_turns(pipeline: Pipeline, requests: list) -> tuple[list[float], list[float], list[Reply]]:
    walls, floors, replies = [], [], []
    for request in requests:
        started = time.perf_counter()
        reply = pipeline.run(request)
        walls.append(time.perf_counter() - started)
        floors.append(model_s(reply))
        replies.append(reply)
    return walls, floors, replies


def report(label: str, walls: list[float], floors: list[float], replies: list[Reply], target_s: float) -> None:
    statuses = statistics.multimode([r.status.value for r in replies])
    counts = {s: sum(r.status.value == s for r in replies) for s in {r.status.value for r in replies}}
    p50, floor = statistics.median(walls), statistics.median(floors)
    calls = [model_calls(r) for r in replies]
    each = [call for turn in calls for call in turn]
    print(f"{label}: p50 {p50:.2f} s, max {max(walls):.2f} s over {len(walls)} turns (target p50 < {target_s:g} s); "
          f"model calls alone p50 {floor:.2f} s ({statistics.median(len(c) for c in calls):.0f} calls/turn), "
          f"turn / model-calls {f'{p50 / floor:.2f}x' if floor else 'n/a (no model call)'}; statuses {counts} (most common {statuses[0]})")
    if each:
        print(f"  per model call: prompt {statistics.median(c.prompt_tokens for c in each):.0f} tokens, reply "
              f"{statistics.median(c.completion_tokens for c in each):.0f} tokens, "
              f"{statistics.median(c.latency_s for c in each):.2f} s (medians)")


def api_users(users: int, per_user: int) -> None:
    def one(client: httpx.Client, question: str) -> tuple[float, str]:
        started = time.perf_counter()
        response = client.post("/v1/chat/completions", json={
            "model": "chem", "messages": [{"role": "user", "content": question}]})
        if response.status_code != 200:
            raise AssertionError(f"HTTP {response.status_code}: {response.text[:300]}")
        text = response.json()["choices"][0]["message"]["content"]
        if not text.strip():
            raise AssertionError(f"empty reply to {question!r}")
        return time.perf_counter() - started, text

    with ServerProcess() as server, httpx.Client(base_url=server.base_url, timeout=600) as client:
        server.wait_ready()
        one(client, CHEM[0])  # loads the model
        alone = [one(client, q)[0] for q in CHEM[:3]]
        questions = [CHEM[i % len(CHEM)] for i in range(users * per_user)]
        failures: list[str] = []
        started = time.perf_counter()

        def run(question: str) -> float | None:
            try:
                return one(client, question)[0]
            except Exception as exc:  # counted: the benchmark's claim is that none fail
                failures.append(f"{type(exc).__name__}: {exc}")
                return None

        with ThreadPoolExecutor(users) as pool:
            latencies = [t for t in pool.map(run, questions) if t is not None]
        elapsed = time.perf_counter() - started
        log = server.log().splitlines()
        first = next((i for i, line in enumerate(log) if "internal error" in line), len(log))
        errors = log[first : first + 40]  # the first internal error's traceback
    print(f"API, {users} concurrent users x {per_user} chem turns: {len(latencies)}/{len(questions)} answered, "
          f"{len(failures)} failed; p50 {statistics.median(latencies):.2f} s, max {max(latencies):.2f} s, "
          f"{len(latencies) / elapsed:.2f} turns/s; one user alone p50 {statistics.median(alone):.2f} s "
          f"(concurrent p50 / alone {statistics.median(latencies) / statistics.median(alone):.1f}x)")
    for failure in failures[:5]:
        print(f"  failed: {failure}")
    if failures and errors:
        print("  server log:", *errors, sep="\n    ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chem", type=int, default=len(CHEM), help="chem turns, each question once (0: skip)")
    parser.add_argument("--breakout", type=int, default=4, help="breakout replies (0: skip)")
    parser.add_argument("--users", type=int, default=8, help="concurrent API users (0: skip the API part)")
    parser.add_argument("--per-user", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="2 breakout replies and 8 users x 1 turn (chem turns as set)")
    args = parser.parse_args()
    if args.quick:
        args.breakout, args.per_user = min(args.breakout, 2), 1
    print(f"load average before: {load_average()}")

    settings = get_settings()
    if args.chem:
        backend = make_backend(settings.backend_for("chem"))
        print(f"backend {backend.name}:{backend.model}")
        chem = Pipeline(ChemAssistant(), backend)
        chem.run(ask(CHEM[0]))  # warm-up: the compound store, OPSIN's JVM, the model
        report("chem turn", *timed_turns(chem, [ask(q) for q in (CHEM * 2)[: args.chem]]), target_s=3)
    if args.breakout:
        breakout = Pipeline(BreakoutAssistant(), make_backend(settings.backend_for("breakout")))
        frames = [synthetic_footprint(d, s, bars=4, seed=seed)
                  for seed, (d, s) in enumerate([("downward", "seller"), ("upward", "buyer")] * args.breakout)]
        report("breakout reply", *timed_turns(breakout, [ask(footprint_to_text(f)) for f in frames[: args.breakout]]),
               target_s=10)
    if args.users:
        api_users(args.users, args.per_user)
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
