"""Shared pieces of the breakout benchmarks: scores and the model backend they use."""

from __future__ import annotations

import time
from collections.abc import Sequence

from stages.backends import Backend, make_backend
from stages.config import get_settings


def scores(truth: Sequence[bool], predicted: Sequence[bool | None]) -> dict[str, float]:
    """Accuracy, precision, recall and F1 with 'true breakout' as the positive class.

    A missing prediction (None: the model gave no readable answer) counts as wrong.
    """
    pairs = list(zip(truth, predicted, strict=True))
    tp = sum(1 for t, p in pairs if p is True and t)
    fp = sum(1 for t, p in pairs if p is True and not t)
    fn = sum(1 for t, p in pairs if p is not True and t)
    correct = sum(1 for t, p in pairs if p is not None and p == t)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"n": len(pairs), "accuracy": correct / len(pairs) if pairs else 0.0, "precision": precision,
            "recall": recall, "f1": f1, "unanswered": sum(1 for _, p in pairs if p is None)}


def row(name: str, s: dict[str, float]) -> str:
    return (f"{name:<34} n={s['n']:<4} acc={s['accuracy']:.3f} prec={s['precision']:.3f} "
            f"rec={s['recall']:.3f} f1={s['f1']:.3f} unanswered={s['unanswered']}")


def breakout_backend() -> tuple[Backend, float]:
    """The configured backend for the breakout assistant, and how long it took to load."""
    started = time.perf_counter()
    backend = make_backend(get_settings().backend_for("breakout"))
    return backend, time.perf_counter() - started
