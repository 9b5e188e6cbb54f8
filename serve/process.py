"""`tristage serve` as a child process: start on a free port, wait until ready, stop.

Used by the end-to-end tests and the load benchmark, which talk to a real server over HTTP.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import httpx

TRISTAGE = Path(sys.executable).with_name("tristage")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """A running `tristage serve`; its log goes to a temp file, shown when it fails to start."""

    def __init__(self, args: list[str] | None = None, env: dict[str, str] | None = None,
                 port: int | None = None) -> None:
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        handle, name = tempfile.mkstemp(prefix="tristage-serve-", suffix=".log")
        os.close(handle)
        self.log_path = Path(name)
        clean = {k: v for k, v in os.environ.items() if not k.startswith("TRISTAGE_")}
        command = [str(TRISTAGE), "serve", "--port", str(self.port), *(args or [])]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(command, env={**clean, **(env or {})}, stdout=log,
                                            stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout_s: float = 120.0) -> ServerProcess:
        """Block until /health/ready says 200; raises with the server's log otherwise."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"tristage serve exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.base_url}/health/ready", timeout=2.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"tristage serve was not ready after {timeout_s:.0f} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> ServerProcess:
        return self.wait_ready()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
