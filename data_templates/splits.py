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

SPLITS: tuple[tuple[str, float], ...] = (("train", 0.8), ("validation", 0.1), ("test", 0.1))
SPLIT_NAMES = tuple(name for name, _fraction in SPLITS)


def scaffold_key(canonical: str) -> str:
    """The Bemis–Murcko scaffold of a valid canonical SMILES, or the molecule itself when acyclic."""
    from rdkit import rdBase
    from rdkit.Chem.Scaffolds import MurckoScaffold

    from assistants.chem.molecule import cached_mol

    with rdBase.BlockLogs():  # RDKit's notes on odd charges and lone hydrogens are not problems here
        scaffold = MurckoScaffold.MurckoScaffoldSmiles(mol=cached_mol(canonical))
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
    return SPLIT_NAMES[-1] if scaffold in heldout_scaffolds else hashed_split(scaffold)


def time_split_labels(bars: int, gap: int) -> np.ndarray:
    """train / validation / test for each of a series' `bars` (in date order), `gap` embargoed bars ('').

    Each split takes its fraction of the series' bars; the `gap` bars after each cut belong to no
    split, so a window of `gap` bars never spans two splits.
    """
    n = bars
    labels = np.full(n, "", dtype=object)
    start = 0
    edge = 0.0
    for index, (name, fraction) in enumerate(SPLITS):
        edge += fraction
        end = n if index == len(SPLITS) - 1 else int(n * edge)
        labels[start:end] = name
        if index:
            labels[start : start + gap] = ""
        start = end
    return labels
