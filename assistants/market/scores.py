"""Skill scores of breakout calls, each next to the baseline it must beat.

A probability is scored by AUC and Brier (against the Brier of always saying the training base
rate); a true/false call by accuracy (against the training majority class) and F1 with "true
breakout" as the positive class (against always saying true). Plain numpy, no fitted objects.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def call_scores(truth: Sequence[bool], predicted: Sequence[bool | None]) -> dict[str, float]:
    """Accuracy, precision, recall and F1 (positive: true breakout); a None call counts as wrong."""
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


def auc(truth: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half); NaN with one class only."""
    truth = np.asarray(truth, dtype=bool)
    positives, negatives = int(truth.sum()), int((~truth).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = pd.Series(np.asarray(score, dtype=np.float64)).rank(method="average").to_numpy()
    return float((ranks[truth].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def brier(truth: np.ndarray, probability: np.ndarray) -> float:
    return float(np.mean((np.asarray(probability, dtype=np.float64) - np.asarray(truth, dtype=np.float64)) ** 2))


def probability_scores(truth: np.ndarray, probability: np.ndarray, base_rate: np.ndarray,
                       majority: bool) -> dict[str, float]:
    """A probability's skill and, beside each number, the baseline it is compared with."""
    truth = np.asarray(truth, dtype=bool)
    call = np.asarray(probability) >= 0.5
    model = call_scores(truth.tolist(), call.tolist())
    always_true = call_scores(truth.tolist(), [True] * truth.size)
    return {
        "n": int(truth.size),
        "true_share": float(truth.mean()) if truth.size else float("nan"),
        "auc": auc(truth, probability),
        "brier": brier(truth, probability),
        "brier_base_rate": brier(truth, base_rate),
        "accuracy": model["accuracy"],
        "accuracy_majority": float((truth == majority).mean()) if truth.size else float("nan"),
        "f1": model["f1"],
        "f1_always_true": always_true["f1"],
    }
