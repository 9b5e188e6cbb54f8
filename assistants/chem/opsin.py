"""IUPAC name → SMILES with OPSIN (the jar py2opsin ships), in one long-lived JVM per process.

Starting a JVM costs about a second; a warm OPSIN reads a name in a few milliseconds. So the JVM is
started once, on first use, and kept: names go in on its stdin, one per line, and it answers each with
one line (empty where it cannot parse). A request waits at most the shorter of
`safety.opsin_timeout_s` and what is left of its run's wall-time budget; on timeout the JVM is killed
(the next request starts a fresh one), so a slow or stuck OPSIN never outlives the request that
started it.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import threading
import time
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


class _Opsin:
    """The OPSIN JVM of this process; one request at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._owner = os.getpid()

    def _started(self) -> subprocess.Popen[bytes]:
        if self._owner != os.getpid():  # a forked child must not share its parent's pipes
            self._process, self._owner = None, os.getpid()
        if self._process is None or self._process.poll() is not None:
            java = shutil.which("java")
            if java is None:
                raise OpsinUnavailable("OPSIN needs Java 8+ on PATH (java was not found).")
            try:
                self._process = subprocess.Popen([java, "-jar", str(_jar()), "-osmi"], stdin=subprocess.PIPE,
                                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            except OSError as exc:
                raise OpsinUnavailable(f"OPSIN could not run: {exc}") from exc
        return self._process

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def parse(self, names: list[str], timeout: float) -> list[str]:
        deadline = time.monotonic() + timeout
        if not self._lock.acquire(timeout=timeout):
            raise TimeoutError
        try:
            process = self._started()
            lines = _answers(process, [_clean(n) for n in names], deadline)
            if lines is None:
                self.stop()
                raise TimeoutError
            return lines
        finally:
            self._lock.release()


def _answers(process: subprocess.Popen[bytes], names: list[str], deadline: float) -> list[str] | None:
    """One output line per name, written by a thread while this one reads (so neither pipe fills);
    None when the deadline passes first."""
    assert process.stdin is not None and process.stdout is not None
    stdin, stdout = process.stdin, process.stdout

    def write() -> None:
        try:
            stdin.write(("\n".join(names) + "\n").encode("utf-8"))
            stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            return  # the JVM was stopped: the reader reports it

    threading.Thread(target=write, daemon=True).start()
    out: list[str] = []
    pending = b""
    while len(out) < len(names):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([stdout], [], [], left)[0]:
            return None
        chunk = os.read(stdout.fileno(), 65536)
        if not chunk:
            raise OpsinUnavailable("OPSIN returned no usable output (is Java 8+ installed?).")
        pending += chunk
        *done, pending = pending.split(b"\n")
        out += [line.decode("utf-8", errors="replace").rstrip("\r") for line in done]
    return out


_OPSIN = _Opsin()


def stop_opsin() -> None:
    """End this process's OPSIN JVM (the next name starts a new one)."""
    with _OPSIN._lock:
        _OPSIN.stop()


def opsin_smiles(names: list[str]) -> list[str | None]:
    """SMILES per name in the casing given (OPSIN is case-sensitive on locants); None where it fails."""
    if not names:
        return []
    timeout = _timeout_s()
    try:
        lines = _OPSIN.parse(names, timeout)
    except TimeoutError as exc:  # the JVM has been killed
        left = time_left()
        if left is not None and left <= 0:
            raise BudgetExceeded("the run's wall-time budget ran out while OPSIN was reading names") from exc
        raise OpsinUnavailable(f"OPSIN took longer than {timeout:.0f} s and was stopped.") from exc
    if len(lines) != len(names):
        raise OpsinUnavailable("OPSIN returned no usable output (is Java 8+ installed?).")
    return [smiles or None for smiles in lines]
