"""Before the first step: memory that cannot fit, the sequence length, the CPU threads and an estimate of the run."""

from __future__ import annotations

import os

import pytest
import torch

from train.errors import TrainError
from train.preflight import (
    GIB,
    StepTiming,
    check_fits,
    cpu_threads,
    estimate,
    longest_sample,
    planned_steps,
    probe_worst_batch,
)
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

    timing = probe_worst_batch(Wrapped(), SFTRecipe(batch_size=2, max_length=16), vocab_size=10)
    assert all(p.grad is None for p in model.parameters())
    assert timing.train_s > 0 and timing.validate_s > 0


def test_estimate_counts_the_steps_and_every_validation() -> None:
    timing = StepTiming(train_s=20.0, validate_s=6.0)  # 10 steps: 200 s; 64 conversations: 16 batches, 96 s
    recipe = SFTRecipe(max_steps=10, batch_size=4)
    assert estimate(timing, recipe, 10, 64) == "~5 min for 10 steps and validation on 64 conversations"
    assert estimate(timing, SFTRecipe(save_steps=4), 10, 64) == (
        "~9 min for 10 steps and validation on 64 conversations (3 times)")  # after steps 4, 8 and 10
    assert estimate(timing, SFTRecipe(grad_accum=2), 10, 0) == "~7 min for 10 steps (no validation split)"


def test_planned_steps_follow_max_steps_or_the_epochs() -> None:
    assert planned_steps(SFTRecipe(max_steps=10), 6485, processes=1) == 10
    assert planned_steps(SFTRecipe(batch_size=4, grad_accum=2, epochs=2), 100, processes=1) == 24
    assert planned_steps(SFTRecipe(batch_size=4), 100, processes=2) == 13


def _words_tokenizer() -> object:
    """A real fast tokenizer, one token a word, with a chat template that joins the contents."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    words = Tokenizer(models.WordLevel({"[UNK]": 0, "benzene": 1}, unk_token="[UNK]"))
    words.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=words, unk_token="[UNK]", eos_token="[UNK]")
    tokenizer.chat_template = "{% for m in messages %}{{ m['content'] }} {% endfor %}"
    return tokenizer


def _conversation(words: int) -> dict[str, list[dict[str, str]]]:
    return {"messages": [{"role": "user", "content": "benzene " * words}]}


def test_max_length_is_the_longest_sample_up_to_the_cap() -> None:
    tokenizer, lines = _words_tokenizer(), list[str]()
    assert longest_sample(tokenizer, [_conversation(20), _conversation(40)], 256, lines.append) == 40
    assert longest_sample(tokenizer, [_conversation(20), _conversation(900), _conversation(40)], 256,
                          lines.append) == 256
    assert longest_sample(tokenizer, [_conversation(2)], 256, lines.append) == 16  # the recipe's floor
    assert lines[0] == "tokenizing up to 2 conversations for their longest (cap 256 tokens)"


def test_cpu_threads_leave_busy_cores_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert cpu_threads() == 3
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert 1 <= cpu_threads() <= len(os.sched_getaffinity(0))
