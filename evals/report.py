"""Tables and plots from a results file: accuracy per task per configuration, latency, paired wins.

Accuracy comes with a Wilson 95% interval, because a 20-item suite cannot tell 55% from 65%; the
paired table counts items one configuration gets right and the other wrong, which is what an
ablation claim ("the pipeline adds N points") actually rests on.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from pathlib import Path
from statistics import mean, median
from typing import Any

from pydantic import BaseModel

REPORT = "report.md"
ACCURACY_PNG = "accuracy.png"
LATENCY_PNG = "latency.png"
ALL_TASKS = "all"


class Cell(BaseModel):
    """One configuration on one task."""

    config: str
    task: str
    n: int
    correct: int
    accuracy: float
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
    correct = sum(bool(r["passed"]) for r in rows)
    low, high = wilson(correct, len(rows))
    judged = [r for r in rows if (r.get("judge") or {}).get("passed") is not None]
    agreement = mean(r["judge"]["passed"] == r["passed"] for r in judged) if judged else None
    latencies = [float(r["latency_s"]) for r in rows]
    return Cell(
        config=config, task=task, n=len(rows), correct=correct, accuracy=correct / len(rows), low=low, high=high,
        parsed=mean(bool(r["parsed"]) for r in rows), mean_score=mean(float(r["score"]) for r in rows),
        latency_mean_s=mean(latencies), latency_p50_s=median(latencies),
        statuses=dict(Counter(r["status"] for r in rows)), judge_agreement=agreement,
    )


def summarize(records: list[dict[str, Any]]) -> list[Cell]:
    """Cells per (configuration, task) plus an `all` row per configuration, in first-seen order."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        groups[(record["config"], record["task"])].append(record)
        groups[(record["config"], ALL_TASKS)].append(record)
    return [_cell(config, task, rows) for (config, task), rows in groups.items()]


def paired(records: list[dict[str, Any]], a: str, b: str) -> Paired:
    """Items both configurations answered, split by who got them right."""
    first = {r["item"]: bool(r["passed"]) for r in records if r["config"] == a}
    second = {r["item"]: bool(r["passed"]) for r in records if r["config"] == b}
    common = sorted(set(first) & set(second))
    pairs = Counter((first[i], second[i]) for i in common)
    return Paired(a=a, b=b, n=len(common), both=pairs[(True, True)], only_a=pairs[(True, False)],
                  only_b=pairs[(False, True)], neither=pairs[(False, False)])


def _configs(records: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(r["config"] for r in records))


def markdown(records: list[dict[str, Any]], title: str, notes: list[str] | None = None) -> str:
    cells = summarize(records)
    configs = _configs(records)
    lines = [f"# {title}", ""]
    lines += [f"- {note}" for note in notes or []]
    lines += ["", "## Accuracy", "",
              "| configuration | task | n | correct | accuracy | 95% CI | parsed | mean score | statuses |",
              "|---|---|---:|---:|---:|---|---:|---:|---|"]
    for c in sorted(cells, key=lambda c: (c.task == ALL_TASKS, c.task, configs.index(c.config))):
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(c.statuses.items()))
        lines.append(f"| {c.config} | {c.task} | {c.n} | {c.correct} | {c.accuracy:.1%} | {c.low:.0%}–{c.high:.0%} "
                     f"| {c.parsed:.0%} | {c.mean_score:.2f} | {statuses} |")
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
    tmp = path.with_name(f".{path.stem}.tmp.png")
    figure.savefig(tmp, dpi=120, bbox_inches="tight")
    tmp.replace(path)


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
        xs = [i + k * width for i, t in enumerate(tasks) if (config, t) in table]
        found = [table[(config, t)] for t in tasks if (config, t) in table]
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
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(markdown(records, title, notes) if records else f"# {title}\n\nNo results yet.\n", encoding="utf-8")
    tmp.replace(path)
    return path
