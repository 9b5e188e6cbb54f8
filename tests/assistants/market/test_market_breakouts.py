import numpy as np
import pandas as pd
import pytest

from assistants.market.breakouts import (
    ScanConfig,
    evidence,
    label_events,
    scan_breakouts,
    scan_many,
    trading_range,
    volume_rule,
)
from assistants.market.synthetic import synthetic_ohlcv
from stages.stage import BadInput

CONFIG = ScanConfig(window=5, atr_period=3, horizon=4, target_atr=2.0)


def frame(closes, volume=100.0, spread=0.5):
    closes = np.asarray(closes, float)
    index = pd.bdate_range("2021-01-04", periods=len(closes), name="date")
    opens = np.concatenate([[closes[0]], closes[:-1]])
    return pd.DataFrame({"open": opens, "high": np.maximum(opens, closes) + spread,
                         "low": np.minimum(opens, closes) - spread, "close": closes, "volume": volume}, index=index)


FLAT = [10, 10.2, 9.9, 10.1, 10.0, 10.1, 9.9]


def test_range_excludes_the_current_bar():
    f = frame(FLAT + [13])
    r = trading_range(f, window=5)
    assert r["range_high"].iloc[:5].isna().all()
    assert r["range_high"].iloc[-1] == f["high"].iloc[-6:-1].max()
    assert r["range_high"].iloc[-1] < f["high"].iloc[-1]


def test_upward_breakout_that_follows_through_is_true():
    f = frame(FLAT + [11.5, 12.5, 13.5, 14.5, 15.5], volume=np.r_[[100.0] * 7, 300, 100, 100, 100, 100])
    events = scan_breakouts(f, CONFIG, label=True)
    assert len(events) == 1
    e = events.iloc[0]
    assert (e["direction"], e["index"], e["outcome"], bool(e["label"])) == ("upward", 7, "target", True)
    assert e["level"] == pytest.approx(10.7)
    assert e["volume_ratio"] == pytest.approx(3.0)
    assert e["close_location"] == pytest.approx((11.5 - 9.4) / (12.0 - 9.4))
    assert bool(volume_rule(events, CONFIG).iloc[0])


def test_downward_breakout_that_returns_is_false():
    f = frame(FLAT + [8.5, 10.5, 10.6, 10.4, 10.5])
    e = scan_breakouts(f, CONFIG, label=True).iloc[0]
    assert (e["direction"], e["outcome"], bool(e["label"]), e["bars_to_outcome"]) == ("downward", "failed", False, 1.0)
    assert bool(e["retest"]) is False


def test_consecutive_closes_beyond_make_one_event_and_open_outcome_has_no_label():
    f = frame(FLAT + [11.5, 11.8])
    events = scan_breakouts(f, CONFIG, label=True)
    assert len(events) == 1
    assert events.iloc[0]["outcome"] == "open" and pd.isna(events.iloc[0]["label"])


def test_zero_volume_gives_no_volume_ratio_not_a_crash():
    events = scan_breakouts(frame(FLAT + [12.0], volume=0.0), CONFIG)
    assert np.isnan(events.iloc[0]["volume_ratio"])
    assert not evidence(events, CONFIG)["volume_confirmed"].iloc[0]


def test_fewer_bars_than_the_window_is_a_clear_error():
    with pytest.raises(BadInput, match="needs more than 5"):
        scan_breakouts(frame(FLAT[:4]), CONFIG)


def test_scan_many_equals_per_ticker_scans_and_never_crosses_tickers():
    frames = synthetic_ohlcv(3, 400, seed=4)
    many = scan_many(frames)
    for name, f in frames.items():
        one = label_events(f, scan_breakouts(f))
        mine = many[many["ticker"] == name].drop(columns="ticker").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, one.reset_index(drop=True), check_dtype=False)
    assert (many.groupby("ticker")["index"].min() >= ScanConfig().warmup).all()


def test_events_on_real_daily_data_have_sane_features():
    from assistants.market.samples import sample_ohlcv

    events = scan_many({"IBM": sample_ohlcv("IBM")})
    assert len(events) > 100
    assert (events["atr_multiple"] > 0).all()
    assert events["close_location"].between(0, 1).all()
    assert set(events["outcome"]) <= {"target", "failed", "timeout", "open"}


@pytest.mark.parametrize("window", [1, 2, 7, 50])
def test_linear_rolling_extreme_equals_the_sliding_window(window):
    from numpy.lib.stride_tricks import sliding_window_view

    from assistants.market.breakouts import rolling_extreme

    x = np.random.default_rng(window).normal(size=203)
    assert np.allclose(rolling_extreme(x, window, "max")[window - 1:], sliding_window_view(x, window).max(axis=1))
    assert np.allclose(rolling_extreme(x, window, "min")[window - 1:], sliding_window_view(x, window).min(axis=1))
    assert np.isnan(rolling_extreme(x, window, "max")[: window - 1]).all()
