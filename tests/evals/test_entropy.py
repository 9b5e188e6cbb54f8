"""Matrix entropy against closed forms; the real model on two texts (slow)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from evals.entropy import (
    EntropyResult,
    LayerStat,
    covariance_entropy,
    diff_erank,
    effective_rank,
    read_texts,
    representation_entropy,
    write_entropy_report,
)


@pytest.mark.parametrize("d", [1, 2, 7, 64])
def test_identity_covariance_has_entropy_log_d(d: int) -> None:
    assert covariance_entropy(np.eye(d)) == pytest.approx(math.log(d))
    assert effective_rank(covariance_entropy(3.5 * np.eye(d))) == pytest.approx(d)


def test_rank_one_covariance_has_zero_entropy() -> None:
    v = np.random.default_rng(0).normal(size=(16, 1))
    assert covariance_entropy(v @ v.T) == pytest.approx(0.0, abs=1e-9)


def test_two_equal_directions_give_log_2() -> None:
    assert covariance_entropy(np.diag([2.0, 2.0, 0.0, 0.0])) == pytest.approx(math.log(2))


def test_representations_on_a_line_have_zero_entropy_and_spread_ones_more() -> None:
    rng = np.random.default_rng(1)
    line = rng.normal(size=(10, 1)) * rng.normal(size=(1, 32)) + 5.0
    assert representation_entropy(line) == pytest.approx(0.0, abs=1e-9)
    spread = rng.normal(size=(40, 32))
    h = representation_entropy(spread)
    assert 0 < h <= math.log(32)
    assert representation_entropy(3 * spread + 1) == pytest.approx(h)  # scale and shift do not matter


def test_degenerate_inputs_are_rejected() -> None:
    with pytest.raises(ValueError):
        representation_entropy(np.ones((1, 4)))
    with pytest.raises(ValueError):
        covariance_entropy(np.zeros((3, 3)))


def _result(model: str, eranks: list[float]) -> EntropyResult:
    return EntropyResult(model=model, texts=2, tokens=10,
                         layers=[LayerStat(layer=i, entropy=math.log(e), erank=e) for i, e in enumerate(eranks)])


def test_diff_erank_and_report(tmp_path: Path) -> None:
    base, tuned = _result("base", [5.0, 4.0]), _result("tuned", [4.5, 3.0])
    diffs = diff_erank(base, tuned)
    assert [d.diff_erank for d in diffs] == pytest.approx([0.5, 1.0])
    with pytest.raises(ValueError):
        diff_erank(base, _result("short", [1.0]))
    write_entropy_report([base, tuned], diffs, tmp_path)
    assert "Diff-eRank" in (tmp_path / "entropy.md").read_text()
    assert (tmp_path / "erank.png").stat().st_size > 1000


def test_read_texts_formats(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("one\n\ntwo\n")
    (tmp_path / "b.jsonl").write_text('{"text": "x"}\n{"question": "y"}\n')
    assert read_texts(tmp_path / "a.txt") == ["one", "two"]
    assert read_texts(tmp_path / "b.jsonl", limit=1) == ["x"]
    with pytest.raises(FileNotFoundError):
        read_texts(tmp_path / "none.txt")


@pytest.mark.slow
def test_embedded_model_per_layer_entropy(embedded_model: str) -> None:
    from evals.entropy import analyze_model
    from stages.config import get_settings

    texts = ["Ethanol is a simple alcohol with the formula C2H6O.", "The price broke out of its range on high volume."]
    result = analyze_model("smollm2-135m-instruct", texts, get_settings().cache_dir, device="cpu", max_tokens=32)
    assert result.texts == 2 and len(result.layers) == 31  # embeddings + 30 decoder layers
    assert all(1.0 <= s.erank <= 32 for s in result.layers)
    assert all(d.diff_erank == 0 for d in diff_erank(result, result))
