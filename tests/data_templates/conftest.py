"""Fixtures over the generated data in data_fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest
from data_fixtures import fixture_records, write_compound_csv

from data_templates.chem_sources import ChemRecord


@pytest.fixture
def records() -> list[ChemRecord]:
    return fixture_records()


@pytest.fixture
def compound_csv(tmp_path: Path) -> Path:
    return write_compound_csv(tmp_path / "compounds.csv")
