"""The whole adversarial set through the tools-only pipelines: no wrong answer is verified, nothing echoes."""

from __future__ import annotations

import pytest

from benchmarks.adversarial.items import load_items
from benchmarks.trust_adversarial import run, tally


# Open defects, each still wrong and verified: comparisons whose second compound the store names
# oddly (cmp-07, cmp-09), isotopologues with wrong store data or a yes/no left unanswered (iso-06,
# iso-08), and reaction questions answered with compound facts only (rxn-02, rxn-04, rxn-08, rxn-10).
# The list may only shrink: any other item verified wrong fails this test.
KNOWN_WRONG_VERIFIED = {"cmp-07", "cmp-09", "iso-06", "iso-08", "rxn-02", "rxn-04", "rxn-08", "rxn-10"}


@pytest.mark.slow
def test_tools_only_replies_keep_the_status_promise() -> None:
    outcomes = run(load_items(), use_model=False)
    result = tally(outcomes)
    wrong = [o.id for o in outcomes if o.wrong_verified]
    empty = [o.id for o in outcomes if o.non_answer_verified]
    echoes = [f"{o.id}: {o.echo}" for o in outcomes if o.echo]
    assert result.n == len(outcomes) >= 120
    assert (sorted(set(wrong) - KNOWN_WRONG_VERIFIED), empty, echoes) == ([], [], []), "items whose reply breaks the status promise"
