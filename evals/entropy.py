"""Matrix entropy and effective rank of a model's hidden representations (Diff-eRank).

Following "Large Language Model Evaluation via Matrix Entropy" (Wei et al.): for one text, the
token representations of a layer are mean-centred and each normalised to unit length; their
covariance, trace-normalised to 1, is a density matrix whose eigenvalue entropy H measures how
spread the representations are, and erank = exp(H). Values are averaged over the texts of a
dataset, per layer. Diff-eRank = erank(base) − erank(fine-tuned): how much training compressed
the representations (larger means more "noise" removed).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from stages.atomic import atomic_path, write_text

_EPS = 1e-12


def covariance_entropy(cov: np.ndarray) -> float:
    """Von Neumann entropy of a covariance after trace normalisation (natural log)."""
    cov = np.asarray(cov, dtype=np.float64)
    trace = float(np.trace(cov))
    if trace <= 0:
        raise ValueError("covariance with zero trace has no entropy")
    eigenvalues = np.clip(np.linalg.eigvalsh(cov / trace), 0.0, None)
    eigenvalues = eigenvalues[eigenvalues > _EPS]
    eigenvalues = eigenvalues / eigenvalues.sum()
    return float(-(eigenvalues * np.log(eigenvalues)).sum())


def representation_entropy(reps: np.ndarray) -> float:
    """Entropy of n token vectors (n × d): centred, unit-normalised, covariance trace-normalised.

    Uses the n × n Gram matrix, which has the same non-zero eigenvalues as the d × d covariance
    and is far smaller for short texts.
    """
    reps = np.asarray(reps, dtype=np.float64)
    if reps.ndim != 2 or reps.shape[0] < 2:
        raise ValueError("need at least two token vectors")
    centred = reps - reps.mean(axis=0, keepdims=True)
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    unit = centred / np.where(norms > _EPS, norms, 1.0)
    return covariance_entropy(unit @ unit.T / reps.shape[0])


def effective_rank(entropy: float) -> float:
    return math.exp(entropy)


class LayerStat(BaseModel):
    layer: int
    entropy: float
    erank: float


class EntropyResult(BaseModel):
    model: str
    texts: int
    tokens: int
    layers: list[LayerStat]


class LayerDiff(BaseModel):
    layer: int
    erank_base: float
    erank_tuned: float
    diff_erank: float


def read_texts(data: Path, limit: int | None = None) -> list[str]:
    """Texts from a .txt file (one per line), a JSONL file (`text`, `question` or `content`), or a suite YAML."""
    if not data.is_file():
        raise FileNotFoundError(f"no data file {data}")
    if data.suffix in (".yaml", ".yml"):
        from evals.suite import load_suite_file

        texts = [item.question for item in load_suite_file(data).items]
    elif data.suffix == ".jsonl":
        texts = []
        for line in data.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                texts.append(next(str(row[k]) for k in ("text", "question", "content") if k in row))
    else:
        texts = [line for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts[:limit] if limit else texts


def analyze_model(
    model: str,
    texts: list[str],
    cache_dir: Path,
    device: str = "auto",
    max_tokens: int = 256,
    trust_remote_code: bool = False,
) -> EntropyResult:
    """Per-layer mean entropy and erank over `texts` (layer 0 = embeddings)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from stages.backends.embedded import pick_device
    from stages.models import resolve_model

    source = resolve_model(model, cache_dir)
    where = pick_device(device)
    dtype = torch.float32 if where == "cpu" else torch.bfloat16
    tokenizer = AutoTokenizer.from_pretrained(source, trust_remote_code=trust_remote_code)
    network = AutoModelForCausalLM.from_pretrained(source, dtype=dtype, trust_remote_code=trust_remote_code).to(where)
    network.eval()
    sums: dict[int, list[float]] = {}
    used = tokens = 0
    with torch.inference_mode():
        for text in texts:
            ids = tokenizer(text, return_tensors="pt", truncation=True, max_length=max_tokens).to(where)
            if ids["input_ids"].shape[1] < 2:
                continue
            states = network(**ids, output_hidden_states=True).hidden_states
            used += 1
            tokens += int(ids["input_ids"].shape[1])
            for layer, hidden in enumerate(states):
                entropy = representation_entropy(hidden[0].float().cpu().numpy())
                sums.setdefault(layer, [0.0, 0.0])
                sums[layer][0] += entropy
                sums[layer][1] += effective_rank(entropy)
    if not used:
        raise ValueError("no text has two or more tokens")
    layers = [LayerStat(layer=k, entropy=v[0] / used, erank=v[1] / used) for k, v in sorted(sums.items())]
    return EntropyResult(model=model, texts=used, tokens=tokens, layers=layers)


def diff_erank(base: EntropyResult, tuned: EntropyResult) -> list[LayerDiff]:
    """Diff-eRank per layer; the models must have the same depth."""
    if len(base.layers) != len(tuned.layers):
        raise ValueError(f"{base.model} has {len(base.layers)} layers and {tuned.model} {len(tuned.layers)}")
    return [LayerDiff(layer=b.layer, erank_base=b.erank, erank_tuned=t.erank, diff_erank=b.erank - t.erank)
            for b, t in zip(base.layers, tuned.layers, strict=True)]


def plot_eranks(results: list[EntropyResult], path: Path) -> Path:
    """Effective rank per layer, one line per model (PNG, written atomically)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6.5, 4))
    for result in results:
        axis.plot([s.layer for s in result.layers], [s.erank for s in result.layers], marker="o", label=result.model)
    axis.set_xlabel("layer (0 = embeddings)")
    axis.set_ylabel("mean effective rank")
    axis.legend()
    with atomic_path(path) as temp:
        figure.savefig(temp, format="png", dpi=120, bbox_inches="tight")
    plt.close(figure)
    return path


def entropy_markdown(results: list[EntropyResult], diffs: list[LayerDiff] | None) -> str:
    lines = ["# Matrix entropy per layer", ""]
    for r in results:
        lines.append(f"- {r.model}: {r.texts} texts, {r.tokens} tokens")
    header = "| layer | " + " | ".join(f"{r.model} H | {r.model} erank" for r in results) + " |"
    lines += ["", header, "|---:|" + "---:|---:|" * len(results)]
    for i, stat in enumerate(results[0].layers):
        cells = " | ".join(f"{r.layers[i].entropy:.3f} | {r.layers[i].erank:.2f}" for r in results)
        lines.append(f"| {stat.layer} | {cells} |")
    if diffs:
        mean_diff = sum(d.diff_erank for d in diffs) / len(diffs)
        lines += ["", f"Diff-eRank (base − tuned), mean over layers: {mean_diff:+.3f}; last layer: {diffs[-1].diff_erank:+.3f}"]
    lines += ["", "![erank](erank.png)", ""]
    return "\n".join(lines)


def write_entropy_report(results: list[EntropyResult], diffs: list[LayerDiff] | None, out_dir: Path) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    plot_eranks(results, out_dir / "erank.png")
    data = {"results": [r.model_dump() for r in results], "diff": [d.model_dump() for d in diffs or []]}
    for name, text in (("entropy.json", json.dumps(data, indent=2)), ("entropy.md", entropy_markdown(results, diffs))):
        write_text(out_dir / name, text)
    return data
