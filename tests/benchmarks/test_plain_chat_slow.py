"""The 25 plain chat questions asked of the real embedded model (llama.cpp, SmolLM2-135M) with the tools
around it: each reply passes on the text a user reads."""

from __future__ import annotations

import pytest

from benchmarks.adversarial.items import PLAIN_CHAT, load_items
from benchmarks.trust_adversarial import run


@pytest.mark.slow
def test_plain_chat_with_the_model_passes_on_the_reply_text() -> None:
    outcomes = run(load_items(PLAIN_CHAT), use_model=True)
    assert len(outcomes) == 25
    broken = [(o.id, o.status) for o in outcomes if o.wrong_verified or o.non_answer_verified or o.echo]
    assert broken == [], "replies that break the status promise or repeat their instructions"
    missing = {o.id: o.missing for o in outcomes if o.missing}
    assert missing == {}, "replies whose text lacks the expected facts"
    assert [o.id for o in outcomes if not o.agrees] == []
