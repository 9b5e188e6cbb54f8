"""BreakGPT reproduction on its 13 published samples (10 training + 3 test).

1. The deterministic rules (no model): direction, level, side and final true/false against
   BreakGPT's labels. Expected: direction and level 10/10 train and 3/3 test; side 8/10 train
   (two training labels look hand-made) and 3/3 test; final labels follow from direction + side.
2. The model alone, single stage (BreakGPT's one-question prompt): true/false accuracy.
   This is the baseline measured in the same run.
3. The tristage chain (S1 → S2 → S3 → report, each answer checked, failures corrected from the
   tools): how often each stage's model answer was right before correction, the replies'
   statuses, the final call (made by the footprint rule) and the language model's own report
   answer against the labels.

Every model row is split into BreakGPT's training samples (its fine-tune saw them) and its test
samples; the two are never pooled.

    python benchmarks/breakout_breakgpt.py --data FOLDER   # or TRISTAGE_BREAKGPT_DIR=FOLDER
        [--no-model] [--limit N] [--pack tristage|breakgpt]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from breakout_common import breakout_backend, scores

from assistants.market.answers import parse_judgment
from assistants.market.assistant import BreakoutAssistant
from assistants.market.breakgpt import load_breakgpt
from assistants.market.footprint import analyze_footprint, parse_footprint_text
from assistants.market.prompts import load_pack
from stages.backends.base import GenerationParams
from stages.messages import Message, ask
from stages.pipeline import Pipeline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder with BreakGPT's JSONL files (else $TRISTAGE_BREAKGPT_DIR)")
    parser.add_argument("--no-model", action="store_true", help="only the deterministic rules")
    parser.add_argument("--limit", type=int, default=0, help="model parts on the first N samples only")
    parser.add_argument("--pack", default="tristage", help="prompt pack of the chain")
    args = parser.parse_args()
    samples = load_breakgpt(args.data)

    facts = [analyze_footprint(parse_footprint_text(s.tables)) for s in samples]
    print(f"BreakGPT samples: {sum(s.split == 'train' for s in samples)} train, "
          f"{sum(s.split == 'test' for s in samples)} test; rules vs labels:")
    for split in ("train", "test"):
        pairs = [(f, s) for f, s in zip(facts, samples, strict=True) if s.split == split]
        print(f"  {split} samples ({len(pairs)}, made by: tool rule): " + ", ".join(
            f"{k} {sum(getattr(f, k) == getattr(s, k) for f, s in pairs)}/{len(pairs)}"
            for k in ("direction", "level", "side", "label")))
    for f, s in zip(facts, samples, strict=True):
        if f.side != s.side or f.label != s.label:
            print(f"  {s.id}: rule side {f.side} (sell {f.sell_volume:g} vs buy {f.buy_volume:g}) "
                  f"label {f.label}; BreakGPT side {s.side} label {s.label} ({s.label_source})")
    if args.no_model:
        return

    subset = samples[: args.limit] if args.limit else samples
    backend, load_s = breakout_backend()
    print(f"\nbackend {backend.name}/{backend.model} (loaded in {load_s:.1f} s); {len(subset)} samples; every row is "
          "split into BreakGPT's training samples (its fine-tune saw them) and its test samples, never pooled")

    single = load_pack("breakgpt")
    started = time.perf_counter()
    alone: dict[str, bool | None] = {}
    for s in subset:
        messages = [Message(role="system", content=single.system),
                    Message(role="user", content=single.render("single", tables=s.tables))]
        answer = backend.complete(messages, GenerationParams(max_tokens=160, temperature=0.0)).text
        judgment = parse_judgment(answer)
        alone[s.id] = None if judgment is None else judgment == "true"
    alone_s = time.perf_counter() - started

    assistant = BreakoutAssistant(pack=args.pack)
    pipeline = Pipeline(assistant, backend)
    stage_right: dict[str, Counter[str]] = {"train": Counter(), "test": Counter()}
    statuses: dict[str, Counter[str]] = {"train": Counter(), "test": Counter()}
    final: dict[str, bool | None] = {}
    own: dict[str, bool | None] = {}
    calls = 0
    started = time.perf_counter()
    for s in subset:
        reply = pipeline.run(ask(s.tables))
        statuses[s.split][reply.status.value] += 1
        calls += sum(len(r.model_calls) for r in reply.trace)
        for stage, answer in reply.result.get("stages", {}).items():
            stage_right[s.split][stage] += bool(answer["passed"])
        label, judged = reply.result.get("judgment"), reply.result.get("model_judgment")
        final[s.id] = None if label is None else label == "true"
        own[s.id] = None if judged is None else judged == "true"
    chain_s = time.perf_counter() - started
    print(f"{alone_s / len(subset):.1f} s/sample model alone; {chain_s / len(subset):.1f} s/sample chain, {calls} model calls")
    for split in ("train", "test"):
        part = [s for s in subset if s.split == split]
        if not part:
            continue
        truth = [s.label == "true" for s in part]
        rows = (("model alone, single stage (language model)", alone),
                ("chain's final call (footprint rule)", final),
                ("chain's report answer (language model)", own))
        print(f"{split} samples ({len(part)}):")
        for name, calls_by_id in rows:
            got = scores(truth, [calls_by_id[s.id] for s in part])
            print(f"  {name:<44} acc {got['accuracy']:.3f} ({round(got['accuracy'] * len(part))}/{len(part)}), "
                  f"unanswered {got['unanswered']}")
        print(f"  chain statuses {dict(statuses[split])}; language model's stage answers right before correction: "
              + ", ".join(f"{stage} {stage_right[split][stage]}/{len(part)}" for stage in ("s1", "s2", "s3", "report")))


if __name__ == "__main__":
    main()
