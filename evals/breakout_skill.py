"""Skill of the true/false breakout calls in an eval run, each number beside the baseline it must beat.

An OHLCV breakout item's truth is its `breakout` label rule (what later bars did). One pipeline reply
carries several calls, each made by a different part: the calibrated model (the S3 judgment, with
its probability), the tool rule (2 of 3 confirmations), the language model's own S3 answer, and
the final text as scored (written by the part `evals.attribution` names). The model alone has
only its final text. Each is scored per direction: AUC, Brier against the training base rate's
Brier, accuracy against the training majority class, F1 against always saying true
(`assistants.market.scores`). A call without a probability gets no Brier, and its AUC is that of
the hard call.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np
from pydantic import BaseModel

from assistants.market.scores import auc, brier, call_scores
from assistants.market.skill import load_model

CALIBRATED, RULE, LANGUAGE = "calibrated model (S3 call)", "tool rule (2 of 3 confirmations)", "language model (its S3 answer)"
FINAL = "final text"
OHLCV_TASK = "ohlcv"  # footprint items are judged by the footprint rule, not by a probability
ALL = "all"


class Call(BaseModel):
    caller: str
    written_by: str = ""
    direction: str
    truth: bool
    call: bool | None
    probability: float | None = None


class SkillRow(BaseModel):
    config: str
    caller: str
    written_by: str = ""
    direction: str
    n: int
    true_share: float
    auc: float
    brier: float | None
    brier_base_rate: float
    accuracy: float
    accuracy_majority: float
    f1: float
    f1_always_true: float


def _label(record: dict[str, Any], field: str) -> tuple[str, str | None] | None:
    """The expected and the found value of the record's label rule on `field`, if it has one."""
    for verdict in record.get("verdicts") or []:
        if verdict.get("kind") == "label" and field in (verdict.get("expected") or {}):
            return str(verdict["expected"][field]), (verdict.get("found") or {}).get(field)
    return None


def record_calls(record: dict[str, Any]) -> list[Call]:
    """Every call one scored breakout record holds, each named by the part that made it."""
    judged, direction = _label(record, "breakout"), _label(record, "direction")
    if record.get("task") != OHLCV_TASK or judged is None or direction is None:
        return []
    truth, found = judged
    base = {"direction": direction[0], "truth": truth == "true"}
    calls = [Call(caller=FINAL, written_by=str(record.get("answered_by", "unknown")),
                  call=None if found is None else found == "true", **base)]
    result = (record.get("reply") or {}).get("result") or {}
    facts = result.get("facts") or {}
    if result.get("judged_by") == "calibrated model" and facts.get("probability") is not None:
        calls.append(Call(caller=CALIBRATED, call=result.get("judgment") == "true",
                          probability=float(facts["probability"]), **base))
    if facts.get("evidence_true") is not None:
        calls.append(Call(caller=RULE, call=bool(facts["evidence_true"]), **base))
    if record.get("model_calls") and "model_judgment" in result:
        judged = result["model_judgment"]
        calls.append(Call(caller=LANGUAGE, call=None if judged is None else judged == "true", **base))
    return calls


def _row(config: str, caller: str, direction: str, calls: list[Call], base_rate: dict[str, float]) -> SkillRow:
    truth = np.array([c.truth for c in calls])
    predicted = [c.call for c in calls]
    probabilities = [c.probability for c in calls]
    has_probability = all(p is not None for p in probabilities)
    score = np.array(probabilities if has_probability else [0.5 if p is None else float(p) for p in predicted])
    rates = np.array([base_rate.get(c.direction, float(truth.mean())) for c in calls])
    made = call_scores(truth.tolist(), predicted)
    writers = Counter(c.written_by for c in calls if c.written_by)
    return SkillRow(
        config=config, caller=caller, written_by=", ".join(f"{k} {v}" for k, v in writers.most_common()),
        direction=direction, n=len(calls), true_share=float(truth.mean()), auc=auc(truth, score),
        brier=brier(truth, score) if has_probability else None, brier_base_rate=brier(truth, rates),
        accuracy=made["accuracy"], accuracy_majority=float(np.mean(truth == (rates >= 0.5))), f1=made["f1"],
        f1_always_true=call_scores(truth.tolist(), [True] * len(calls))["f1"])


def base_rates(records: list[dict[str, Any]]) -> dict[str, float]:
    """The training base rate per direction the pipeline's replies state, else the shipped model's."""
    rates = dict(load_model().base_rate)
    for record in records:
        facts = ((record.get("reply") or {}).get("result") or {}).get("facts") or {}
        if facts.get("base_rate") is not None and facts.get("direction"):
            rates[str(facts["direction"])] = float(facts["base_rate"])
    return rates


def skill_rows(records: list[dict[str, Any]]) -> list[SkillRow]:
    """Per configuration and caller: all breakout items, then each direction."""
    rates = base_rates(records)
    groups: dict[tuple[str, str], list[Call]] = defaultdict(list)
    for record in records:
        for call in record_calls(record):
            groups[(record["config"], call.caller)].append(call)
    rows = []
    for (config, caller), calls in groups.items():
        rows.append(_row(config, caller, ALL, calls, rates))
        for direction in sorted({c.direction for c in calls}):
            rows.append(_row(config, caller, direction, [c for c in calls if c.direction == direction], rates))
    return rows


def _number(value: float | None) -> str:
    return "—" if value is None or np.isnan(value) else f"{value:.3f}"


def skill_lines(records: list[dict[str, Any]]) -> list[str]:
    """The report section; empty when the run holds no breakout items."""
    rows = skill_rows(records) if any(record_calls(r) for r in records) else []
    if not rows:
        return []
    lines = ["", "## Breakout calls against their baselines", "",
             "Truth: what later bars did. Base-rate Brier: always saying the training share of true breakouts of "
             "that direction; majority: the training majority class; F1 with true breakout as the positive class. "
             "Who made the call: the calibrated model (fitted on bars only), the tool rule, the language model's own "
             "answer, or the final text (written by the part named).", "",
             "| configuration | call made by | direction | n | true | AUC | Brier | base-rate Brier | accuracy "
             "| majority | F1 | F1 always-true |", "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        caller = f"{r.caller} (written by: {r.written_by})" if r.written_by else r.caller
        lines.append(f"| {r.config} | {caller} | {r.direction} | {r.n} | {r.true_share:.0%} | {_number(r.auc)} "
                     f"| {_number(r.brier)} | {_number(r.brier_base_rate)} | {_number(r.accuracy)} "
                     f"| {_number(r.accuracy_majority)} | {_number(r.f1)} | {_number(r.f1_always_true)} |")
    return lines
