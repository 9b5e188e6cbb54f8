"""Bad paths on the command line are one line and exit 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
TRISTAGE = Path(sys.executable).with_name("tristage")


def test_a_dataset_build_into_an_unwritable_folder_is_one_line_and_exit_2() -> None:
    done = subprocess.run([str(TRISTAGE), "data", "build", "chem", "--out", "/proc/x"], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "│" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == "/proc/x: No such file or directory"
