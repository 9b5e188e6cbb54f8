"""What a training run and its comparisons record: the types `train.json` and the model card are written from.

Kept apart from the code that makes them (sft.py, compare.py) and the card that reads them (card.py),
so each of those imports the records without importing the others.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from train.recipe import SFTRecipe


class RunSpec(BaseModel):
    """What an output folder is a run of; a resumed run must match it."""

    base: str
    data: Path
    data_sha256: str
    recipe: SFTRecipe

    def differences(self, other: RunSpec) -> list[str]:
        """Fields that differ; the run's length (max_steps, epochs) and validation size may change on resume."""
        free = {"max_steps", "epochs", "eval_samples"}
        changed = [k for k in ("base", "data", "data_sha256") if getattr(self, k) != getattr(other, k)]
        mine, theirs = self.recipe.model_dump(exclude=free), other.recipe.model_dump(exclude=free)
        return changed + [k for k in mine if mine[k] != theirs[k]]


class LossPoint(BaseModel):
    step: int
    loss: float


class SFTResult(BaseModel):
    """A finished run, as `train.json` and the model card record it."""

    spec: RunSpec
    base_source: str = Field(description="What the base resolved to (folder or hub id)")
    adapter: Path
    merged: Path | None = None
    device: str
    dtype: str
    parameters: int
    trainable_parameters: int
    train_samples: int = Field(description="Train conversations tokenized (with --max-steps, those its steps draw)")
    validation_samples: int = Field(description="Conversations in the validation split")
    validated_samples: int = Field(0, description="Conversations the final validation ran on (0: none, interrupted)")
    steps: int
    epochs: float
    seconds: float
    samples_per_s: float
    peak_memory_gib: float
    resumed_from: str | None = None
    losses: list[LossPoint]
    eval_losses: list[LossPoint]


class EvalRow(BaseModel):
    config: str
    n: int
    accuracy: float
    low: float
    high: float
    latency_mean_s: float


class EvalComparison(BaseModel):
    suite: str
    suite_version: int
    limit: int | None
    seed: int
    rows: list[EvalRow]
    report: Path


class EntropyComparison(BaseModel):
    texts: int
    mean_erank_base: float
    mean_erank_tuned: float
    mean_diff_erank: float
    last_layer_diff_erank: float
    report: Path
