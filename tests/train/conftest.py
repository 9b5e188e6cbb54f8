"""A real breakout dataset build of the bundled OHLCV samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_templates.builder import BuildOptions, build
from data_templates.market import MarketDomain


@pytest.fixture(scope="session")
def breakout_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished breakout build of the bundled OHLCV samples: long conversations, with a validation split."""
    out = tmp_path_factory.mktemp("build") / "breakout"
    build(MarketDomain(), out, BuildOptions(seed=3))
    return out
