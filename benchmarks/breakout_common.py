"""Shared pieces of the breakout benchmarks: scores and the model backend they use."""

from __future__ import annotations

import time

from assistants.market.scores import call_scores as scores
from stages.backends import Backend, make_backend
from stages.config import get_settings

__all__ = ["breakout_backend", "row", "scores"]


def row(name: str, s: dict[str, float]) -> str:
    return (f"{name:<34} n={s['n']:<4} acc={s['accuracy']:.3f} prec={s['precision']:.3f} "
            f"rec={s['recall']:.3f} f1={s['f1']:.3f} unanswered={s['unanswered']}")


def breakout_backend() -> tuple[Backend, float]:
    """The configured backend for the breakout assistant, and how long it took to load."""
    started = time.perf_counter()
    backend = make_backend(get_settings().backend_for("breakout"))
    return backend, time.perf_counter() - started
