"""Base against fine-tune: the same eval suite and the same matrix-entropy analysis on both.

Both models run on the embedded backend, the fine-tune as the base plus the adapter
(`adapter`; the base row sets `adapter = "none"`), so the two rows differ only in the adapter. Results go under `<out>/eval`
and `<out>/entropy`, in the formats `tristage eval` and `tristage analyze entropy` write.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal

from stages.config import BackendConfig
from stages.models import BASE_MODEL
from train.errors import TrainError
from train.merge import merge_adapter
from train.progress import Progress
from train.results import EntropyComparison, EvalComparison, EvalRow, SFTResult

Mode = Literal["model", "pipeline"]
EVAL_DIR, ENTROPY_DIR = "eval", "entropy"


def compare_eval(
    suite_name: str,
    base: str,
    tuned: Path,
    out: Path,
    modes: list[Mode],
    limit: int | None = None,
    seed: int = 0,
    device: str = "auto",
    progress: Progress | None = None,
) -> EvalComparison:
    """Run `suite_name` on base and fine-tune, per mode: `model` (the model alone) and/or `pipeline`."""
    from evals.ablations import RunConfig
    from evals.registry import load_suite
    from evals.report import ALL_TASKS, summarize, write_report
    from evals.runner import run_suite
    from evals.suite import SuiteError
    from stages.backends import make_backend

    try:
        suite = load_suite(suite_name)
    except SuiteError as exc:
        raise TrainError(str(exc)) from exc
    models = {"base": BackendConfig(kind="embedded", model=base, device=device, adapter=BASE_MODEL),
              "tuned": BackendConfig(kind="embedded", model=base, device=device, adapter=str(tuned))}
    configs = [RunConfig(name=f"{who}-{mode}", assistant="general" if mode == "model" else suite.assistant,
                         backend=backend)
               for mode in dict.fromkeys(modes) for who, backend in models.items()]
    folder = out / EVAL_DIR
    records = run_suite(suite, configs, folder, lambda c: make_backend(c.backend), limit=limit, seed=seed,
                        progress=progress)
    report = write_report(records, folder, f"{suite.name}: base and fine-tuned",
                          [f"base {base}", f"fine-tuned {tuned}", f"seed {seed}, {limit or 'all'} items"])
    rows = [EvalRow(config=c.config, n=c.n, accuracy=c.accuracy, low=c.low, high=c.high,
                    latency_mean_s=c.latency_mean_s)
            for c in summarize(records) if c.task == ALL_TASKS]
    return EvalComparison(suite=suite.name, suite_version=suite.version, limit=limit, seed=seed, rows=rows,
                          report=report)


def compare_entropy(
    texts: list[str],
    result: SFTResult,
    out: Path,
    cache_dir: Path,
    device: str = "auto",
    max_tokens: int = 256,
    progress: Progress | None = None,
) -> EntropyComparison:
    """Matrix entropy / effective rank per layer of base and fine-tune on the same texts (Diff-eRank).

    The analysis reads plain weights, so the fine-tune is its merged folder, made in a temporary
    folder when the run kept none.
    """
    from evals.entropy import analyze_model, diff_erank, write_entropy_report

    if not texts:
        raise TrainError("no texts for the entropy analysis (the validation split is empty)")
    say = progress or (lambda _message: None)
    say(f"entropy: the base on {len(texts)} texts")
    base = analyze_model(result.spec.base, texts, cache_dir, device, max_tokens)
    if result.merged is not None and result.merged.is_dir():
        say(f"entropy: the fine-tune on {len(texts)} texts")
        tuned = analyze_model(str(result.merged), texts, cache_dir, device, max_tokens)
    else:
        with tempfile.TemporaryDirectory(dir=out, prefix=".entropy-merged-") as work:
            say(f"entropy: merging the adapter, then the fine-tune on {len(texts)} texts")
            tuned = analyze_model(str(merge_adapter(result, Path(work) / "merged")), texts, cache_dir, device,
                                  max_tokens)
    tuned.model = f"{result.adapter.name} (fine-tuned)"
    diffs = diff_erank(base, tuned)
    folder = out / ENTROPY_DIR
    write_entropy_report([base, tuned], diffs, folder)
    mean = [sum(s.erank for s in r.layers) / len(r.layers) for r in (base, tuned)]
    return EntropyComparison(texts=base.texts, mean_erank_base=mean[0], mean_erank_tuned=mean[1],
                             mean_diff_erank=sum(d.diff_erank for d in diffs) / len(diffs),
                             last_layer_diff_erank=diffs[-1].diff_erank, report=folder / "entropy.md")


def prompts_of(conversations: list[dict[str, list[dict[str, str]]]], limit: int) -> list[str]:
    """The first user turn of each conversation: the texts the entropy analysis reads."""
    firsts = (next((m["content"] for m in c["messages"] if m["role"] == "user"), "") for c in conversations)
    return [text for text in firsts if text][:limit]
