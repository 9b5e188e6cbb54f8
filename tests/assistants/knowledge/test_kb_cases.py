"""The breakout case library: real events from the bundled samples, described like the query."""

from __future__ import annotations

import pandas as pd
import pytest

from assistants.knowledge.cases import case_passages, case_query
from assistants.market.breakouts import ScanConfig
from assistants.market.samples import sample_ohlcv


@pytest.fixture(scope="module")
def ibm() -> list:
    return case_passages({"bokeh/IBM": sample_ohlcv("bokeh/IBM")})


def test_every_decided_event_is_a_case_with_a_unique_dated_id(ibm: list) -> None:
    assert len(ibm) > 100
    ids = [p.id for p in ibm]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("case:bokeh-IBM:") for i in ids)
    assert {p.metadata["outcome"] for p in ibm} <= {"target", "failed", "timeout"}
    assert {p.metadata["direction"] for p in ibm} == {"upward", "downward"}


def test_a_case_is_dated_by_the_bar_that_decided_it(ibm: list) -> None:
    bars = sample_ohlcv("bokeh/IBM")
    for case in ibm[::25]:
        start = bars.index.get_loc(pd.Timestamp(case.metadata["date"]))
        decided = pd.Timestamp(case.metadata["decided_s"], unit="s")
        assert decided in bars.index and 0 < bars.index.get_loc(decided) - start <= ScanConfig().horizon


def test_a_case_reads_as_its_banded_features_then_numbers_then_outcome(ibm: list) -> None:
    case = next(p for p in ibm if p.metadata["outcome"] == "target")
    assert case.text.startswith(f"bokeh/IBM on {case.metadata['date']}: {case.metadata['direction'].capitalize()} breakout, ")
    assert " ATR, " in case.text and "volume ratio " in case.text
    assert "Outcome: the price reached the 2 ATR target after " in case.text and "(a true breakout)" in case.text
    assert f"{case.metadata['confirmations']} of 3 confirmations" in case.text


def test_the_query_of_a_judged_breakout_describes_each_feature_in_a_band() -> None:
    facts = {"direction": "upward", "level": 101.5, "width_atr": 3.21, "touches": 4, "volume_ratio": None,
             "close_location": 0.9, "atr_multiple": 0.75, "gap_atr": 0.1}
    assert case_query(facts) == ("Upward breakout, medium range, level tested many times, no volume data, strong close, "
                                 "clearly beyond the level, small gap.")
    quiet = {**facts, "width_atr": 1.0, "touches": 1, "volume_ratio": 0.8, "close_location": 0.3, "atr_multiple": 0.1,
             "gap_atr": 0.0, "direction": "downward"}
    assert case_query(quiet) == ("Downward breakout, narrow range, level touched once, low volume, weak close, "
                                 "barely beyond the level, no gap.")


def test_the_scan_settings_shape_the_library() -> None:
    frame = sample_ohlcv("bokeh/IBM")
    wide = case_passages({"bokeh/IBM": frame}, ScanConfig(window=60, target_atr=3.0))
    assert wide and all("3 ATR target" in p.text for p in wide if p.metadata["outcome"] == "target")
