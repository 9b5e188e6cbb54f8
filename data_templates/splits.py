"""Splits that never leak: by scaffold for molecules, by time for market events.

A molecule's split is a hash of its Bemis–Murcko scaffold, so every molecule sharing a ring
system lands in the same split whatever the source order or worker count. Acyclic molecules have
no scaffold and form a group of one (their canonical SMILES). Held-out benchmark compounds are
never built, and every molecule sharing a scaffold with one goes to test. Market events are split by date with an
embargo of `gap` bars between splits, so no training window overlaps an evaluation window.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
from rdkit.Chem.Scaffolds import MurckoScaffold

SPLITS: tuple[tuple[str, float], ...] = (("train", 0.8), ("validation", 0.1), ("test", 0.1))


def scaffold_key(canonical: str) -> str:
    """The Bemis–Murcko scaffold of a valid canonical SMILES, or the molecule itself when acyclic."""
    scaffold = MurckoScaffold.MurckoScaffoldSmiles(smiles=canonical)
    return scaffold or f"acyclic:{canonical}"


def hashed_split(key: str) -> str:
    """The split of a group key, stable across runs and machines."""
    u = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big") / 2**64
    edge = 0.0
    for name, fraction in SPLITS:
        edge += fraction
        if u < edge:
            return name
    return SPLITS[-1][0]


def molecule_split(scaffold: str, heldout_scaffolds: frozenset[str]) -> str:
    """Test for scaffolds of held-out compounds (which are themselves never built), else by hash."""
    return "test" if scaffold in heldout_scaffolds else hashed_split(scaffold)


def time_split_labels(dates: pd.DatetimeIndex, gap: int, fractions: tuple[float, float] = (0.8, 0.1)) -> np.ndarray:
    """train / validation / test per bar of one series by date, with `gap` embargoed bars ('') between.

    The cut points are the dates at the given fractions of the series; the `gap` bars after each
    cut belong to no split, so a window of `gap` bars never spans two splits.
    """
    n = len(dates)
    labels = np.full(n, "test", dtype=object)
    first = int(n * fractions[0])
    second = int(n * (fractions[0] + fractions[1]))
    labels[:first] = "train"
    labels[first:second] = "validation"
    labels[first : first + gap] = ""
    labels[second : second + gap] = ""
    return labels
