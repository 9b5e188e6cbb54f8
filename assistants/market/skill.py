"""The calibrated probability that a breakout is true, from a model stored as plain JSON.

The model reads only an event's features (bars up to and including the breakout bar), so its
probability cannot depend on what came later. Its parameters are numbers in a small JSON file
(a logistic regression or boosted depth-limited trees, then a Platt calibration), evaluated
here with numpy: no pickle is ever loaded and scoring needs no scikit-learn. `fit.py` writes
these files; the shipped one was fitted on real S&P 500 bars (see its `provenance`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from assistants.market.breakouts import FEATURES, ScanConfig
from stages.stage import BadInput

MODEL_FEATURES = [*(f for f in FEATURES if f != "volume_ratio"), "log_volume_ratio", "upward"]
SHIPPED = Path(__file__).with_name("models") / "breakout_sp500.json"


class Linear(BaseModel):
    """Standardised logistic regression: raw = ((x - mean) / scale) . coef + intercept."""

    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float


class Tree(BaseModel):
    """One regression tree in scikit-learn's array layout (a leaf has left == -1)."""

    left: list[int]
    right: list[int]
    feature: list[int]
    threshold: list[float]
    value: list[float]


class Boosted(BaseModel):
    """Gradient-boosted trees: raw = init + learning_rate * sum of the trees' leaf values."""

    init: float
    learning_rate: float
    trees: list[Tree]


class Platt(BaseModel):
    """probability = sigmoid(a * raw + b), fitted on the validation period."""

    a: float
    b: float


class BreakoutModel(BaseModel):
    """A fitted breakout model with what a reply needs to explain it, and where it came from."""

    kind: Literal["logistic", "boosted"]
    features: list[str] = Field(default_factory=lambda: list(MODEL_FEATURES))
    linear: Linear | None = None
    boosted: Boosted | None = None
    calibration: Platt
    base_rate: dict[str, float] = Field(description="share of true breakouts per direction in the training events")
    scan: ScanConfig
    provenance: dict[str, Any] = Field(default_factory=dict)
    report: dict[str, Any] = Field(default_factory=dict, description="metrics per split, direction and year")

    def raw(self, x: np.ndarray) -> np.ndarray:
        if self.kind == "logistic":
            assert self.linear is not None
            m = self.linear
            return ((x - np.asarray(m.mean)) / np.asarray(m.scale)) @ np.asarray(m.coef) + m.intercept
        assert self.boosted is not None
        return self.boosted.init + self.boosted.learning_rate * sum(_tree_values(t, x) for t in self.boosted.trees)

    def probability(self, events: pd.DataFrame) -> np.ndarray:
        """Calibrated probability of a true breakout for each event row."""
        if events.empty:
            return np.zeros(0)
        z = self.calibration.a * self.raw(design_matrix(events)) + self.calibration.b
        return 1.0 / (1.0 + np.exp(-z))

    def base_rates(self, events: pd.DataFrame) -> np.ndarray:
        return events["direction"].map(self.base_rate).to_numpy(np.float64)  # maps the categories, not every row


def _tree_values(tree: Tree, x: np.ndarray) -> np.ndarray:
    """Leaf value of each row, walking all rows one level at a time."""
    left, right = np.asarray(tree.left), np.asarray(tree.right)
    feature, threshold = np.asarray(tree.feature), np.asarray(tree.threshold)
    node = np.zeros(len(x), dtype=np.int64)
    rows = np.arange(len(x))
    while True:
        inner = left[node] >= 0
        if not inner.any():
            return np.asarray(tree.value)[node]
        go_left = x[rows, np.maximum(feature[node], 0)] <= threshold[node]
        node = np.where(inner, np.where(go_left, left[node], right[node]), node)


def design_matrix(events: pd.DataFrame) -> np.ndarray:
    """The model's inputs: the scan's features, volume as a log ratio (no volume = average), direction."""
    ratio = events["volume_ratio"].to_numpy(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.where(np.isfinite(ratio) & (ratio > 0), np.log(np.clip(ratio, 0.05, 50.0)), 0.0)
    columns = {
        **{f: events[f].to_numpy(np.float64) for f in FEATURES if f != "volume_ratio"},
        "log_volume_ratio": log_ratio,
        "upward": (events["direction"] == "upward").to_numpy(np.float64),
    }
    return np.nan_to_num(np.column_stack([columns[f] for f in MODEL_FEATURES]))


def load_model(path: str | Path | None = None) -> BreakoutModel:
    """A model file written by `tristage breakout fit` (default: the shipped S&P 500 model)."""
    path = Path(path) if path is not None else SHIPPED
    if path == SHIPPED:
        return _shipped()
    return _read(path)


@lru_cache(maxsize=1)
def _shipped() -> BreakoutModel:
    return _read(SHIPPED)


def _read(path: Path) -> BreakoutModel:
    if not path.is_file():
        raise BadInput(f"No breakout model file {path.name}: write one with `tristage breakout fit`.")
    try:
        model = BreakoutModel.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise BadInput(f"{path.name} is not a breakout model file: {' '.join(str(exc).split())[:200]}") from exc
    if model.features != MODEL_FEATURES:
        raise BadInput(f"{path.name} uses features {model.features}; this version reads {MODEL_FEATURES}.")
    return model
