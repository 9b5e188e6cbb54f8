"""The calibrated breakout model: shipped parameters, no look-ahead, fitting out of time."""

import json

import numpy as np
import pandas as pd
import pytest

from assistants.market.breakouts import ScanConfig
from assistants.market.fit import FitConfig, assign_splits, fit_breakout_model, heldout_tickers
from assistants.market.samples import sample_ohlcv
from assistants.market.scores import auc, brier, probability_scores
from assistants.market.screen import last_bar_ranking, score_events
from assistants.market.skill import SHIPPED, BreakoutModel, load_model
from assistants.market.universe import Universe
from stages.stage import BadInput

TICKERS = ("AAPL", "IBM", "MSFT", "GOOG")


@pytest.fixture(scope="module")
def frames():
    return {t: sample_ohlcv(f"bokeh/{t}") for t in TICKERS}


def test_shipped_model_is_small_json_with_provenance_and_a_consistent_report():
    assert SHIPPED.stat().st_size < 50_000
    raw = json.loads(SHIPPED.read_text())
    model = load_model()
    assert model.provenance["data"] == "sp500_2013_2018_daily.csv.gz" and model.provenance["licence"] == "MIT"
    assert model.provenance["fit_command"].startswith("tristage breakout fit --data ")
    assert "CNuge/kaggle-code" in model.provenance["source"]
    report = raw["report"]
    assert set(report["scores"]) == {"train", "validation", "test", "test_heldout_tickers"}
    for split, scores in report["scores"].items():
        assert scores["all"]["n"] == report["splits"]["sizes"][split] == sum(
            s["n"] for s in scores["direction"].values())
    train = report["scores"]["train"]
    assert model.base_rate == pytest.approx({d: s["true_share"] for d, s in train["direction"].items()})
    share = train["all"]["true_share"]
    assert train["all"]["brier_base_rate"] == pytest.approx(share * (1 - share), rel=1e-3)


def test_shipped_model_keeps_its_skill_on_bars_it_never_saw(frames):
    """The fit's own data is not shipped, so its reported scores are recomputed on the bundled samples
    (2000-2013, before the fit's 2013-2018 bars) and must clear the same bars as the report's test split."""
    model = load_model()
    events = score_events(frames, model)
    events = events[events["label"].notna()]
    assert len(events) > 500
    for direction, rows in [("all", events), *events.groupby("direction")]:
        s = probability_scores(rows["label"].astype(bool).to_numpy(), rows["probability"].to_numpy(),
                               rows["base_rate"].to_numpy(), majority=model.report["majority_class"] == "true")
        assert s["auc"] >= 0.68 and s["brier"] < s["brier_base_rate"], (direction, s)
        assert s["accuracy"] >= s["accuracy_majority"] + 0.04, (direction, s)


def test_changing_bars_after_an_event_leaves_its_probability_unchanged(frames):
    model = load_model()
    bars = frames["IBM"]
    events = score_events({"IBM": bars}, model)
    event = events.iloc[len(events) // 2]
    i = int(event["index"])
    later = bars.copy()
    rng = np.random.default_rng(1)
    later.iloc[i + 1 :] = later.iloc[i + 1 :] * rng.uniform(0.5, 1.5, size=(len(bars) - i - 1, 1))
    again = score_events({"IBM": later}, model)
    same = again[again["date"] == event["date"]].iloc[0]
    assert same["probability"] == event["probability"]
    assert same["confirmations"] == event["confirmations"]
    earlier = bars.copy()
    earlier.iloc[i - 1, earlier.columns.get_loc("volume")] *= 10  # a bar inside its range does move it
    moved = score_events({"IBM": earlier}, model)
    assert moved[moved["date"] == event["date"]].iloc[0]["probability"] != event["probability"]


def test_probability_is_calibrated_call_and_last_bar_ranking(frames):
    model = load_model()
    cut = {t: f.iloc[:-3] if t != "IBM" else f for t, f in frames.items()}
    events = score_events(cut, model)
    assert ((events["probability"] >= 0.5) == (events["judgment"] == "true")).all()
    assert events["base_rate"].isin(list(model.base_rate.values())).all()
    ranked = last_bar_ranking(events)
    assert ranked["probability"].is_monotonic_decreasing
    assert all(int(r.index) == len(cut[r.ticker]) - 1 for r in ranked.itertuples())


def test_scores_against_their_baselines():
    truth = np.array([True, False, True, False, True])
    assert auc(truth, np.array([0.9, 0.1, 0.8, 0.2, 0.7])) == 1.0
    assert auc(truth, np.zeros(5)) == 0.5
    s = probability_scores(truth, np.full(5, 0.6), np.full(5, 0.6), majority=True)
    assert s["accuracy"] == s["accuracy_majority"] == 0.6 and s["f1"] == s["f1_always_true"]
    assert s["brier"] == pytest.approx(brier(truth, np.full(5, 0.6)))


def test_fit_out_of_time_on_real_bars_and_reload(frames, tmp_path):
    universe = Universe(frames=frames)
    config = FitConfig(validation_start="2008-01-01", test_start="2010-01-01", holdout_share=0.25)
    model, scored = fit_breakout_model(universe, ScanConfig(), config, {"data": "bokeh samples"})
    report = model.report
    assert report["splits"]["test_start"] == "2010-01-01"
    assert report["chosen"] in report["candidates_validation_auc"]
    test = scored[scored["split"] == "test"]
    assert (test["date"] >= "2010-01-01").all()
    train = scored[scored["split"] == "train"]
    assert (train["date"] < "2008-01-01").all() and not train["ticker"].isin(heldout_tickers(list(TICKERS), 0.25)).any()
    path = tmp_path / "m.json"
    path.write_text(model.model_dump_json())
    again = load_model(path)
    np.testing.assert_allclose(again.probability(test), test["probability"].to_numpy())


def test_embargo_keeps_outcome_windows_out_of_the_next_period(frames):
    from assistants.market.breakouts import scan_many

    events = scan_many(frames, ScanConfig(), label=True)
    events = events[events["label"].notna()].reset_index(drop=True)
    split, _ = assign_splits(frames, events, ScanConfig(), FitConfig(validation_start="2008-01-01",
                                                                    test_start="2010-01-01", holdout_share=0))
    horizon = ScanConfig().horizon
    pairs = zip(events["ticker"].astype(str), events["index"], strict=True)
    decided = pd.Series([frames[t].index[min(i + horizon, len(frames[t]) - 1)] for t, i in pairs], index=events.index)
    for name, start, end in (("train", "2000-01-01", "2008-01-01"), ("validation", "2008-01-01", "2010-01-01")):
        assert (split == name).any() and (decided[split == name] < pd.Timestamp(end)).all(), name
        crossing = events["date"].between(pd.Timestamp(start), pd.Timestamp(end), inclusive="left") & (
            decided >= pd.Timestamp(end))
        assert crossing.any() and (split[crossing] == "").all(), name  # embargoed, not in the next period


def test_bad_model_files_are_named(tmp_path):
    with pytest.raises(BadInput, match="No breakout model file nope.json"):
        load_model(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(BadInput, match="bad.json is not a breakout model file"):
        load_model(tmp_path / "bad.json")
    assert isinstance(load_model(), BreakoutModel)
