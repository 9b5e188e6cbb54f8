"""Typical SMILES mistakes, made on purpose: the invalid examples that validity questions need.

Each corruption edits a valid SMILES the way people and models get SMILES wrong (a ring label
dropped, a branch left open, a carbon given too many bonds, a stray token). Whether the result is
really invalid, and why, is for RDKit to say (`molecule.validate_smiles`), never assumed here.
"""

from __future__ import annotations

import random
from collections.abc import Callable


def drop_ring_digit(smiles: str, rng: random.Random) -> str | None:
    spots = [i for i, ch in enumerate(smiles) if ch.isdigit()]
    if not spots:
        return None
    i = rng.choice(spots)
    return smiles[:i] + smiles[i + 1 :]


def open_branch(smiles: str, rng: random.Random) -> str | None:
    i = rng.randrange(1, len(smiles) + 1)
    return smiles[:i] + "(" + smiles[i:]


def overbond_carbon(smiles: str, rng: random.Random) -> str | None:
    spots = [i for i, ch in enumerate(smiles) if ch == "C" and smiles[i + 1 : i + 2] != "l"]
    if not spots:
        return None
    i = rng.choice(spots)
    return smiles[: i + 1] + "(C)(C)(C)(C)" + smiles[i + 1 :]


def bad_token(smiles: str, rng: random.Random) -> str | None:
    i = rng.randrange(len(smiles) + 1)
    return smiles[:i] + "X" + smiles[i:]


CORRUPTIONS: tuple[Callable[[str, random.Random], str | None], ...] = (
    drop_ring_digit, open_branch, overbond_carbon, bad_token)


def corrupt(smiles: str, rng: random.Random) -> str | None:
    """One randomly chosen corruption of `smiles`, or None when that one does not apply to it."""
    edit = rng.choice(CORRUPTIONS)
    return edit(smiles, rng) if smiles else None
