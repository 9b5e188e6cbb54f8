"""IUPAC name → SMILES with OPSIN (the jar py2opsin ships), batched: one JVM start per list of names.

The JVM runs as a child process with a timeout: the shorter of `safety.opsin_timeout_s` and
what is left of the current run's wall-time budget. On timeout the JVM is killed, so a slow or
stuck OPSIN never outlives the request that started it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

from stages.config import get_settings
from stages.stage import BudgetExceeded, time_left

_JAR = "opsin-cli-2.9.0-jar-with-dependencies.jar"


class OpsinUnavailable(RuntimeError):
    """OPSIN could not run (no Java, py2opsin missing, or it ran out of time)."""


def _clean(name: str) -> str:
    """One name per line for OPSIN: newlines inside a name would smuggle in extra names."""
    return " ".join(name.split())


def _jar() -> Path:
    try:
        jar = Path(str(resources.files("py2opsin") / _JAR))
    except ModuleNotFoundError as exc:  # the chem extra is not installed
        raise OpsinUnavailable("OPSIN is not installed (pip install py2opsin).") from exc
    if not jar.is_file():
        raise OpsinUnavailable(f"OPSIN's jar is missing from py2opsin ({_JAR}).")
    return jar


def _timeout_s() -> float:
    """The configured OPSIN timeout, cut to what the run has left (BudgetExceeded when nothing)."""
    limit = get_settings().safety.opsin_timeout_s
    left = time_left()
    if left is not None and left <= 0:
        raise BudgetExceeded("the run's wall-time budget is spent")
    return limit if left is None else min(limit, left)


def opsin_smiles(names: list[str]) -> list[str | None]:
    """SMILES per name in the casing given (OPSIN is case-sensitive on locants); None where it fails."""
    if not names:
        return []
    java = shutil.which("java")
    if java is None:
        raise OpsinUnavailable("OPSIN needs Java 8+ on PATH (java was not found).")
    command = [java, "-jar", str(_jar()), "-osmi"]
    handle, path = tempfile.mkstemp(prefix="opsin-", suffix=".txt")
    timeout = _timeout_s()
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as written:
            written.write("\n".join(_clean(n) for n in names) + "\n")
        done = subprocess.run([*command, path], capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:  # subprocess.run has killed the JVM
        left = time_left()
        if left is not None and left <= 0:
            raise BudgetExceeded("the run's wall-time budget ran out while OPSIN was reading names") from exc
        raise OpsinUnavailable(f"OPSIN took longer than {timeout:.0f} s and was stopped.") from exc
    except OSError as exc:
        raise OpsinUnavailable(f"OPSIN could not run: {exc}") from exc
    finally:
        Path(path).unlink(missing_ok=True)
    lines = done.stdout.decode("utf-8", errors="replace").replace("\r", "").split("\n")[:-1]
    if done.returncode != 0 or len(lines) != len(names):
        raise OpsinUnavailable("OPSIN returned no usable output (is Java 8+ installed?).")
    return [smiles or None for smiles in lines]
