"""The breakout chain on the real embedded model (slow: loads SmolLM2-135M-Instruct)."""

import pytest

from assistants.market.assistant import DISCLAIMER, BreakoutAssistant
from assistants.market.footprint import footprint_to_text
from assistants.market.synthetic import synthetic_footprint
from stages.messages import RunOptions, ask
from stages.pipeline import Pipeline
from stages.reply import Status

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def backend(embedded_model):
    from stages.backends import make_backend
    from stages.config import get_settings

    return make_backend(get_settings().backend_for("breakout"))


def test_footprint_chain_on_the_embedded_model_ends_with_checked_facts(backend):
    frame = synthetic_footprint("downward", "seller", bars=4, seed=11)
    # a generous wall-time budget: four calls on a busy 2-core machine can take minutes
    reply = Pipeline(BreakoutAssistant(), backend).run(ask(footprint_to_text(frame), options=RunOptions(max_wall_s=1800)))
    assert reply.status in (Status.VERIFIED, Status.CORRECTED), reply.reason
    calls = [c for record in reply.trace for c in record.model_calls]
    assert len(calls) == 4 and all(c.output for c in calls)
    assert reply.result["judgment"] == "true"
    assert "Downward breakout through 1000.00" in reply.text
    assert reply.text.endswith(DISCLAIMER)


def test_a_period_question_on_the_embedded_model_is_answered_about_that_period(backend):
    question = "Did IBM break out of its range in March 2011?"
    reply = Pipeline(BreakoutAssistant(phrasing="model"), backend).run(ask(question, options=RunOptions(max_wall_s=1800)))
    assert reply.status is not Status.ERROR, reply.reason
    assert reply.text.startswith("**Yes, IBM had 1 breakout in March 2011 (2011-03-01 to 2011-03-31)")
    assert "Data: IBM bars, bundled sample bokeh/IBM, 2000-03-01 to 2013-03-01 (last bar 2013-03-01)." in reply.text
