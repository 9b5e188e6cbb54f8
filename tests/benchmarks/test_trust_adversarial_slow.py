"""The whole adversarial set through the tools-only pipelines: no wrong answer is verified, nothing echoes."""

from __future__ import annotations

import pytest

from benchmarks.adversarial.items import load_items
from benchmarks.trust_adversarial import run, tally


@pytest.mark.slow
def test_tools_only_replies_keep_the_status_promise() -> None:
    outcomes = run(load_items(), use_model=False)
    result = tally(outcomes)
    wrong = [o.id for o in outcomes if o.wrong_verified]
    empty = [o.id for o in outcomes if o.non_answer_verified]
    echoes = [f"{o.id}: {o.echo}" for o in outcomes if o.echo]
    assert result.n == len(outcomes) >= 120
    assert (wrong, empty, echoes) == ([], [], []), "items whose reply breaks the status promise"
    disagree = [o.id for o in outcomes if not o.agrees]
    assert disagree == [], "items whose status is not one the item allows"
