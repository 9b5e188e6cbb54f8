"""Helpers shared by the backends: stop strings, the local token budget and finish reason."""

from __future__ import annotations

import threading

import pytest

from stages.backends.base import BackendError, apply_stops, local_finish_reason, stop_prefix_len, token_budget


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


def test_token_budget_is_max_tokens_within_the_context_room():
    assert token_budget(100, 256, 512, "m") == 256
    assert token_budget(400, 256, 512, "m") == 112
    assert token_budget(4000, 256, None, "m") == 256  # context unknown
    with pytest.raises(BackendError, match=r"the prompt is 512 tokens; model 'm' reads at most 512"):
        token_budget(512, 256, 512, "m")


def test_local_finish_reason_prefers_stop_then_cancel_then_length():
    cancelled = threading.Event()
    cancelled.set()
    assert local_finish_reason(True, False, 256, 256, cancelled) == "stop"
    assert local_finish_reason(False, True, 3, 256, cancelled) == "stop"
    assert local_finish_reason(False, False, 3, 256, cancelled) == "cancelled"
    assert local_finish_reason(False, False, 256, 256, None) == "length"
    assert local_finish_reason(False, False, 100, 256, threading.Event()) == "stop"  # cut by the context
