"""OPSIN runs in one long-lived child JVM; a request has a timeout, the run's deadline cuts it, and a
JVM stopped at a timeout is replaced by a fresh one on the next request."""

from __future__ import annotations

import time

import pytest

from assistants.chem import opsin
from assistants.chem.opsin import OpsinUnavailable, opsin_smiles, stop_opsin
from stages.backends.scripted import ScriptedBackend
from stages.config import get_settings
from stages.messages import ask
from stages.stage import BudgetExceeded, RunContext


def test_names_become_smiles_and_failures_none() -> None:
    assert opsin_smiles(["propan-2-ol", "not a chemical name at all"]) == ["CC(C)O", None]


def test_one_jvm_reads_every_batch() -> None:
    opsin_smiles(["ethanol"])
    first = opsin._OPSIN._process
    assert opsin_smiles(["benzene", "", "x" * 60_000, "methane"]) == ["C1=CC=CC=C1", None, None, "C"]
    assert opsin._OPSIN._process is first and first is not None and first.poll() is None


def test_a_slow_opsin_is_stopped_at_its_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    stop_opsin()  # a JVM's start takes about a second: longer than this timeout
    monkeypatch.setenv("TRISTAGE_SAFETY__OPSIN_TIMEOUT_S", "0.05")
    get_settings.cache_clear()
    started = time.monotonic()
    with pytest.raises(OpsinUnavailable, match="stopped"):
        opsin_smiles(["propan-2-ol"])
    assert time.monotonic() - started < 2.0
    assert opsin._OPSIN._process is None  # killed, not left running
    monkeypatch.delenv("TRISTAGE_SAFETY__OPSIN_TIMEOUT_S")
    get_settings.cache_clear()
    assert opsin_smiles(["propan-2-ol"]) == ["CC(C)O"]  # a fresh JVM answers the next request


def test_the_run_deadline_stops_opsin() -> None:
    stop_opsin()
    ctx = RunContext(ask("q"), ScriptedBackend(["x"]), lambda _e: None, max_model_calls=1,
                     deadline=time.monotonic() + 0.05)
    with ctx.deadline_timer():
        with pytest.raises(BudgetExceeded):
            opsin_smiles(["propan-2-ol"])
        time.sleep(0.1)
        with pytest.raises(BudgetExceeded):
            opsin_smiles(["propan-2-ol"])
