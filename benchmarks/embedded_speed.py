"""Local model speed: the llamacpp backend against bare llama-cpp-python on the same GGUF.

Measured in one run, on the very same loaded `Llama` object, in interleaved rounds so load drift
hits both sides alike:
- greedy decode tokens/s of `backend.complete` vs `Llama.create_completion` with the same prompt
  tokens and token budget (the ratio is what the backend's thread, queue, stop handling cost);
- time to the first streamed delta after a ~300-token prompt (each round's prompt differs at its
  start, so llama.cpp's prompt cache cannot skip the prefill);
- constrained decoding: the same JSON requests with and without the schema's grammar, tokens/s of
  each and the share of constrained replies that validate against the schema;
- with `--transformers`, the transformers backend's greedy tokens/s on the converted folder.

    python benchmarks/embedded_speed.py [--tokens 128] [--rounds 5] [--drafts 20] [--transformers]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from pydantic import BaseModel, Field, ValidationError

from stages.backends.base import GenerationParams
from stages.backends.llamacpp import LlamaCppBackend
from stages.config import DEFAULT_MODEL, BackendConfig, Settings
from stages.messages import Message

STORY = [Message(role="user", content="Write a long story about a lighthouse keeper and a storm.")]
FACTS = (
    "Facts from the compound store: ethanol, CAS 64-17-5, formula C2H6O, molecular weight 46.07 g/mol, "
    "SMILES CCO, InChIKey LFQSCWFLJHTTHZ-UHFFFAOYSA-N, normal boiling point 351.4 K (measured), melting "
    "point 159.0 K (measured), density 0.789 g/cm3 at 20 C. Also known as ethyl alcohol, grain alcohol, "
    "alcohol. Methanol, CAS 67-56-1, formula CH4O, molecular weight 32.04 g/mol, SMILES CO, normal boiling "
    "point 337.8 K. Water, CAS 7732-18-5, formula H2O, molecular weight 18.02 g/mol, boiling point 373.1 K."
)
COMPOUNDS = ["water", "ethanol", "methanol", "acetone", "benzene", "toluene", "glycerol", "acetic acid",
             "ammonia", "caffeine", "aspirin", "glucose", "urea", "phenol", "hexane", "chloroform"]


class Draft(BaseModel):
    """A structured chem draft: the shape the reason stage asks a constraining backend for."""

    answer: str = Field(max_length=300)
    formula: str = Field(max_length=30)
    boiling_point_c: float


def long_prompt(round_no: int, backend: LlamaCppBackend, target: int = 300) -> list[Message]:
    """A system prompt of facts padded to ~`target` tokens; the round number leads, so no prefix repeats."""
    facts = FACTS
    while len(backend.prompt_tokens([Message(role="system", content=facts)])) < target - 20:
        facts += " " + FACTS
    messages = [Message(role="system", content=f"Session {round_no}. {facts}"),
                Message(role="user", content="What is the boiling point of ethanol?")]
    while len(backend.prompt_tokens(messages)) > target:
        messages[0] = Message(role="system", content=messages[0].content.rsplit(" ", 8)[0])
    return messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--drafts", type=int, default=16, help="JSON requests, each with and without the grammar")
    parser.add_argument("--transformers", action="store_true", help="also time the transformers backend")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    cache_dir = Settings().cache_dir
    started = time.perf_counter()
    backend = LlamaCppBackend.from_config(BackendConfig(kind="llamacpp", model=DEFAULT_MODEL), cache_dir)
    loaded = time.perf_counter() - started
    llama = backend.llama
    params = GenerationParams(max_tokens=args.tokens)
    tokens = backend.prompt_tokens(STORY)

    def bare(new_tokens: int) -> float:
        began = time.perf_counter()
        out = llama.create_completion(tokens, max_tokens=new_tokens, temperature=0.0, top_k=0, min_p=0.0)
        return out["usage"]["completion_tokens"] / (time.perf_counter() - began)

    def first_token_s(round_no: int) -> tuple[float, int]:
        messages = long_prompt(round_no, backend)
        began = time.perf_counter()
        next(d for d in backend.stream(messages, GenerationParams(max_tokens=8)) if d.text)
        return time.perf_counter() - began, len(backend.prompt_tokens(messages))

    backend.complete(STORY, GenerationParams(max_tokens=4))  # warm-up
    ours, baseline, first, prompt_sizes = [], [], [], []
    for round_no in range(args.rounds):
        completion = backend.complete(STORY, params)
        ours.append(completion.completion_tokens / completion.latency_s)
        baseline.append(bare(completion.completion_tokens))
        seconds, size = first_token_s(round_no)
        first.append(seconds)
        prompt_sizes.append(size)
    o, b = statistics.median(ours), statistics.median(baseline)

    free_rates, constrained_rates, parsed = [], [], 0
    for name in (COMPOUNDS * (args.drafts // len(COMPOUNDS) + 1))[: args.drafts]:
        ask = [Message(role="user", content=f"Give the name, formula and boiling point in Celsius of {name} as JSON "
                       "with the keys answer, formula, boiling_point_c.")]
        free = backend.complete(ask, GenerationParams(max_tokens=96))
        constrained = backend.complete(ask, GenerationParams(max_tokens=96, json_schema=Draft.model_json_schema()))
        free_rates.append(free.completion_tokens / free.latency_s)
        constrained_rates.append(constrained.completion_tokens / constrained.latency_s)
        try:
            Draft.model_validate_json(constrained.text)
            parsed += 1
        except ValidationError:
            print(f"  did not parse ({constrained.finish_reason}): {constrained.text[:120]!r}")
    f, c = statistics.median(free_rates), statistics.median(constrained_rates)

    print(f"model {DEFAULT_MODEL} GGUF on llama.cpp, {llama.n_ctx()} context, {os.cpu_count()} cores")
    print(f"load from the kept GGUF:       {loaded:6.2f} s")
    print(f"backend greedy, {completion.completion_tokens} tokens:   {o:6.1f} tokens/s (median of {args.rounds})")
    print(f"bare llama-cpp-python:         {b:6.1f} tokens/s")
    print(f"backend / bare: {o / b:.2f}x (floor 0.90)")
    print(f"first streamed delta after a {statistics.median(prompt_sizes):.0f}-token prompt: "
          f"{statistics.median(first):.3f} s median, {max(first):.3f} s max (target < 0.3 s)")
    print(f"JSON drafts: free {f:.1f} tokens/s, grammar-constrained {c:.1f} tokens/s "
          f"(constrained / free {c / f:.2f}x); {parsed}/{args.drafts} constrained drafts parse "
          f"({100 * parsed / args.drafts:.0f}%)")
    if args.transformers:
        from stages.backends.embedded import EmbeddedBackend

        slow = EmbeddedBackend.from_config(BackendConfig(kind="embedded", model=DEFAULT_MODEL), cache_dir)
        slow.complete(STORY, GenerationParams(max_tokens=4))
        done = slow.complete(STORY, GenerationParams(max_tokens=min(args.tokens, 64)))
        rate = done.completion_tokens / done.latency_s
        print(f"transformers backend greedy:   {rate:6.1f} tokens/s (llamacpp / transformers {o / rate:.1f}x)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
