"""Compound retrieval by synonym: Recall@5, ingestion passages/s and query latency p50.

Indexes a seeded sample of the compound store (or all of it with --compounds 0) into a fresh
Chroma store, then asks for each of a seeded set of compounds by one of its synonyms and counts
how often the compound's own record is among the first five passages. Two kinds of synonym:
`listed` ones appear in the record's passage (MAX_SYNONYMS names are listed), `unlisted` ones are
other names of the compound that the passage does not contain, the harder case.

Baseline measured in the same run: exact nearest neighbours (numpy, brute-force cosine over the
very vectors Chroma stores) for recall and latency, and the embedding model alone for ingestion;
the ratios say what the HNSW index and the store cost or lose against them.

    python benchmarks/rag_recall.py [--compounds 1000] [--queries 100] [--threads 1] [--url http://127.0.0.1:8000]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from assistants.chem.store import Compound, get_store
from assistants.knowledge.chem import (
    MAX_NAMES,
    MAX_SYNONYMS,
    chosen_compounds,
    compound_passages,
    passage_id,
    typed_names,
)
from assistants.knowledge.chroma import KnowledgeBase, KnowledgeConfig, embedding_function

K = 5
BARE_SAMPLE = 512  # passages the embedding model encodes alone (one batched call) for the ingestion baseline


def queries(store, compounds: list[Compound], count: int, seed: int) -> list[tuple[str, str, str]]:
    """(kind, synonym, expected id) for up to `count` compounds of each kind, seeded."""
    rng = random.Random(seed)
    asked: dict[str, list[tuple[str, str, str]]] = {"listed": [], "unlisted": []}
    for compound in rng.sample(compounds, len(compounds)):
        ranked = typed_names(compound, store.names_of(compound, MAX_NAMES))
        for kind, pool in (("listed", ranked[:MAX_SYNONYMS]), ("unlisted", ranked[MAX_SYNONYMS:])):
            if pool and len(asked[kind]) < count:
                asked[kind].append((kind, rng.choice(pool), passage_id(compound)))
        if all(len(v) >= count for v in asked.values()):
            break
    return asked["listed"] + asked["unlisted"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compounds", type=int, default=1000, help="seeded sample size; 0 = the whole store")
    parser.add_argument("--queries", type=int, default=100, help="queries of each kind")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--url", default=None, help="benchmark a Chroma server instead of an embedded store")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default); "
                        "1 is much faster on an oversubscribed machine")
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)

    store = get_store()
    compounds = chosen_compounds(store, args.compounds or None, args.seed)
    started = time.perf_counter()
    passages = list(compound_passages(store, compounds))
    prepare_s = time.perf_counter() - started
    embed = embedding_function(args.device)
    embed(["warm-up"])

    with tempfile.TemporaryDirectory() as folder:
        config = KnowledgeConfig(url=args.url, path=Path(folder), device=args.device)
        base = KnowledgeBase("benchrecall", config)
        base.drop()
        started = time.perf_counter()
        base.build(passages)
        ingest_s = time.perf_counter() - started
        started = time.perf_counter()
        rebuild = base.build(passages)
        rebuild_s = time.perf_counter() - started
        sample = [p.key or p.text for p in passages[:BARE_SAMPLE]]  # what ingestion embeds
        started = time.perf_counter()
        embed(sample)
        bare_rate = len(sample) / (time.perf_counter() - started)

        stored = base._collection(create=False).get(include=["embeddings"], limit=len(passages))
        ids = np.array(stored["ids"])
        matrix = np.asarray(stored["embeddings"], dtype=np.float32)
        asked = queries(store, compounds, args.queries, args.seed)
        hits = {"listed": [0, 0], "unlisted": [0, 0]}  # [hnsw, exact]
        counts = {"listed": 0, "unlisted": 0}
        hnsw_ms, exact_ms = [], []
        for kind, name, expected in asked:
            started = time.perf_counter()
            found = [p.id for p in base.retrieve(name, K)]
            hnsw_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            vector = np.asarray(embed([name])[0], dtype=np.float32)
            exact = ids[np.argsort(-(matrix @ vector))[:K]].tolist()
            exact_ms.append((time.perf_counter() - started) * 1000)
            counts[kind] += 1
            hits[kind][0] += expected in found
            hits[kind][1] += expected in exact
        base.drop()

    ingest_rate = len(passages) / ingest_s
    report = {
        "compounds": len(passages),
        "store": "server " + args.url if args.url else "embedded",
        "device": args.device,
        "torch_threads": args.threads or "default",
        "queries": counts,
        "recall_at_5": {k: round(v[0] / max(counts[k], 1), 3) for k, v in hits.items()},
        "recall_at_5_exact": {k: round(v[1] / max(counts[k], 1), 3) for k, v in hits.items()},
        "ingest_passages_per_s": round(ingest_rate, 1),
        "embed_only_passages_per_s": round(bare_rate, 1),
        "unchanged_rebuild_passages_per_s": round(rebuild.unchanged / rebuild_s, 1),
        "query_p50_ms": round(statistics.median(hnsw_ms), 2),
        "query_p50_ms_exact": round(statistics.median(exact_ms), 2),
        "prepare_passages_s": round(prepare_s, 2),
    }
    for kind in ("listed", "unlisted"):
        hnsw, exact = report["recall_at_5"][kind], report["recall_at_5_exact"][kind]
        print(f"Recall@5, {kind:8} synonyms ({counts[kind]} queries): {hnsw:.3f}  "
              f"(exact kNN baseline {exact:.3f}; ratio {hnsw / exact if exact else float('nan'):.2f})")
    print(f"ingestion: {ingest_rate:.1f} passages/s (embedding alone {bare_rate:.1f}/s; ratio {ingest_rate / bare_rate:.2f}); "
          f"unchanged rebuild {report['unchanged_rebuild_passages_per_s']:.0f} passages/s")
    print(f"query p50: {report['query_p50_ms']:.1f} ms (exact kNN baseline {report['query_p50_ms_exact']:.1f} ms; "
          f"ratio {report['query_p50_ms'] / report['query_p50_ms_exact']:.2f})")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
