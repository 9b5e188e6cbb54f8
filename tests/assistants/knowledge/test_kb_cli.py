"""`tristage kb`: build, query, stats and drop through the real command line, in both modes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistants.knowledge.chroma import KnowledgeConfig
from serve.cli import app
from stages.config import get_settings

runner = CliRunner()


@pytest.fixture
def kb_env(kb_config: KnowledgeConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the command line at the mode under test, and drop what the test built."""
    monkeypatch.setenv("TRISTAGE_CACHE_DIR", str(kb_config.path.parent))
    if kb_config.url:
        monkeypatch.setenv("TRISTAGE_KNOWLEDGE__CHROMA_URL", kb_config.url)
    else:
        monkeypatch.delenv("TRISTAGE_KNOWLEDGE__CHROMA_URL", raising=False)
    get_settings.cache_clear()
    yield
    runner.invoke(app, ["kb", "drop", "docs"])
    get_settings.cache_clear()


@pytest.mark.slow
def test_build_query_stats_drop(kb_env: None, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "storage.md").write_text("# Disposal\n\nQuench small amounts of sodium with isopropanol.\n")
    built = runner.invoke(app, ["kb", "build", "docs", str(notes)])
    assert built.exit_code == 0, built.output
    assert "docs: 1 embedded, 0 unchanged, 0 removed; 1 passages in the " in built.output
    again = runner.invoke(app, ["kb", "build", "docs", str(notes)])
    assert "docs: 0 embedded, 1 unchanged, 0 removed" in again.output
    found = runner.invoke(app, ["kb", "query", "docs", "sodium waste", "-k", "3", "--json"])
    passages = json.loads(found.stdout)["passages"]
    assert len(passages) == 1 and passages[0]["id"].startswith("doc:storage-") and passages[0]["score"] < 1
    stats = json.loads(runner.invoke(app, ["kb", "stats", "--json"]).stdout)
    assert stats["passages"]["docs"] == 1
    assert runner.invoke(app, ["kb", "drop", "docs"]).stdout.strip() == "docs: dropped"
    assert runner.invoke(app, ["kb", "drop", "docs"]).stdout.strip() == "docs: was not built"


@pytest.mark.slow
def test_querying_an_unbuilt_base_says_how_to_build_it(kb_env: None) -> None:
    result = runner.invoke(app, ["kb", "query", "breakout", "upward breakout"])
    assert result.exit_code == 1 and "run `tristage kb build breakout`" in result.output


def test_docs_needs_a_path_and_only_docs_takes_one(tmp_path: Path) -> None:
    assert runner.invoke(app, ["kb", "build", "docs"]).exit_code == 2
    result = runner.invoke(app, ["kb", "build", "chem", str(tmp_path)])
    assert result.exit_code == 2 and "a path is required for docs and only for docs" in result.output


def test_the_whole_store_and_a_sample_exclude_each_other() -> None:
    result = runner.invoke(app, ["kb", "build", "chem", "--all", "--limit", "5"])
    assert result.exit_code == 2 and "--all and --limit exclude each other" in result.output


def test_a_server_that_is_down_is_one_clear_line(dead_server_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRISTAGE_KNOWLEDGE__CHROMA_URL", dead_server_url)
    result = runner.invoke(app, ["kb", "stats"])
    assert result.exit_code == 1
    assert result.output.startswith(f"Chroma server {dead_server_url}: connecting failed: Could not connect")
    assert "Traceback" not in result.output
