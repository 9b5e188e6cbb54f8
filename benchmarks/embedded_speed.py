"""Embedded backend speed: cold load time and greedy tokens/s against a bare `generate` call.

Baseline measured in the same run: the same prompt and the same number of new tokens from
`model.generate` on the very same loaded model, with no streamer thread, stop handling or
chat plumbing; the ratio is what the backend itself costs. Needs `tristage models pull` first.

    python benchmarks/embedded_speed.py [--tokens 64] [--rounds 3] [--model smollm2-135m-instruct]
"""

from __future__ import annotations

import argparse
import statistics
import time

from stages.config import DEFAULT_MODEL, BackendConfig, Settings
from stages.messages import Message

PROMPT = [Message(role="user", content="Write a long story about a lighthouse keeper and a storm.")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    args = parser.parse_args()

    started = time.perf_counter()
    import torch

    from stages.backends.base import GenerationParams
    from stages.backends.embedded import EmbeddedBackend

    imported = time.perf_counter() - started
    started = time.perf_counter()
    backend = EmbeddedBackend.from_config(BackendConfig(model=args.model), Settings().cache_dir)
    loaded = time.perf_counter() - started

    params = GenerationParams(max_tokens=args.tokens)
    model, tokenizer = backend.hf_model, backend.tokenizer
    inputs = tokenizer(backend.render_prompt(PROMPT), return_tensors="pt", add_special_tokens=False)
    inputs = inputs.to(model.device)

    def bare(new_tokens: int) -> float:
        began = time.perf_counter()
        with torch.inference_mode():
            model.generate(
                **inputs,
                do_sample=False,
                max_new_tokens=new_tokens,
                min_new_tokens=new_tokens,
                pad_token_id=tokenizer.pad_token_id,
            )
        return new_tokens / (time.perf_counter() - began)

    def first_token_s() -> float:
        began = time.perf_counter()
        next(iter(backend.stream(PROMPT, params)))
        return time.perf_counter() - began

    backend.complete(PROMPT, GenerationParams(max_tokens=4))  # warm-up
    ours, baseline, first = [], [], []
    for _ in range(args.rounds):  # interleaved rounds, so load drift hits both sides alike
        completion = backend.complete(PROMPT, params)
        ours.append(completion.completion_tokens / completion.latency_s)
        baseline.append(bare(completion.completion_tokens))
        first.append(first_token_s())
    o, b = statistics.median(ours), statistics.median(baseline)
    print(f"model {args.model} on {model.device}, {torch.get_num_threads()} torch threads")
    print(f"import torch + transformers:  {imported:6.2f} s")
    print(f"load from prepared folder:    {loaded:6.2f} s")
    print(f"backend greedy, {completion.completion_tokens} tokens:  {o:6.1f} tokens/s (median of {args.rounds})")
    print(f"bare generate (baseline):     {b:6.1f} tokens/s")
    print(f"first streamed delta:         {statistics.median(first):6.2f} s")
    print(f"backend / bare: {o / b:.2f}x")


if __name__ == "__main__":
    main()
