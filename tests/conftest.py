"""Settings are cached per process; every test starts from (and leaves) a fresh read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stages.config import get_settings


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
