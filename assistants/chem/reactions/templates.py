"""Template extraction and application (rdchiral on RDKit): one retro template per precedent, and the
forward template as the same rule read the other way, with the reactant side grouped into one
component so it applies to a whole reactant set at once."""

from __future__ import annotations

import contextlib
import io
from functools import lru_cache

from assistants.chem.reactions.sources import MappedReaction

MAX_OUTCOMES = 50  # a template that matches a molecule in more ways than this is too generic to rank


def extract_retro(reaction: MappedReaction) -> str | None:
    """The retro template (product>>reactants SMARTS) of a mapped reaction, or None when rdchiral
    finds no changed atoms or times out on it."""
    from rdchiral.template_extractor import extract_from_reaction

    from rdkit import rdBase

    record = {"reactants": reaction.reactants, "products": reaction.product, "_id": reaction.id}
    try:
        with contextlib.redirect_stdout(io.StringIO()), rdBase.BlockLogs():
            found = extract_from_reaction(record)
    except (ValueError, RuntimeError, KeyError, IndexError):
        return None
    smarts = found.get("reaction_smarts") if isinstance(found, dict) else None
    return str(smarts) if smarts else None


def forward_of(retro: str) -> str:
    """The forward rule of a retro template: `(reactants)>>product`."""
    product, _, reactants = retro.split(">")
    return f"({reactants})>>{product}"


@lru_cache(maxsize=8192)
def _compiled(smarts: str) -> object | None:
    from rdchiral.main import rdchiralReaction

    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return rdchiralReaction(smarts)
    except (ValueError, RuntimeError, KeyError, IndexError):
        return None


@lru_cache(maxsize=512)
def prepared(smiles: str) -> object | None:
    """rdchiral's prepared form of a molecule or reactant set, shared by every template applied to it."""
    from rdchiral.main import rdchiralReactants

    try:
        return rdchiralReactants(smiles)
    except (ValueError, RuntimeError, AttributeError):
        return None


def apply(smarts: str, smiles: str) -> list[str]:
    """The outcomes of one template on a molecule (or dot-joined set), as rdchiral writes them."""
    from rdchiral.main import rdchiralRun
    from rdkit import rdBase

    with rdBase.BlockLogs():
        rule, target = _compiled(smarts), prepared(smiles)
    if rule is None or target is None:
        return []
    try:
        with contextlib.redirect_stdout(io.StringIO()), rdBase.BlockLogs():
            outcomes = rdchiralRun(rule, target, combine_enantiomers=False)
    except (ValueError, RuntimeError, KeyError, IndexError):
        return []
    return list(outcomes[:MAX_OUTCOMES])
