import numpy as np
import pandas as pd
import pytest

from assistants.market.footprint import (
    analyze_footprint,
    breakout_label,
    footprint_direction,
    footprint_from_trades,
    footprint_level,
    footprint_side,
    footprint_to_text,
    infer_tick,
    load_footprint_csv,
    parse_footprint_text,
)
from assistants.market.synthetic import synthetic_footprint
from stages.stage import BadInput

CASES = [("upward", "buyer", "true"), ("upward", "seller", "false"), ("downward", "seller", "true"),
         ("downward", "buyer", "false")]


@pytest.mark.parametrize(("direction", "stronger", "label"), CASES)
def test_rules_recover_the_generated_answer(direction, stronger, label):
    frame = synthetic_footprint(direction, stronger, seed=7)
    facts = analyze_footprint(frame)
    assert facts.direction == direction
    assert facts.level == (1002.0 if direction == "upward" else 1000.0)
    assert facts.side == stronger
    assert facts.label == label
    assert facts.tick == 0.25


def test_text_round_trip_keeps_every_number():
    frame = synthetic_footprint(seed=2)
    again = parse_footprint_text(footprint_to_text(frame))
    pd.testing.assert_frame_equal(again.reset_index(drop=True), frame.reset_index(drop=True), check_dtype=False)


def test_breakgpt_spelling_variants_and_trailing_question():
    text = ("Table 0 Sell Buy Price 5 6 10.50 7 8 10.25 Table1: Sell Buy Price 1 2 10.75 3 4 10.50 "
            "Table 2: sell buy price 9 1 11.00 2 3 10.75 Now, what is the direction? 10 apples")
    frame = parse_footprint_text(text)
    assert frame["bar"].nunique() == 3 and list(frame["label"].unique()) == [0, 1, 2]
    assert footprint_direction(frame) == "upward"
    assert footprint_level(frame, "upward") == 10.75


def test_side_reads_sell_against_buy_one_tick_higher():
    text = "Table 1: Sell Buy Price 10 10 100.50 10 10 100.25 Table 2: Sell Buy Price 5 40 101.00 30 7 100.75 20 1 100.50"
    frame = parse_footprint_text(text)
    side, sell, buy, pairs = footprint_side(frame, "upward", 100.50, 0.25)
    # prices >= 100.50: sell 5 (vs buy at 101.25: none), 30 vs 40, 20 vs 7
    assert pairs == [(101.0, 5.0, 0.0), (100.75, 30.0, 40.0), (100.5, 20.0, 7.0)]
    assert (sell, buy, side) == (55.0, 47.0, "seller")
    assert breakout_label("upward", side) == "false"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no tables here", "No footprint"),
        ("Table 1: Sell Buy Price 1 2 Table 2: Sell Buy Price 1 2 3", "expected sell, buy, price triples"),
        ("Table 1: Sell Buy Price 1 x 3 Table 2: Sell Buy Price 1 2 3", "non-numeric"),
        ("Table 1: Sell Buy Price 1 2 3 4 5 3", "same price twice"),
        ("Table 1: Sell Buy Price -1 2 3 Table 2: Sell Buy Price 1 2 4", "negative"),
    ],
)
def test_malformed_text_is_a_clear_bad_input(text, message):
    with pytest.raises(BadInput, match=message):
        parse_footprint_text(text)


def test_one_table_and_no_breakout_are_explained():
    with pytest.raises(BadInput, match="single table"):
        analyze_footprint(parse_footprint_text("Table 1: Sell Buy Price 1 2 10.25 3 4 10.00"))
    inside = "Table 1: Sell Buy Price 1 2 10.50 3 4 10.00 Table 2: Sell Buy Price 1 1 10.25"
    with pytest.raises(BadInput, match="stays inside"):
        analyze_footprint(parse_footprint_text(inside))


def test_csv_with_volume_suffixes(tmp_path):
    frame = synthetic_footprint("downward", "seller", seed=1)
    path = tmp_path / "fp.csv"
    frame.rename(columns={"sell": "Sell Volume", "buy": "Buy_Volume", "price": "Price", "label": "Bar"}).drop(
        columns="bar").to_csv(path, index=False)
    assert analyze_footprint(load_footprint_csv(path)) == analyze_footprint(frame)


def test_footprint_from_trades_by_time_and_by_count():
    trades = pd.DataFrame({
        "time": pd.to_datetime(["2024-01-02 09:30:01", "2024-01-02 09:30:20", "2024-01-02 09:31:05", "2024-01-02 09:31:30"]),
        "price": [100.0, 100.26, 100.5, 100.5],
        "size": [3, 4, 5, 6],
        "side": ["buy", "sell", "B", "s"],
    })
    by_time = footprint_from_trades(trades, bar_seconds=60, tick=0.25)
    assert by_time["bar"].nunique() == 2
    assert by_time.loc[by_time["price"] == 100.25, "sell"].item() == 4
    last = by_time[by_time["bar"] == 1]
    assert (last["sell"].item(), last["buy"].item()) == (6, 5)
    by_count = footprint_from_trades(trades, bar_size=3)
    assert by_count["bar"].nunique() == 2
    with pytest.raises(BadInput, match="exactly one"):
        footprint_from_trades(trades)
    with pytest.raises(BadInput, match="buy or sell"):
        footprint_from_trades(trades.assign(side="x"), bar_size=2)


def test_tick_inference():
    assert infer_tick(np.array([1000.0, 1000.25, 1001.0])) == 0.25
    with pytest.raises(BadInput):
        infer_tick(np.array([5.0, 5.0]))
