"""The load a benchmark ran under: on a machine shared with other work, absolute rates drop while
same-run ratios hold much better, so every speed benchmark prints this before and after."""

from __future__ import annotations

import os


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, e.g. `2.05 1.29 1.09`."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())
