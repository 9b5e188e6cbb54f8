"""Reaction tools: speed against bare RDKit template application in the same run, and top-k accuracy
on held-out shipped reactions (`python benchmarks/reactions.py`: the first 200 a direction, which the
scorer's fitting never looks at).

Floor: RDKit's own `RunReactants` of the same forward templates the prediction tried, without
rdchiral, ranking or precedents. Goals: forward top-5 p50 < 300 ms, retro top-10 p50 < 2 s."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

from assistants.chem.reactions.chemistry import canonical_set
from assistants.chem.reactions.evaluation import forward_accuracy, forward_query, retro_accuracy
from assistants.chem.reactions.library import load_library
from assistants.chem.reactions.shipped import MEASURED_FIRST, forward_heldout, retro_heldout
from assistants.chem.reactions.templates import forward_of


def _bare_rdkit_seconds(library: object, queries: list[str], templates_per_query: int) -> list[float]:
    """RDKit RunReactants of the library's most frequent forward templates on each query."""
    from rdkit import Chem, rdBase
    from rdkit.Chem import AllChem

    order = sorted(range(len(library.templates)), key=lambda i: -int(library.template_counts[i]))[:templates_per_query]  # type: ignore[attr-defined]
    with rdBase.BlockLogs():
        rules = [AllChem.ReactionFromSmarts(forward_of(library.templates[i])) for i in order]  # type: ignore[attr-defined]
        seconds = []
        for query in queries:
            mol = Chem.MolFromSmiles(query)
            start = time.perf_counter()
            for rule in rules:
                rule.RunReactants((mol,), 50)
            seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=MEASURED_FIRST, choices=range(1, MEASURED_FIRST + 1), metavar=f"1..{MEASURED_FIRST}",
                        help="held-out reactions per direction (beyond these the scorer's fitting validates)")
    args = parser.parse_args()
    start = time.perf_counter()
    library = load_library()
    load_s = time.perf_counter() - start
    forward = forward_accuracy(library, forward_heldout()[: args.items])
    retro = retro_accuracy(library, retro_heldout()[: args.items])
    queries = [canonical_set(".".join(forward_query(r))) for r in forward_heldout()[: args.items]]
    floor = _bare_rdkit_seconds(library, queries, 60)
    p50 = {"forward_top5": statistics.median(forward.seconds), "retro_top10": statistics.median(retro.seconds),
           "bare_rdkit_60_templates": statistics.median(floor)}
    print(json.dumps({
        "load": os.getloadavg(), "library": library.meta, "library_load_s": round(load_s, 2),
        "p50_s": {k: round(v, 4) for k, v in p50.items()},
        "ratio_forward_vs_bare_rdkit": round(p50["forward_top5"] / max(p50["bare_rdkit_60_templates"], 1e-9), 1),
        "forward": {"reactions": forward.reactions, "top_k": forward.hits, "answered": forward.answered},
        "retro": {"reactions": retro.reactions, "top_k": retro.hits, "answered": retro.answered},
        "made_the_call": "tools alone (template library + fitted scorer), no model",
        "measured_on": "held-out shipped reactions: USPTO-15K valid (forward), the hashed fifth of USPTO-50K valid (retro); "
                       "the USPTO-50K test split is not shipped and not measured here",
    }, indent=1))


if __name__ == "__main__":
    main()
