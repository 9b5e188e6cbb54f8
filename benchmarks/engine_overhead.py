"""Engine overhead per three-stage run, with a backend that answers instantly.

Baseline measured in the same run: the same assistant's work done by hand (prompt, one backend
call, parse, checks) without the engine. The difference is what detect → reason → verify costs:
stage records, events, budgets, the trace and the reply.

    python benchmarks/engine_overhead.py [--runs 20000]
"""

from __future__ import annotations

import argparse
import statistics
import time

from assistants.general.assistant import GeneralAssistant
from stages.backends.scripted import ScriptedBackend
from stages.messages import ask
from stages.pipeline import Pipeline
from stages.stage import RunContext

ANSWER = "Paris is the capital of France."


def by_hand(assistant: GeneralAssistant, backend: ScriptedBackend, question: str) -> None:
    request = ask(question)
    ctx = RunContext(request, backend, lambda _e: None, max_model_calls=4, deadline=time.monotonic() + 60)
    assistant.detect(ctx)
    completion = backend.complete(assistant.prompt(ctx), assistant.params)
    draft = assistant.parse(completion.text, ctx)
    assistant.verify(draft, ctx)


def per_run_us(fn, runs: int) -> float:
    started = time.perf_counter()
    for _ in range(runs):
        fn()
    return (time.perf_counter() - started) / runs * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    assistant = GeneralAssistant()
    backend = ScriptedBackend([ANSWER])
    pipeline = Pipeline(assistant, backend)
    question = "What is the capital of France?"
    for _ in range(200):  # warm-up
        pipeline.run(ask(question))
        by_hand(assistant, backend, question)
    engine, bare = [], []
    for _ in range(args.rounds):  # interleaved rounds, so drift hits both sides alike
        engine.append(per_run_us(lambda: pipeline.run(ask(question)), args.runs // args.rounds))
        bare.append(per_run_us(lambda: by_hand(assistant, backend, question), args.runs // args.rounds))
    e, b = statistics.median(engine), statistics.median(bare)
    print(f"pipeline run (3 stages, streaming model call): {e:8.1f} µs/run (median of {args.rounds} rounds)")
    print(f"same work by hand, no engine (baseline):       {b:8.1f} µs/run")
    print(f"engine overhead: {e - b:.1f} µs/run ({(e - b) / 1000:.3f} ms; target < 1 ms); ratio {e / b:.2f}x")


if __name__ == "__main__":
    main()
