"""Plain progress lines for a training run: each step, each stretch of validation, with rate and ETA.

Lines, not bars: they read the same on a terminal, in a log file and through a pipe, so a long
validation is never mistaken for a hang.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

Progress = Callable[[str], None]
# validation prints a line at most this often (and always for its first and last batch)
VALIDATION_LINE_S = 5.0


def duration(seconds: float) -> str:
    """A human span: '45 s', '4 min', '1 h 20 min'."""
    if seconds < 90:
        return f"{max(1, math.ceil(seconds))} s"
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h" + (f" {minutes % 60} min" if minutes % 60 else "")


def rate_and_eta(done: int, total: int, elapsed: float, unit: str, units: str) -> str:
    """'0.21 steps/s, ETA 38 s' (or '25.0 s per step' when slower) for `done` of `total`."""
    if done <= 0 or elapsed <= 0:
        return "ETA unknown"
    rate = done / elapsed
    pace = f"{rate:.2f} {units}/s" if rate >= 0.1 else f"{1 / rate:.1f} s per {unit}"
    return f"{pace}, ETA {duration((total - done) / rate) if total > done else '0 s'}"


class ValidationProgress:
    """Reports validation batch by batch: `reset` as a validation begins, then `batch` after each batch."""

    def __init__(self, say: Progress, conversations: int) -> None:
        self.say, self.conversations = say, conversations
        self.started = self.last_line = time.perf_counter()
        self.done = 0

    def reset(self) -> None:
        self.started = self.last_line = time.perf_counter()
        self.done = 0

    def batch(self, total: int) -> None:
        self.done += 1
        now = time.perf_counter()
        if self.done in (1, total) or now - self.last_line >= VALIDATION_LINE_S:
            self.last_line = now
            self.say(f"validation ({self.conversations:,} conversations): batch {self.done}/{total}, "
                     f"{rate_and_eta(self.done, total, now - self.started, 'batch', 'batches')}")


def trainer_progress(say: Progress, validation: ValidationProgress) -> Any:
    """A transformers callback that reports each step (loss when logged, steps/s, ETA) and validation batches.

    It also skips the Trainer's own validation after the last step: the run validates after
    the adapter is saved, so an interrupted validation cannot cost the training.
    """
    from transformers import TrainerCallback

    class LogProgress(TrainerCallback):
        def __init__(self) -> None:
            self.started = time.perf_counter()
            self.first_step = 0

        def on_train_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            self.started, self.first_step = time.perf_counter(), state.global_step

        def _timing(self, state: Any) -> str:
            return rate_and_eta(state.global_step - self.first_step, state.max_steps - self.first_step,
                                time.perf_counter() - self.started, "step", "steps")

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> Any:
            if state.global_step >= state.max_steps:
                control.should_evaluate = False
            if control.should_evaluate:
                validation.reset()
            if state.is_world_process_zero and not control.should_log:
                say(f"step {state.global_step}/{state.max_steps}: {self._timing(state)}")
            return control

        def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, float] | None = None,
                   **kw: Any) -> None:
            if not state.is_world_process_zero or not logs:
                return
            if "loss" in logs:
                say(f"step {state.global_step}/{state.max_steps}: loss {logs['loss']:.4g}, "
                    f"learning rate {logs.get('learning_rate', 0.0):.3g}, {self._timing(state)}")
            if "eval_loss" in logs:
                say(f"step {state.global_step}/{state.max_steps}: validation loss {logs['eval_loss']:.4g}")

        def on_prediction_step(self, args: Any, state: Any, control: Any, eval_dataloader: Any = None,
                               **kw: Any) -> None:
            if state.is_world_process_zero and eval_dataloader is not None:
                validation.batch(len(eval_dataloader))

    return LogProgress()
