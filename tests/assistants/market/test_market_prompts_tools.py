import pytest

from assistants.market import chains
from assistants.market.footprint import analyze_footprint, footprint_to_text
from assistants.market.langchain_tools import market_tools
from assistants.market.prompts import load_pack, pack_names
from assistants.market.synthetic import synthetic_footprint

FOOTPRINT = synthetic_footprint("downward", "buyer", seed=3)


def footprint_facts():
    facts = analyze_footprint(FOOTPRINT).model_dump()
    facts["tables"] = footprint_to_text(FOOTPRINT)
    return facts


@pytest.mark.parametrize("name", pack_names())
@pytest.mark.parametrize("tools", [True, False])
def test_every_pack_renders_every_footprint_stage(name, tools):
    pack = load_pack(name)
    assert pack.version >= 1 and pack.system
    values = chains.footprint_values(footprint_facts(), {"s1": {"direction": "downward"}}, tools)
    for stage in (*chains.FOOTPRINT_STAGES, "single"):
        text = pack.render(stage, **values)
        assert "{{" not in text and "{%" not in text
        if stage not in ("s1", "single"):  # the stages after s1 are told the direction: downward
            assert "downward" in text or "below" in text, (stage, text)


def test_unknown_pack_and_stage_are_named():
    with pytest.raises(KeyError, match="available"):
        load_pack("nope")
    with pytest.raises(KeyError, match="no stage"):
        load_pack("breakgpt").render("ohlcv_s1")


def test_answers_are_read_leniently():
    assert chains.parse_stage("s1", "It went down first but the answer: Upward.")["direction"] == "upward"
    assert chains.parse_stage("s2", "Table 10 shows the level. The resistance level is 1,000.25.")["level"] == 1000.25
    assert chains.parse_stage("s3", "Answer: The seller side.")["side"] == "seller"
    assert chains.parse_stage("report", "Conclusion: This is a false breakout")["judgment"] == "false"
    assert chains.parse_stage("s2", "no idea")["level"] is None


def test_langchain_tools_run_the_real_functions():
    tools = {t.name: t for t in market_tools()}
    facts = tools["read_footprint"].invoke({"tables": footprint_to_text(FOOTPRINT)})
    assert (facts["direction"], facts["side"], facts["label"]) == ("downward", "buyer", "false")
    events = tools["find_breakouts"].invoke({"ticker": "IBM", "start": "2010-01-01", "end": "2010-12-31", "last": 2})
    assert len(events) == 2 and events[-1]["date"].startswith("2010-")
    assert {"volume_ratio", "evidence_true"} <= set(events[0])
