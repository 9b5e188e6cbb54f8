"""Progress lines read the same on a terminal and in a log: spans a person reads, rates, ETAs, validation batches."""

from __future__ import annotations

from train.progress import ValidationProgress, duration, rate_and_eta


def test_durations_read_as_a_person_would() -> None:
    assert [duration(s) for s in (0.2, 45, 89, 240, 3600, 4800)] == ["1 s", "45 s", "89 s", "4 min", "1 h",
                                                                     "1 h 20 min"]


def test_rate_and_eta_from_what_is_done() -> None:
    assert rate_and_eta(2, 10, 10.0, "step", "steps") == "0.20 steps/s, ETA 40 s"
    assert rate_and_eta(10, 10, 50.0, "step", "steps") == "0.20 steps/s, ETA 0 s"
    assert rate_and_eta(1, 10, 400.0, "step", "steps") == "400.0 s per step, ETA 1 h"
    assert rate_and_eta(1, 16, 15.4, "batch", "batches") == "15.4 s per batch, ETA 4 min"
    assert rate_and_eta(8, 16, 2.0, "batch", "batches") == "4.00 batches/s, ETA 2 s"
    assert rate_and_eta(0, 10, 0.0, "step", "steps") == "ETA unknown"


def test_validation_reports_its_first_and_last_batch_each_time() -> None:
    lines: list[str] = []
    progress = ValidationProgress(lines.append, 64)
    for _validation in range(2):
        progress.reset()
        for _batch in range(16):
            progress.batch(16)
    assert len(lines) == 4
    assert lines[0].startswith("validation (64 conversations): batch 1/16, ")
    assert lines[1].startswith("validation (64 conversations): batch 16/16, ") and lines[1].endswith("ETA 0 s")
    assert lines[2].startswith("validation (64 conversations): batch 1/16, ")
