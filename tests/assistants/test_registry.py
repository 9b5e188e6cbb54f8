from __future__ import annotations

import pytest

from assistants import UnknownAssistant, assistant_names, load_assistant


def test_general_loads_by_name_case_insensitively():
    assert load_assistant(" General ").name == "general"


def test_typo_suggests_the_near_miss():
    with pytest.raises(UnknownAssistant, match="did you mean 'general'"):
        load_assistant("genral")


def test_unknown_without_near_miss_lists_the_names():
    with pytest.raises(UnknownAssistant, match="available: breakout, chem, general"):
        load_assistant("zzz")


def test_names_are_listed_without_importing():
    assert set(assistant_names()) == {"general", "chem", "breakout"}
