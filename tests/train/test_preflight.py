"""Memory problems are found before training starts, with what to do about them."""

from __future__ import annotations

import pytest
import torch

from train.errors import TrainError
from train.preflight import GIB, check_fits, probe_worst_batch
from train.recipe import SFTRecipe


def test_weights_that_cannot_fit_are_refused() -> None:
    with pytest.raises(TrainError, match="accelerate launch") as caught:
        check_fits("Qwen/Qwen2.5-7B-Instruct", 7_600_000_000, "bfloat16", "cuda (a small card)", 8 * GIB)
    assert "7.60 B parameters" in str(caught.value) and "8.0 GiB free" in str(caught.value)
    check_fits("smollm2-135m-instruct", 135_000_000, "float32", "cpu", 4 * GIB)


class _OutOfMemory(torch.nn.Module):
    """Stands in for a model too big for its device: real OOM cannot be produced on demand."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))

    def forward(self, input_ids: torch.Tensor, labels: torch.Tensor) -> None:
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")


def test_worst_batch_out_of_memory_names_the_fix() -> None:
    with pytest.raises(TrainError, match="lower --batch-size") as caught:
        probe_worst_batch(_OutOfMemory(), SFTRecipe(batch_size=8, max_length=4096), vocab_size=100)
    assert "8 x 4096 tokens" in str(caught.value)


def test_worst_batch_leaves_no_gradients() -> None:
    model = torch.nn.Sequential(torch.nn.Embedding(10, 4), torch.nn.Linear(4, 10))

    class Wrapped(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, input_ids: torch.Tensor, labels: torch.Tensor) -> object:
            logits = self.inner(input_ids)
            loss = torch.nn.functional.cross_entropy(logits.view(-1, 10), labels.view(-1))
            return type("Out", (), {"loss": loss})()

    probe_worst_batch(Wrapped(), SFTRecipe(batch_size=2, max_length=16), vocab_size=10)
    assert all(p.grad is None for p in model.parameters())
