"""OPSIN runs as a child JVM with a timeout, and the run's deadline cuts that timeout."""

from __future__ import annotations

import time

import pytest

from assistants.chem.opsin import OpsinUnavailable, opsin_smiles
from stages.backends.scripted import ScriptedBackend
from stages.config import get_settings
from stages.messages import ask
from stages.stage import BudgetExceeded, RunContext


def test_names_become_smiles_and_failures_none() -> None:
    assert opsin_smiles(["propan-2-ol", "not a chemical name at all"]) == ["CC(C)O", None]


def test_a_slow_opsin_is_stopped_at_its_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRISTAGE_SAFETY__OPSIN_TIMEOUT_S", "0.05")
    get_settings.cache_clear()
    started = time.monotonic()
    with pytest.raises(OpsinUnavailable, match="stopped"):
        opsin_smiles(["propan-2-ol"])
    assert time.monotonic() - started < 2.0


def test_the_run_deadline_stops_opsin() -> None:
    ctx = RunContext(ask("q"), ScriptedBackend(["x"]), lambda _e: None, max_model_calls=1,
                     deadline=time.monotonic() + 0.05)
    with ctx.deadline_timer():
        with pytest.raises(BudgetExceeded):
            opsin_smiles(["propan-2-ol"])
        time.sleep(0.1)
        with pytest.raises(BudgetExceeded):
            opsin_smiles(["propan-2-ol"])
