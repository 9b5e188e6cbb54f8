"""Knowledge-base ingestion against the embedding model's own batched rate on the same passages.

Prepares a seeded sample of compound-record passages (what `tristage kb build chem --limit N`
indexes), then in one run:
- the floor: all-MiniLM-L6-v2 encoding the very texts ingestion embeds in one batched call, timed
  before and after ingestion (their mean, so load drift hits both sides alike);
- ingestion: `KnowledgeBase.build` into a fresh embedded store (hashing, batched embedding,
  batched upserts into Chroma's SQLite and HNSW index);
- the projection for the whole compound store: preparing plus ingesting every record at the
  measured rates.
The ratio ingestion / floor is what the store costs on top of the model (target >= 0.8). The load
average is printed: on a shared machine both rates drop, the ratio much less.

    python benchmarks/embedding_ingest.py [--quick] [--compounds 2000] [--seed 0] [--device cpu]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import torch

from benchmarks.machine_load import load_average
from assistants.chem.store import get_store
from assistants.knowledge.chem import chosen_compounds, compound_passages
from assistants.knowledge.chroma import EMBED_TOKENS, KnowledgeBase, KnowledgeConfig, embedding_function
from stages.cores import usable_cores



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compounds", type=int, default=2000, help="seeded sample of the compound store")
    parser.add_argument("--quick", action="store_true", help="300 compounds (a minute or two)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    size = min(args.compounds, 300) if args.quick else args.compounds
    print(f"load average before: {load_average()}")

    store = get_store()
    everything = len(store)
    compounds = chosen_compounds(store, size, args.seed)
    started = time.perf_counter()
    passages = list(compound_passages(store, compounds))
    prepare_rate = len(passages) / (time.perf_counter() - started)
    texts = [p.key or p.text for p in passages]  # what ingestion embeds
    embed = embedding_function(args.device)
    embed(texts[:32])  # warm-up

    def bare_rate() -> float:
        began = time.perf_counter()
        embed(texts)
        return len(texts) / (time.perf_counter() - began)

    before = bare_rate()
    with tempfile.TemporaryDirectory() as folder:
        base = KnowledgeBase("benchingest", KnowledgeConfig(path=Path(folder), device=args.device))
        started = time.perf_counter()
        report = base.build(passages)
        ingest_rate = report.upserted / (time.perf_counter() - started)
    after = bare_rate()
    floor = (before + after) / 2
    whole_s = everything / prepare_rate + everything / ingest_rate

    print(f"{len(passages)} compound passages, cut to {EMBED_TOKENS} word pieces, {args.device}, "
          f"{torch.get_num_threads()} torch threads on {usable_cores()} cores")
    print(f"embedding model alone, one batched call: {before:.1f} passages/s before, {after:.1f} after")
    print(f"ingestion (embed + store): {ingest_rate:.1f} passages/s; ingestion / model alone {ingest_rate / floor:.2f}x "
          f"(target 0.80)")
    print(f"passage preparation: {prepare_rate:.0f} passages/s")
    print(f"whole compound store ({everything:,} records) at these rates: {whole_s / 60:.0f} min")
    print(f"load average after: {load_average()}")
    print(json.dumps({"passages": len(passages), "embed_tokens": EMBED_TOKENS, "model_passages_per_s": round(floor, 1),
                      "ingest_passages_per_s": round(ingest_rate, 1), "ratio": round(ingest_rate / floor, 3),
                      "whole_store_min": round(whole_s / 60, 1), "load_average": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
