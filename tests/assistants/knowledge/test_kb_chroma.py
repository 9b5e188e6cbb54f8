"""Knowledge bases on real Chroma with the real offline embedding model, embedded and server mode."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assistants.chem.store import get_store
from assistants.knowledge.bases import build_docs
from assistants.knowledge.cases import case_passages, case_query
from assistants.knowledge.chem import chosen_compounds, compound_passages
from assistants.knowledge.chroma import (
    EMBED_TOKENS,
    KnowledgeBase,
    KnowledgeConfig,
    MultiRetriever,
    embedding_function,
    list_knowledge_bases,
)
from assistants.market.breakouts import scan_many
from assistants.market.samples import sample_ohlcv
from stages.retrieval import RetrievalUnavailable

pytestmark = pytest.mark.slow
MakeKb = Callable[[str], KnowledgeBase]

SOLVENTS = """# Solvents

Ethanol is a common laboratory solvent; it boils at 78 degrees Celsius.

Acetone dissolves many plastics and evaporates quickly.
"""
STORAGE = """# Storage

Store sodium metal under mineral oil, away from water.

# Disposal

Quench small amounts of sodium with isopropanol before disposal.
"""


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_document_builds_are_idempotent_and_drop_stale_chunks(make_kb: MakeKb, tmp_path: Path) -> None:
    docs = make_kb("testdocs")
    notes = _write(tmp_path / "docs", "storage.md", STORAGE)
    first = build_docs(docs, notes.parent)
    assert [(r.upserted, r.unchanged, r.deleted) for r in first] == [(2, 0, 0)]
    again = build_docs(docs, notes.parent)
    assert [(r.upserted, r.unchanged, r.deleted) for r in again] == [(0, 2, 0)]
    notes.write_text("# Storage\n\nStore sodium metal under dry mineral oil.\n")
    changed = build_docs(docs, notes)
    assert [(r.upserted, r.unchanged, r.deleted, r.total) for r in changed] == [(1, 0, 1, 1)]
    assert docs.count() == 1


def test_a_metadata_change_is_stored_on_rebuild(make_kb: MakeKb) -> None:
    base = make_kb("testmeta")
    cases = case_passages({"bokeh/IBM": sample_ohlcv("bokeh/IBM")})[:3]
    assert base.build(cases).upserted == 3 and base.build(cases).unchanged == 3
    moved = [c.model_copy(update={"metadata": {**c.metadata, "decided_s": 0}}) for c in cases]
    assert base.build(moved).upserted == 3
    assert {p.metadata["decided_s"] for p in base.retrieve(cases[0].key or cases[0].text, 3)} == {0}


def test_queries_return_the_closest_passages_with_their_metadata(make_kb: MakeKb, tmp_path: Path) -> None:
    docs = make_kb("testdocs")
    _write(tmp_path / "docs", "solvents.md", SOLVENTS)
    storage = _write(tmp_path / "docs", "storage.md", STORAGE)
    build_docs(docs, tmp_path / "docs")
    found = docs.retrieve("how do I get rid of leftover sodium?", 3)
    assert len(found) == 3
    assert found[0].text.startswith("Disposal\n") and found[0].source == str(storage.resolve())
    assert found[0].metadata == {"kind": "document", "chunk": 1, "file": "storage.md"}
    assert [p.score for p in found] == sorted(p.score for p in found if p.score is not None)
    only = docs.retrieve("solvent", 5, where={"file": "solvents.md"})
    assert [p.metadata["file"] for p in only] == ["solvents.md"]


def test_a_synonym_finds_its_compound_record(make_kb: MakeKb) -> None:
    store = get_store()
    named = [store.by_name(n) for n in ("ethanol", "aspirin", "acetone", "benzene", "caffeine", "triethylamine")]
    compounds = [c for c in named if c is not None] + chosen_compounds(store, limit=30, seed=1)
    chem = make_kb("testchem")
    report = chem.build(compound_passages(store, compounds))
    assert report.upserted == chem.count() == len({c.cas for c in compounds})
    assert "chem:64-17-5" in [p.id for p in chem.retrieve("grain alcohol", 5)]
    assert "chem:50-78-2" in [p.id for p in chem.retrieve("acetylsalicylic acid", 3)]
    assert chem.retrieve("propanone", 1)[0].id == "chem:67-64-1"


def test_a_passage_is_embedded_as_far_as_the_model_reads() -> None:
    embed = embedding_function()
    words = " ".join(f"ethanol{n}" if n % 2 else "solvent" for n in range(EMBED_TOKENS))  # over EMBED_TOKENS pieces
    cut_same, cut_differ, short = embed([f"{words} boils at 78 C", f"{words} melts at -114 C", "ethanol boils at 78 C"])
    assert (cut_same == cut_differ).all()
    assert not (embed(["ethanol melts at -114 C"])[0] == short).all()


def test_the_cases_most_like_a_breakout_come_first(make_kb: MakeKb) -> None:
    frames = {"bokeh/IBM": sample_ohlcv("bokeh/IBM")}
    events = scan_many(frames, label=True)
    events = events[events["outcome"] != "open"].reset_index(drop=True)
    cases = case_passages(frames)[:40]
    library = make_kb("testcases")
    library.build(cases)
    probe = events.iloc[17]
    assert cases[17].id.endswith(f"{probe['date']:%Y-%m-%d}")
    found = library.filtered({"direction": str(probe["direction"])}).retrieve(case_query(probe), 3)
    assert found[0].text.split(": ", 1)[1].startswith(case_query(probe))  # the same character first
    assert all(p.metadata["direction"] == probe["direction"] for p in found)


def test_several_bases_merge_by_distance_and_unbuilt_ones_are_skipped(make_kb: MakeKb, tmp_path: Path) -> None:
    docs = make_kb("testdocs")
    build_docs(docs, _write(tmp_path / "docs", "storage.md", STORAGE))
    unbuilt = make_kb("testnothing")
    merged = MultiRetriever([unbuilt, docs]).retrieve("sodium disposal", 1)
    assert [p.text.split("\n")[0] for p in merged] == ["Disposal"]
    with pytest.raises(RetrievalUnavailable, match="not built"):
        unbuilt.retrieve("anything", 2)
    with pytest.raises(RetrievalUnavailable, match="run `tristage kb build testnothing`"):
        MultiRetriever([unbuilt]).retrieve("anything", 2)


def test_stats_list_the_bases_and_drop_removes_them(make_kb: MakeKb, kb_config: KnowledgeConfig, tmp_path: Path) -> None:
    docs = make_kb("testdocs")
    build_docs(docs, _write(tmp_path / "docs", "storage.md", STORAGE))
    assert {s.name: s.count for s in list_knowledge_bases(kb_config)}.get("testdocs") == 2
    assert docs.drop() is True and docs.drop() is False
    assert "testdocs" not in {s.name for s in list_knowledge_bases(kb_config)}
