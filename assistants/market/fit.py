"""Fit the breakout model out of time, choose it on a later period, and report on years kept from it.

Events are split by date into train, validation and test, with an embargo: an event stays in a
period only if its outcome window (horizon bars) ends before the next period starts. A share of
tickers (chosen by a hash of the name) is held out of training and validation altogether, so
the test also says how the model does on tickers it never saw. Candidates (regularised logistic
regressions, gradient-boosted trees) are fitted on train; the simplest one within 0.002 of the best
validation AUC (candidates are listed simplest first) is calibrated (Platt) on validation; the test years are only scored, never looked at before.
"""

from __future__ import annotations

import hashlib
import sys
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from assistants.market.breakouts import ScanConfig, scan_many
from assistants.market.scores import auc, probability_scores
from assistants.market.screen import score_events
from assistants.market.skill import (
    MODEL_FEATURES,
    Boosted,
    BreakoutModel,
    Linear,
    Platt,
    Tree,
    design_matrix,
)
from assistants.market.universe import Universe
from stages.atomic import atomic_path
from stages.stage import BadInput

SPLITS = ("train", "validation", "test", "test_heldout_tickers")
SIMPLER_WITHIN = 0.002  # validation AUC a simpler candidate may give up and still be chosen


class FitConfig(BaseModel):
    """Where the periods start (dates; default: the 60% and 80% points of the event dates)."""

    validation_start: str | None = None
    test_start: str | None = None
    holdout_share: float = Field(0.2, ge=0, lt=1, description="share of tickers kept out of training")
    seed: int = 0


def heldout_tickers(names: list[str], share: float) -> set[str]:
    """Tickers kept out of training and validation: a stable hash of the name, not a random draw."""
    return {n for n in names if zlib.crc32(n.encode()) % 1000 < share * 1000}


def _decided_by(frames: dict[str, pd.DataFrame], events: pd.DataFrame, horizon: int) -> pd.Series:
    """The date of the last bar that can decide each event's outcome."""
    out = pd.Series(pd.NaT, index=events.index, dtype="datetime64[ns]")
    for name, rows in events.groupby(events["ticker"].astype(str), observed=True).groups.items():
        dates = frames[name].index.to_numpy()
        at = np.minimum(events.loc[rows, "index"].to_numpy() + horizon, len(dates) - 1)
        out.loc[rows] = dates[at]
    return out


def assign_splits(frames: dict[str, pd.DataFrame], events: pd.DataFrame, scan: ScanConfig,
                  config: FitConfig) -> tuple[pd.Series, dict[str, Any]]:
    """Each labelled event's split ('' = embargoed), and the boundaries used."""
    dates = events["date"]
    valid = pd.Timestamp(config.validation_start) if config.validation_start else dates.quantile(0.6).normalize()
    test = pd.Timestamp(config.test_start) if config.test_start else dates.quantile(0.8).normalize()
    if not valid < test:
        raise BadInput(f"The validation period must start before the test period ({valid:%Y-%m-%d} vs {test:%Y-%m-%d}).")
    held = heldout_tickers(sorted(frames), config.holdout_share)
    is_held = events["ticker"].astype(str).isin(held).to_numpy()
    decided = _decided_by(frames, events, scan.horizon)
    split = np.select(
        [(dates >= test) & is_held, dates >= test, is_held, (dates >= valid) & (decided < test), decided < valid],
        ["test_heldout_tickers", "test", "", "validation", "train"], "")
    bounds = {"validation_start": f"{valid:%Y-%m-%d}", "test_start": f"{test:%Y-%m-%d}",
              "heldout_tickers": len(held), "tickers": len(frames)}
    return pd.Series(split, index=events.index), bounds


def _candidates(seed: int) -> list[tuple[str, Any]]:
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    out: list[tuple[str, Any]] = [
        (f"logistic C={c:g}", make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=1000)))
        for c in (0.01, 0.1, 1.0)]
    out += [(f"boosted {n} trees depth {d}", GradientBoostingClassifier(
        n_estimators=n, max_depth=d, learning_rate=0.05, subsample=0.8, random_state=seed))
        for n, d in ((150, 3), (300, 2))]
    return out


def _export(name: str, fitted: Any, x: np.ndarray) -> tuple[str, Linear | None, Boosted | None]:
    """The fitted candidate as plain numbers; checked to reproduce scikit-learn's own scores."""
    if name.startswith("logistic"):
        scaler, regression = fitted[0], fitted[1]
        linear = Linear(mean=scaler.mean_.tolist(), scale=scaler.scale_.tolist(),
                        coef=regression.coef_[0].tolist(), intercept=float(regression.intercept_[0]))
        exported: tuple[str, Linear | None, Boosted | None] = ("logistic", linear, None)
    else:
        trees = [Tree(left=t.tree_.children_left.tolist(), right=t.tree_.children_right.tolist(),
                      feature=t.tree_.feature.tolist(), threshold=t.tree_.threshold.tolist(),
                      value=t.tree_.value[:, 0, 0].tolist()) for t in fitted.estimators_[:, 0]]
        partial = Boosted(init=0.0, learning_rate=fitted.learning_rate, trees=trees)
        stub = BreakoutModel(kind="boosted", boosted=partial, calibration=Platt(a=1, b=0), base_rate={},
                             scan=ScanConfig())
        init = float(np.median(fitted.decision_function(x[:100]) - stub.raw(x[:100])))
        exported = ("boosted", None, partial.model_copy(update={"init": init}))
    kind, linear, boosted = exported
    check = BreakoutModel(kind=kind, linear=linear, boosted=boosted, calibration=Platt(a=1, b=0), base_rate={},
                          scan=ScanConfig())
    if not np.allclose(check.raw(x), fitted.decision_function(x), atol=1e-6):
        raise RuntimeError(f"the exported {name} does not reproduce its scores")
    return exported


def _platt(raw: np.ndarray, truth: np.ndarray) -> Platt:
    from sklearn.linear_model import LogisticRegression

    fitted = LogisticRegression(C=1e6, max_iter=1000).fit(raw[:, None], truth)
    return Platt(a=float(fitted.coef_[0, 0]), b=float(fitted.intercept_[0]))


def _breakdown(part: pd.DataFrame, base_rate: dict[str, float], majority: bool) -> dict[str, Any]:
    """Scores of the probability overall, per direction and per year, with the rule baselines."""
    def one(rows: pd.DataFrame) -> dict[str, Any]:
        truth = rows["label"].astype(bool).to_numpy()
        scores = probability_scores(truth, rows["probability"].to_numpy(),
                                    rows["direction"].astype(str).map(base_rate).to_numpy(np.float64), majority)
        rule = rows["evidence_true"].to_numpy(bool)
        scores["accuracy_evidence_rule"] = float((rule == truth).mean()) if truth.size else float("nan")
        scores["auc_confirmation_count"] = auc(truth, rows["confirmations"].to_numpy())
        return scores

    return {
        "all": one(part),
        "direction": {d: one(rows) for d, rows in part.groupby(part["direction"].astype(str), observed=True)},
        "year": {str(y): one(rows) for y, rows in part.groupby(part["date"].dt.year)},
    }


def fit_breakout_model(universe: Universe, scan: ScanConfig, config: FitConfig,
                       provenance: dict[str, Any]) -> tuple[BreakoutModel, pd.DataFrame]:
    """The fitted model (with its report) and every decided event scored, with its split."""
    frames = universe.frames
    events = scan_many(frames, scan, label=True)
    events = events[events["label"].notna()].reset_index(drop=True)
    if events.empty:
        raise BadInput("The data has no breakout whose outcome is decided: nothing to fit.")
    split, bounds = assign_splits(frames, events, scan, config)
    x = design_matrix(events)
    y = events["label"].astype(bool).to_numpy()
    sizes = {s: int((split == s).sum()) for s in SPLITS}
    for needed in ("train", "validation"):
        if len(set(y[split == needed])) < 2:
            raise BadInput(f"The {needed} period has {sizes[needed]} decided events and needs both true and false "
                           "ones: give more data or move the period boundaries.")
    train, valid = (split == "train").to_numpy(), (split == "validation").to_numpy()
    tried = []
    for name, estimator in _candidates(config.seed):
        estimator.fit(x[train], y[train])
        tried.append((auc(y[valid], estimator.decision_function(x[valid])), name, estimator))
    top = max(a for a, _, _ in tried)
    best_auc, best_name, best = next(t for t in tried if t[0] >= top - SIMPLER_WITHIN)
    kind, linear, boosted = _export(best_name, best, x[train])
    calibration = _platt(best.decision_function(x[valid]), y[valid])
    base_rate = {d: float(rows["label"].astype(bool).mean())
                 for d, rows in events[train].groupby(events[train]["direction"].astype(str), observed=True)}
    majority = bool(y[train].mean() >= 0.5)
    model = BreakoutModel(kind=kind, linear=linear, boosted=boosted, calibration=calibration, base_rate=base_rate,
                          scan=scan, provenance=provenance)
    scored = score_events(frames, model)
    scored = scored[scored["label"].notna()].reset_index(drop=True)
    scored["split"] = split.to_numpy()
    report: dict[str, Any] = {
        "chosen": best_name,
        "chosen_validation_auc": round(best_auc, 4),
        "candidates_validation_auc": {name: round(a, 4) for a, name, _ in tried},
        "splits": {**bounds, "sizes": sizes, "unused_embargo_or_heldout_before_test": int((split == "").sum())},
        "majority_class": "true" if majority else "false",
        "features": MODEL_FEATURES,
        "scores": {s: _breakdown(scored[scored["split"] == s], base_rate, majority) for s in SPLITS
                   if (scored["split"] == s).any()},
        "skipped": universe.skipped[:20],
        "skipped_count": len(universe.skipped),
    }
    return model.model_copy(update={"report": report}), scored


def data_provenance(path: Path, universe: Universe, command: str) -> dict[str, Any]:
    digest = hashlib.sha256()
    if path.is_file():
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    import sklearn

    return {"data": path.name, "sha256": digest.hexdigest() if path.is_file() else None,
            "tickers": len(universe.frames), "bars": universe.bars, "fit_command": command,
            "scikit_learn": sklearn.__version__, "python": sys.version.split()[0]}


def save_calibration_png(model: BreakoutModel, scored: pd.DataFrame, path: Path) -> Path:
    """Reliability diagram of the test events: predicted probability (10 bins) vs the share true."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], color="#999", linestyle="--", label="perfect calibration")
    for split, colour in (("test", "#1f4e9c"), ("test_heldout_tickers", "#ef5350")):
        rows = scored[scored["split"] == split]
        if rows.empty:
            continue
        bins = np.minimum((rows["probability"].to_numpy() * 10).astype(int), 9)
        table = pd.DataFrame({"bin": bins, "p": rows["probability"], "y": rows["label"].astype(float)})
        means = table.groupby("bin").agg(p=("p", "mean"), y=("y", "mean"), n=("y", "size"))
        means = means[means["n"] >= 20]
        ax.plot(means["p"], means["y"], marker="o", color=colour, label=split.replace("_", " "))
    ax.set(xlabel="predicted probability of a true breakout", ylabel="share that were true", xlim=(0, 1), ylim=(0, 1),
           title=f"Calibration ({model.report.get('chosen', model.kind)})")
    ax.legend(loc="upper left")
    try:
        with atomic_path(path) as temp:
            fig.savefig(temp, format="png", dpi=100, bbox_inches="tight")
    finally:
        plt.close(fig)
    return path
