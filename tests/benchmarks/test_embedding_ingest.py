"""The ingestion benchmark runs end to end on a few real compound records and reports its ratio."""

from __future__ import annotations

import json
import sys

import pytest

from benchmarks import embedding_ingest


@pytest.mark.slow
def test_a_small_sample_reports_ingestion_against_the_model_alone(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["embedding_ingest.py", "--compounds", "6"])
    embedding_ingest.main()
    printed = capsys.readouterr().out
    result = json.loads(printed.strip().splitlines()[-1])
    assert result["passages"] == 6 and result["embed_tokens"] == 256
    assert result["model_passages_per_s"] > 0 and result["ingest_passages_per_s"] > 0 and result["ratio"] > 0
    assert result["whole_store_min"] > 0
    assert "ingestion / model alone" in printed and "load average before" in printed
