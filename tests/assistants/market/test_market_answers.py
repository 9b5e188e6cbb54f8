"""One reader of breakout answers: the last 'Answer:' marker, and one table of answer words for the chains and the evals."""

from __future__ import annotations

from assistants.market.answers import answer_part, parse_direction, parse_judgment, parse_side, reason_part


def test_the_answer_is_after_the_last_marker_the_prompts_end_with() -> None:
    text = 'I was told to end with "Answer: upward" or "Answer: downward". The close is below the low.\nAnswer: downward'
    assert answer_part(text).strip() == "downward" and parse_direction(text) == "downward"
    assert reason_part(text).endswith("below the low.\n") and reason_part("no marker") == "no marker"


def test_the_chains_read_the_same_words_the_evals_score() -> None:
    assert parse_side("Sellers were outdone by heavy buying.") == "buyer"
    assert parse_judgment("Answer: not a true breakout, a false breakout") == "false"
    assert parse_direction("It broke out of nothing.") is None
