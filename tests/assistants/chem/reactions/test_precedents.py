"""Unmapped precedents rank retrosynthesis candidates: RetroSim's similarity product and the share of a
candidate's molecules that the nearest precedents used."""

from __future__ import annotations

import numpy as np

from assistants.chem.reactions.evidence import nearest
from assistants.chem.reactions.library import ReactionLibrary
from assistants.chem.reactions.retro import retro_evidence


def test_nearest_takes_the_most_similar_across_parts_and_skips_left_out_rows() -> None:
    fps = np.zeros((3, 256), dtype=np.uint8)
    near = nearest([(np.array([0.9, -1.0, 0.2]), ["A", "B", "C"], fps), (np.array([0.5, 0.95]), ["D.E", "F"], fps[:2])], k=3)
    assert near.similarities.tolist() == [0.95, 0.9, 0.5]
    assert near.outcomes == [{"F"}, {"A"}, {"D", "E"}]


def test_an_unmapped_precedent_of_the_target_backs_its_own_reactants(library: ReactionLibrary) -> None:
    unmapped = library.unmapped
    assert len(unmapped) > 30_000
    backed = 0
    for row in range(0, 400, 20):
        target, truth = unmapped.products[row], unmapped.reactants[row]
        found = retro_evidence(library, target)
        if truth not in found:
            continue
        backed += 1
        assert found[truth].shared_molecules == 1.0 and found[truth].precedent_combined == 1.0
    assert backed >= 5
