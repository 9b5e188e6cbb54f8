"""Local model speed: the llamacpp backend against bare llama-cpp-python on the same GGUF.

Measured in one run, on the very same loaded `Llama` object, in interleaved rounds so load drift
hits both sides alike:
- greedy decode tokens/s of `backend.complete` vs `Llama.create_completion` with the same prompt
  tokens and token budget (the ratio is what the backend's thread, queue, stop handling cost);
- time to the first streamed delta after a ~300-token prompt, cold (each round's prompt differs at
  its start, so no earlier prompt's state can be reused) against bare llama.cpp reading the same
  tokens and sampling one, and warm (the same system prompt as the turn before, a new question:
  llama.cpp keeps the common prefix, as in a conversation with one assistant);
- constrained decoding: the same JSON requests with and without the schema's grammar, tokens/s of
  each and the share of constrained replies that validate against the schema;
- with `--transformers`, the transformers backend's greedy tokens/s on the converted folder.

The load average before and after is printed: on a machine shared with other work the absolute
numbers drop, the same-run ratios much less.

    python benchmarks/embedded_speed.py [--quick] [--tokens 128] [--rounds 5] [--drafts 16] [--transformers]
"""

from __future__ import annotations

import argparse
import statistics
import time
from contextlib import closing

from pydantic import BaseModel, Field, ValidationError

from benchmarks.machine_load import load_average
from stages.backends.base import GenerationParams
from stages.backends.llamacpp import LlamaCppBackend
from stages.config import DEFAULT_MODEL, BackendConfig, Settings
from stages.cores import usable_cores
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


QUESTIONS = ["What is the boiling point of ethanol?", "What is the molecular weight of methanol?",
             "What is the formula of water?", "What is the density of ethanol?"]


def long_prompt(session: int, question: str, backend: LlamaCppBackend, target: int = 300) -> list[Message]:
    """A system prompt of facts padded to ~`target` tokens; the session number leads it."""
    facts = FACTS
    while len(backend.prompt_tokens([Message(role="system", content=facts)])) < target - 20:
        facts += " " + FACTS
    messages = [Message(role="system", content=f"Session {session}. {facts}"), Message(role="user", content=question)]
    while len(backend.prompt_tokens(messages)) > target:
        messages[0] = Message(role="system", content=messages[0].content.rsplit(" ", 8)[0])
    return messages



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--drafts", type=int, default=16, help="JSON requests, each with and without the grammar")
    parser.add_argument("--transformers", action="store_true", help="also time the transformers backend")
    parser.add_argument("--quick", action="store_true", help="64 tokens, 3 rounds, 6 drafts (about a minute)")
    args = parser.parse_args()
    if args.quick:
        args.tokens, args.rounds, args.drafts = min(args.tokens, 64), min(args.rounds, 3), min(args.drafts, 6)
    print(f"load average before: {load_average()}")

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

    def first_delta_s(messages: list[Message]) -> float:
        began = time.perf_counter()
        next(d for d in backend.stream(messages, GenerationParams(max_tokens=8)) if d.text)
        return time.perf_counter() - began

    def bare_first_token_s(messages: list[Message]) -> float:
        """Bare llama.cpp: read the same prompt tokens from scratch and sample one token."""
        prompt = backend.prompt_tokens(messages)
        began = time.perf_counter()
        llama.reset()
        with closing(llama.generate(prompt, temp=0.0, top_k=0, min_p=0.0)) as generated:
            next(generated)
        return time.perf_counter() - began

    def ours() -> float:
        completion = backend.complete(STORY, params)
        return completion.completion_tokens / completion.latency_s

    decoded = backend.complete(STORY, params).completion_tokens  # warm-up; greedy, so every round decodes as many
    rates: dict[str, list[float]] = {"ours": [], "bare": []}
    cold, bare_cold, warm, prompt_sizes = [], [], [], []
    for round_no in range(args.rounds):
        pair = [("ours", ours), ("bare", lambda: bare(decoded))]
        for side, measure in pair if round_no % 2 == 0 else pair[::-1]:  # who goes first alternates
            rates[side].append(measure())
        session = [long_prompt(round_no, q, backend) for q in QUESTIONS[:2]]
        bare_cold.append(bare_first_token_s(long_prompt(1000 + round_no, QUESTIONS[0], backend)))
        cold.append(first_delta_s(session[0]))
        warm.append(first_delta_s(session[1]))
        prompt_sizes.append(len(backend.prompt_tokens(session[0])))
    o, b = statistics.median(rates["ours"]), statistics.median(rates["bare"])

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

    print(f"model {DEFAULT_MODEL} GGUF on llama.cpp, {llama.n_ctx()} context, {usable_cores()} cores "
          f"({llama.context_params.n_threads} decode threads, {llama.context_params.n_threads_batch} prompt threads)")
    print(f"load from the kept GGUF:       {loaded:6.2f} s")
    print(f"backend greedy, {decoded} tokens:   {o:6.1f} tokens/s (median of {args.rounds})")
    print(f"bare llama-cpp-python:         {b:6.1f} tokens/s")
    print(f"backend / bare: {o / b:.2f}x (floor 0.90)")
    size = statistics.median(prompt_sizes)
    print(f"first streamed delta after a {size:.0f}-token prompt, cold: {statistics.median(cold):.3f} s median, "
          f"{max(cold):.3f} s max; bare llama.cpp reading it and sampling one token {statistics.median(bare_cold):.3f} s "
          f"(ratio {statistics.median(cold) / statistics.median(bare_cold):.2f}); prompt read at "
          f"{size / statistics.median(bare_cold):.0f} tokens/s")
    print(f"first streamed delta, warm (same system prompt, new question): {statistics.median(warm):.3f} s median, "
          f"{max(warm):.3f} s max (target < 0.3 s)")
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
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
