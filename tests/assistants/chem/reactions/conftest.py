"""The real shipped template library (built once into the user cache on first use) for reaction tests."""

from __future__ import annotations

import pytest

from assistants.chem.reactions.library import ReactionLibrary, get_library


@pytest.fixture(scope="session")
def library() -> ReactionLibrary:
    return get_library()
