"""Every shipped suite loads and is well formed; selection is seeded; the registry explains mistakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.registry import EXTERNAL, load_suite, shipped, suite_names
from evals.suite import ClaimsRule, Item, Suite, SuiteError, load_suite_file, write_suite_file


@pytest.mark.parametrize("name", sorted(shipped()))
def test_every_shipped_suite_is_well_formed(name: str) -> None:
    suite = load_suite(name)
    assert suite.name == name
    assert len(suite.items) >= 10
    assert {item.task for item in suite.items}
    assert all(item.question.strip() for item in suite.items)


def test_chem_suites_draw_only_held_out_compounds() -> None:
    from assistants.chem.split import heldout

    for name in ("chem-names", "chem-properties", "chem-validity", "chem-calculations"):
        keys = [item.meta["inchikey"] for item in load_suite(name).items]
        assert keys and all(heldout(key) for key in keys)


def _suite(n: int) -> Suite:
    items = [Item(id=f"q{i}", task="t", question=f"question {i}", rules=[ClaimsRule(required=[str(i)])]) for i in range(n)]
    return Suite(name="toy", description="toy", assistant="general", items=items)


def test_breakout_items_are_events_the_data_build_keeps_for_test() -> None:
    import pandas as pd

    from assistants.market.breakouts import ScanConfig
    from assistants.market.samples import sample_ohlcv
    from data_templates.market import series_splits

    items = load_suite("breakout-ohlcv").items
    assert items
    for item in items:
        ticker, date = item.id.split("-", 1)
        bars = sample_ohlcv(f"bokeh/{ticker}")
        assert series_splits(bars, ScanConfig())[bars.index.get_loc(pd.Timestamp(date))] == "test", item.id


def test_same_seed_same_items_whatever_the_order() -> None:
    suite = _suite(20)
    reversed_suite = suite.model_copy(update={"items": list(reversed(suite.items))})
    assert [i.id for i in suite.select(5, seed=3)] == [i.id for i in reversed_suite.select(5, seed=3)]
    assert [i.id for i in suite.select(5, seed=3)] != [i.id for i in suite.select(5, seed=4)]
    assert len(suite.select(None, seed=0)) == 20


def test_round_trip_and_duplicate_ids(tmp_path: Path) -> None:
    path = write_suite_file(_suite(3), tmp_path / "toy.yaml")
    assert load_suite_file(path) == _suite(3)
    assert load_suite(str(path)).name == "toy"
    with pytest.raises(ValueError, match="duplicate"):
        Suite(name="x", description="x", assistant="general", items=_suite(2).items * 2)


def test_malformed_suite_says_so(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nitems: [{id: a}]\n")
    with pytest.raises(SuiteError, match="malformed"):
        load_suite_file(path)


def test_registry_suggests_near_misses_and_asks_for_data() -> None:
    with pytest.raises(SuiteError, match="did you mean 'chem-names'"):
        load_suite("chem-name")
    with pytest.raises(SuiteError, match="--data"):
        load_suite("chembench")
    assert set(EXTERNAL) <= set(suite_names())
