"""The shipped template table: it holds what rdchiral extracts, and is ignored under other versions."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from assistants.chem.reactions import extracted
from assistants.chem.reactions.shipped import training_reactions
from assistants.chem.reactions.sources import MappedReaction
from assistants.chem.reactions.templates import extract_retro

AMIDE = MappedReaction(id="user-1", reactants="[CH3:1][C:2](=[O:3])Cl.[CH3:4][NH2:5]",
                       product="[CH3:1][C:2](=[O:3])[NH:5][CH3:4]")


@pytest.fixture(autouse=True)
def fresh_table() -> None:
    extracted.stored_templates.cache_clear()
    yield
    extracted.stored_templates.cache_clear()


def test_the_table_matches_extraction_on_shipped_reactions() -> None:
    table = extracted.stored_templates()
    assert len(table) > 40_000, "the shipped table was made with another rdchiral or RDKit release"
    sample = list(itertools.islice(training_reactions(), 0, 20_000, 1_000))
    assert len(sample) == 20
    for reaction in sample:
        assert table[extracted.reaction_key(reaction)] == (extract_retro(reaction) or "")


def test_a_reaction_the_table_lacks_is_extracted() -> None:
    assert extracted.reaction_key(AMIDE) not in extracted.stored_templates()
    template = extracted.retro_template(AMIDE)
    assert template is not None and template == extract_retro(AMIDE)
    assert ">>" in template


def test_other_extractor_versions_ignore_the_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    versions = tmp_path / "extracted_templates.json"
    versions.write_text(json.dumps({"rdchiral": "0.0.1", "rdkit": "2001.01"}))
    monkeypatch.setattr(extracted, "VERSIONS", versions)
    assert extracted.stored_templates() == {}
    shipped = next(iter(training_reactions()))
    assert extracted.retro_template(shipped) == extract_retro(shipped)
