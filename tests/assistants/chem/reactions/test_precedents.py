"""The nearest precedents (mapped or not) rank retrosynthesis candidates: RetroSim's similarity product
and the share of a candidate's molecules that the nearest precedents used."""

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


def test_a_precedent_of_the_target_backs_its_own_reactants(library: ReactionLibrary) -> None:
    rows = [i for i, row_id in enumerate(library.ids) if row_id.startswith("uspto50k-train-")]
    assert len(rows) > 30_000, "the USPTO-50K train pairs are template sources"
    backed = 0
    for row in rows[:400:20]:
        target, truth = library.products[row], library.reactants[row]
        found = retro_evidence(library, target)
        if truth not in found:
            continue
        backed += 1
        assert found[truth].shared_molecules == 1.0 and found[truth].precedent_combined == 1.0
    assert backed >= 5
