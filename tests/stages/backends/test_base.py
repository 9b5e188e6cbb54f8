"""Stop-string helpers shared by every streaming backend."""

from __future__ import annotations

from stages.backends.base import apply_stops, stop_prefix_len


def test_apply_stops_cuts_at_the_first_stop():
    assert apply_stops("answer END more", ["END"]) == ("answer ", True)
    assert apply_stops("a\n\nb<|im_end|>", ["<|im_end|>", "\n\n"]) == ("a", True)
    assert apply_stops("no stop here", ["END", ""]) == ("no stop here", False)


def test_stop_prefix_len_holds_back_a_possible_stop():
    assert stop_prefix_len("The ans", ["answer"]) == 3
    assert stop_prefix_len("The ans", ["xyz", "s"]) == 0
    assert stop_prefix_len("done.\n", ["\n\n", "END"]) == 1
    assert stop_prefix_len("anything", []) == 0
    assert stop_prefix_len("x<|im_e", ["<|im_end|>"]) == 6
