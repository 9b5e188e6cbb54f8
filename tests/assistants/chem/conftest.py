"""The real compound store (built once into the user cache on first use) for every chem test."""

from __future__ import annotations

import pytest

from assistants.chem.store import CompoundStore, get_store


@pytest.fixture(scope="session")
def store() -> CompoundStore:
    return get_store()
