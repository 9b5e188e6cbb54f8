"""Tables and plots from a results file: accuracy per task per configuration, calibration of the
`verified` status, who produced each answer, caption and molecule scores, latency, paired wins.

Accuracy comes with a Wilson 95% interval, because a 20-item suite cannot tell 55% from 65%; the
paired table counts items one configuration gets right and the other wrong, which is what an
ablation claim ("the pipeline adds N points") actually rests on. Calibration is the promise of
the status: among replies marked `verified`, how many are right, and the share that are wrong.
Graded items (captions) have no right or wrong: they count in the metric tables, not in accuracy.
Items a compared model was trained on (split `train`, e.g. BreakGPT's training footprints) are
shown on their own task rows and left out of the `all` row and the paired comparison.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from pathlib import Path
from statistics import mean, median
from typing import Any

from pydantic import BaseModel, Field

from evals.breakout_skill import skill_lines
from stages.atomic import atomic_path, write_text

REPORT = "report.md"
ACCURACY_PNG = "accuracy.png"
LATENCY_PNG = "latency.png"
ALL_TASKS = "all"
TRAINING = "train"


class Cell(BaseModel):
    """One configuration on one task."""

    config: str
    task: str
    n: int
    judged: int = Field(description="Items with a right or wrong answer (graded captions are not)")
    correct: int
    accuracy: float
    verified: int
    verified_correct: int
    verified_accuracy: float | None = Field(description="Accuracy among judged `verified` replies")
    verified_wrong: float | None = Field(description="Share of judged `verified` replies that are wrong")
    low: float
    high: float
    parsed: float
    mean_score: float
    latency_mean_s: float
    latency_p50_s: float
    statuses: dict[str, int]
    judge_agreement: float | None = None


class Paired(BaseModel):
    a: str
    b: str
    n: int
    both: int
    only_a: int
    only_b: int
    neither: int


def wilson(correct: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion (stays inside [0, 1] on small samples)."""
    if n == 0:
        return 0.0, 0.0
    p = correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _cell(config: str, task: str, rows: list[dict[str, Any]]) -> Cell:
    scored = [r for r in rows if r["passed"] is not None]
    correct = sum(bool(r["passed"]) for r in scored)
    low, high = wilson(correct, len(scored))
    verified = [r for r in scored if r["status"] == "verified"]
    verified_correct = sum(bool(r["passed"]) for r in verified)
    judged = [r for r in rows if (r.get("judge") or {}).get("passed") is not None]
    agreement = mean(r["judge"]["passed"] == r["passed"] for r in judged) if judged else None
    latencies = [float(r["latency_s"]) for r in rows]
    return Cell(
        config=config, task=task, n=len(rows), judged=len(scored), correct=correct,
        accuracy=correct / len(scored) if scored else 0.0, low=low, high=high,
        verified=len(verified), verified_correct=verified_correct,
        verified_accuracy=verified_correct / len(verified) if verified else None,
        verified_wrong=1 - verified_correct / len(verified) if verified else None,
        parsed=mean(bool(r["parsed"]) for r in rows), mean_score=mean(float(r["score"]) for r in rows),
        latency_mean_s=mean(latencies), latency_p50_s=median(latencies),
        statuses=dict(Counter(r["status"] for r in rows)), judge_agreement=agreement,
    )


def seen_in_training(record: dict[str, Any]) -> bool:
    return record.get("split") == TRAINING


def summarize(records: list[dict[str, Any]]) -> list[Cell]:
    """Cells per (configuration, task) plus an `all` row per configuration, in first-seen order."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        groups[(record["config"], record["task"])].append(record)
        if not seen_in_training(record):
            groups[(record["config"], ALL_TASKS)].append(record)
    return [_cell(config, task, rows) for (config, task), rows in groups.items()]


def paired(records: list[dict[str, Any]], a: str, b: str) -> Paired:
    """Items both configurations answered (judged items outside training data), split by who got them right."""
    held = [r for r in records if r["passed"] is not None and not seen_in_training(r)]
    first = {r["item"]: bool(r["passed"]) for r in held if r["config"] == a}
    second = {r["item"]: bool(r["passed"]) for r in held if r["config"] == b}
    common = sorted(set(first) & set(second))
    pairs = Counter((first[i], second[i]) for i in common)
    return Paired(a=a, b=b, n=len(common), both=pairs[(True, True)], only_a=pairs[(True, False)],
                  only_b=pairs[(False, True)], neither=pairs[(False, False)])


def _configs(records: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(r["config"] for r in records))


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def parts(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per configuration and part that produced the answer (model, correction step, tools, error), over
    items outside training data: how many answers, how many of the judged ones right, and where their
    facts came from."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in (r for r in records if not seen_in_training(r)):
        groups[(record["config"], record.get("answered_by", "unknown"))].append(record)
    rows = []
    for (config, part), found in groups.items():
        judged = [r for r in found if r["passed"] is not None]
        sources = Counter(s for r in found for s in r.get("facts_from") or [])
        rows.append({"config": config, "part": part, "n": len(found), "judged": len(judged),
                     "correct": sum(bool(r["passed"]) for r in judged),
                     "facts_from": ", ".join(f"{k} {v}" for k, v in sources.most_common()) or "—"})
    return rows


def graded(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Caption scores (corpus BLEU-2/4, mean ROUGE and METEOR) and molecule scores (exact match and
    validity over all items, fingerprint similarities over valid answers, as MolT5 reports them)
    per configuration and task."""
    from evals.text_metrics import corpus_bleu

    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        for verdict in record.get("verdicts") or []:
            if verdict.get("kind") in ("caption", "molecule"):
                groups[(record["config"], record["task"], verdict["kind"])].append(verdict)
    rows = []
    for (config, task, kind), verdicts in groups.items():
        metrics = [v.get("metrics") or {} for v in verdicts]

        def avg(key: str, among: list[dict[str, Any]]) -> float | None:
            values = [m[key] for m in among if m.get(key) is not None]
            return mean(values) if values else None

        if kind == "caption":
            bleu2, bleu4 = corpus_bleu([str(v["expected"]) for v in verdicts], [str(v.get("found") or "") for v in verdicts])
            scores = {"BLEU-2": bleu2, "BLEU-4": bleu4, **{k: avg(k, metrics) for k in ("rouge1", "rouge2", "rougeL", "meteor")}}
        else:
            valid = [m for m in metrics if m.get("valid")]
            scores = {"exact": avg("exact", metrics), "validity": avg("valid", metrics),
                      **{k: avg(k, valid) for k in ("maccs", "rdk", "morgan")}}
        rows.append({"config": config, "task": task, "kind": kind, "n": len(verdicts), "scores": scores})
    return rows


def ranked(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Top-k hit rates of `ranked` rules per configuration, task and the part that made the call
    (the top-1 is the answer the text gives; later ranks are the tool's candidates the reply carries)."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        for verdict in record.get("verdicts") or []:
            if verdict.get("kind") == "ranked":
                groups[(record["config"], record["task"], "all")].append(verdict)
                groups[(record["config"], record["task"], record.get("answered_by", "unknown"))].append(verdict)
    rows = []
    for (config, task, part), verdicts in groups.items():
        keys = [k for k in (verdicts[0].get("metrics") or {}) if k.startswith("top")]
        scores = {k: mean(float((v.get("metrics") or {}).get(k) or 0.0) for v in verdicts) for k in keys}
        rows.append({"config": config, "task": task, "part": part, "n": len(verdicts), "scores": scores})
    return rows


def _ranked_lines(records: list[dict[str, Any]]) -> list[str]:
    rows = ranked(records)
    if not rows:
        return []
    keys = list(dict.fromkeys(k for r in rows for k in r["scores"]))
    lines = ["", "## Top-k (who made the call)", "",
             "top-1 is the answer the reply's text gives; top-k adds the ranked candidates the reply carries "
             "(the reaction tool's, in the pipeline; the model alone offers only what it writes).", "",
             f"| configuration | task | made the call | n | {' | '.join(keys)} |", "|---|---|---|---:|" + "---:|" * len(keys)]
    for r in rows:
        values = " | ".join("—" if k not in r["scores"] else f"{r['scores'][k]:.3f}" for k in keys)
        lines.append(f"| {r['config']} | {r['task']} | {r['part']} | {r['n']} | {values} |")
    return lines


def _metric_lines(records: list[dict[str, Any]]) -> list[str]:
    rows = graded(records)
    lines: list[str] = _ranked_lines(records)
    for kind, title, keys in (("caption", "Captions", ["BLEU-2", "BLEU-4", "rouge1", "rouge2", "rougeL", "meteor"]),
                              ("molecule", "Molecules", ["exact", "validity", "maccs", "rdk", "morgan"])):
        found = [r for r in rows if r["kind"] == kind]
        if not found:
            continue
        lines += ["", f"## {title}", "", f"| configuration | task | n | {' | '.join(keys)} |",
                  "|---|---|---:|" + "---:|" * len(keys)]
        for r in found:
            values = " | ".join("—" if r["scores"][k] is None else f"{r['scores'][k]:.3f}" for k in keys)
            lines.append(f"| {r['config']} | {r['task']} | {r['n']} | {values} |")
    if any(r["kind"] == "caption" and r["scores"]["meteor"] is None for r in rows):
        lines += ["", "METEOR: — means WordNet was not available to score it (see `evals.wordnet`)."]
    return lines


def markdown(records: list[dict[str, Any]], title: str, notes: list[str] | None = None) -> str:
    cells = summarize(records)
    configs = _configs(records)
    lines = [f"# {title}", ""]
    lines += [f"- {note}" for note in notes or []]
    lines += ["", "## Accuracy and calibration", "",
              "Accuracy is over judged items; \"verified right\" is the accuracy among replies marked `verified`, "
              "\"verified wrong\" the share of those that are wrong." + (
                  f" Items of split `{TRAINING}` (a compared model's training data) are left out of `{ALL_TASKS}`."
                  if any(seen_in_training(r) for r in records) else ""), "",
              "| configuration | task | n | correct | accuracy | 95% CI | verified | verified right | verified wrong "
              "| parsed | statuses |",
              "|---|---|---:|---:|---:|---|---:|---:|---:|---:|---|"]
    for c in sorted(cells, key=lambda c: (c.task == ALL_TASKS, c.task, configs.index(c.config))):
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(c.statuses.items()))
        accuracy, interval = (f"{c.accuracy:.1%}", f"{c.low:.0%}–{c.high:.0%}") if c.judged else ("—", "—")
        lines.append(f"| {c.config} | {c.task} | {c.n} | {c.correct} | {accuracy} | {interval} | {c.verified} "
                     f"| {_share(c.verified_accuracy)} | {_share(c.verified_wrong)} | {c.parsed:.0%} | {statuses} |")
    lines += ["", "## Who produced the answer", "",
              "model: the model wrote the final text (the tools checked it); correction step: the text was rebuilt "
              "from tool facts after a failed check; tools: answered by the tools with no model text.", "",
              "| configuration | part | answers | judged | correct | facts from |", "|---|---|---:|---:|---:|---|"]
    for row in parts(records):
        lines.append(f"| {row['config']} | {row['part']} | {row['n']} | {row['judged']} | {row['correct']} | {row['facts_from']} |")
    lines += skill_lines(records)
    lines += _metric_lines(records)
    lines += ["", "## Latency", "", "| configuration | mean s | median s | judge agreement |", "|---|---:|---:|---:|"]
    for c in (c for c in cells if c.task == ALL_TASKS):
        agreement = "—" if c.judge_agreement is None else f"{c.judge_agreement:.0%}"
        lines.append(f"| {c.config} | {c.latency_mean_s:.2f} | {c.latency_p50_s:.2f} | {agreement} |")
    if len(configs) > 1:
        lines += ["", "## Paired comparison (same items)", "",
                  "| A | B | items | both right | only A | only B | neither | B − A |", "|---|---|---:|---:|---:|---:|---:|---:|"]
        for other in configs[1:]:
            p = paired(records, configs[0], other)
            delta = (p.only_b - p.only_a) / p.n if p.n else 0.0
            lines.append(f"| {p.a} | {p.b} | {p.n} | {p.both} | {p.only_a} | {p.only_b} | {p.neither} | {delta:+.1%} |")
    lines += ["", f"![accuracy]({ACCURACY_PNG})", "", f"![latency]({LATENCY_PNG})", ""]
    return "\n".join(lines)


def _save(figure: Any, path: Path) -> None:
    with atomic_path(path) as temp:
        figure.savefig(temp, format="png", dpi=120, bbox_inches="tight")


def plot(records: list[dict[str, Any]], out_dir: Path) -> list[Path]:
    """Grouped bars of accuracy per task per configuration, and latency per configuration."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = summarize(records)
    configs = _configs(records)
    tasks = sorted({c.task for c in cells if c.task != ALL_TASKS}) + [ALL_TASKS]
    table = {(c.config, c.task): c for c in cells}
    width = 0.8 / max(1, len(configs))
    figure, axis = plt.subplots(figsize=(max(6, 1.4 * len(tasks) * max(1, len(configs)) / 2), 4))
    for k, config in enumerate(configs):
        xs = [i + k * width for i, t in enumerate(tasks) if (config, t) in table and table[(config, t)].judged]
        found = [table[(config, t)] for t in tasks if (config, t) in table and table[(config, t)].judged]
        heights = [c.accuracy for c in found]
        errors = [[max(0.0, c.accuracy - c.low) for c in found], [max(0.0, c.high - c.accuracy) for c in found]]
        axis.bar(xs, heights, width, yerr=errors, capsize=3, label=config)
    axis.set_xticks([i + width * (len(configs) - 1) / 2 for i in range(len(tasks))], tasks, rotation=20, ha="right")
    axis.set_ylim(0, 1)
    axis.set_ylabel("accuracy (95% CI)")
    axis.legend()
    _save(figure, out_dir / ACCURACY_PNG)
    plt.close(figure)
    figure, axis = plt.subplots(figsize=(max(5, 1.2 * len(configs)), 3.5))
    axis.boxplot([[float(r["latency_s"]) for r in records if r["config"] == c] for c in configs])
    axis.set_xticks(range(1, len(configs) + 1), configs)
    axis.set_ylabel("seconds per item")
    _save(figure, out_dir / LATENCY_PNG)
    plt.close(figure)
    return [out_dir / ACCURACY_PNG, out_dir / LATENCY_PNG]


def write_report(records: list[dict[str, Any]], out_dir: Path, title: str, notes: list[str] | None = None) -> Path:
    """report.md and its PNGs in `out_dir` (each written to a temp name, then renamed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if records:
        plot(records, out_dir)
    path = out_dir / REPORT
    return write_text(path, markdown(records, title, notes) if records else f"# {title}\n\nNo results yet.\n")
