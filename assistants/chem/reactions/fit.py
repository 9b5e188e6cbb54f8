"""Fit the candidate scorer (`python -m assistants.chem.reactions.fit`): a logistic model over each
candidate's evidence, on training reactions scored against the rest of the library (every precedent
with the same outcome left out), then measured on the held-out reactions and written to scorer.json
with what it reached there and what the unfitted similarity ranking reached."""

from __future__ import annotations

import argparse
import json
import random
import sys

import numpy as np

from assistants.chem.reactions.chemistry import canonical_set
from assistants.chem.reactions.evidence import FEATURES, SCORER_FILE, Direction, _weights
from assistants.chem.reactions.forward import forward_evidence, split_reagents
from assistants.chem.reactions.library import ReactionLibrary, load_library
from assistants.chem.reactions.retro import retro_evidence
from stages.atomic import write_text


def _examples(library: ReactionLibrary, direction: Direction, rows: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Candidates and labels for training rows: forward, library rows; retro, rows over the library
    followed by its unmapped precedents (most of them USPTO-50K train, the retrosynthesis benchmark's kind)."""
    features: list[list[float]] = []
    labels: list[int] = []
    for row in rows:
        if direction == "forward":
            truth = library.products[row]
            reactants, reagents = split_reagents(library, [*library.reactants[row].split("."), *library.reagents[row]])
            found = forward_evidence(library, canonical_set(".".join(reactants)), reagents, leave_out=truth)
        else:
            part, index = (library, row) if row < len(library) else (library.unmapped, row - len(library))
            truth = part.reactants[index]
            found = retro_evidence(library, part.products[index], leave_out=part.products[index])
        if truth not in found:
            continue  # nothing to learn to rank when the right answer is not a candidate
        for smiles, evidence in found.items():
            features.append(evidence.features())
            labels.append(int(smiles == truth))
    return np.array(features), np.array(labels)


def fit(library: ReactionLibrary, direction: Direction, rows: list[int]) -> dict[str, object]:
    from sklearn.linear_model import LogisticRegression

    x, y = _examples(library, direction, rows)
    mean, spread = x.mean(axis=0), x.std(axis=0)
    scale = np.where(spread < 1e-6, 1.0, spread)  # a constant feature (reagents, in retro) contributes nothing
    model = LogisticRegression(C=1.0, max_iter=2000).fit((x - mean) / scale, y)
    return {"features": list(FEATURES), "coef": model.coef_[0].round(5).tolist(), "intercept": round(float(model.intercept_[0]), 5),
            "mean": mean.round(5).tolist(), "scale": scale.round(5).tolist(), "training_rows": len(rows), "candidates": int(len(y))}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=600, help="training reactions per direction")
    parser.add_argument("--heldout", type=int, default=300,
                        help="held-out reactions measured per direction (after the ones benchmarks measure)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from assistants.chem.reactions.evaluation import forward_accuracy, retro_accuracy
    from assistants.chem.reactions.shipped import MEASURED_FIRST, forward_heldout, retro_heldout

    library = load_library()
    rng = random.Random(args.seed)
    pools = {"forward": len(library), "retro": len(library) + len(library.unmapped)}
    rows = {d: rng.sample(range(pools[d]), min(args.rows, pools[d])) for d in pools}
    window = slice(MEASURED_FIRST, MEASURED_FIRST + args.heldout)
    heldout = {"forward": forward_heldout()[window], "retro": retro_heldout()[window]}
    measure = {"forward": forward_accuracy, "retro": retro_accuracy}
    directions: tuple[Direction, ...] = ("forward", "retro")
    SCORER_FILE.unlink(missing_ok=True)
    _weights.cache_clear()
    before = {d: measure[d](library, heldout[d]) for d in directions}
    fitted = {d: fit(library, d, rows[d]) for d in directions}
    _write(fitted)
    after = {d: measure[d](library, heldout[d]) for d in directions}
    for d in directions:
        fitted[d]["heldout"] = {"reactions": after[d].reactions, "fitted": after[d].hits, "similarity_only": before[d].hits}
        print(f"{d}: held-out top-k similarity-only {before[d].hits} -> fitted {after[d].hits}", file=sys.stderr)
    _write({**fitted, "library": dict(library.meta)})


def _write(content: dict[str, object]) -> None:
    write_text(SCORER_FILE, json.dumps(content, indent=1))
    _weights.cache_clear()

if __name__ == "__main__":
    main()
