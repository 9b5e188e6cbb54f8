"""The safety screen every pipeline runs (see `stages.screen`): chemical-weapon agents and their
key precursors, recognised across the whole conversation and in the model's output."""

from __future__ import annotations

from functools import lru_cache

from assistants.safety.screen import WeaponsScreen


@lru_cache(maxsize=1)
def default_screen() -> WeaponsScreen:
    return WeaponsScreen()
