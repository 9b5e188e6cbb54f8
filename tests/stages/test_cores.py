"""The usable core count: the process's CPU set where the platform has one, else the machine's count."""

from __future__ import annotations

import os

import pytest

from stages.cores import usable_cores


def test_cores_are_this_process_cpu_set() -> None:
    assert usable_cores() == len(os.sched_getaffinity(0))
    assert 1 <= usable_cores() <= (os.cpu_count() or 1)


def test_without_sched_getaffinity_the_machine_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "sched_getaffinity")
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert usable_cores() == 6
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert usable_cores() == 1
