"""The knowledge bases tristage ships, which assistant reads which, and how each is built."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from assistants.knowledge.chroma import BuildReport, KnowledgeBase, KnowledgeConfig, MultiRetriever, Progress
from stages.retrieval import Passage

KbName = Literal["chem", "breakout", "docs"]
KB_NAMES: tuple[KbName, ...] = ("chem", "breakout", "docs")
DESCRIPTIONS: dict[KbName, str] = {
    "chem": "compound records of the store: names, synonyms, identifiers, measured properties",
    "breakout": "past breakout events with their features and outcomes",
    "docs": "user documents (text, markdown, PDF text), read by the chem assistant",
}
# Compounds `kb build chem` indexes unless told `--all`: embedding is what a build costs, and on a
# 2-core CPU all-MiniLM-L6-v2 reads a few dozen records a second at best, so the whole store
# (~76k records) takes most of an hour there, while this sample is minutes.
CHEM_SAMPLE = 10_000
# Which knowledge bases each assistant's reason stage searches.
READS: dict[str, tuple[KbName, ...]] = {"chem": ("chem", "docs"), "breakout": ("breakout",)}


def retriever_for(assistant: str, config: KnowledgeConfig | None = None) -> MultiRetriever:
    """The retriever an assistant's reason stage calls; nothing connects until it retrieves."""
    config = config or KnowledgeConfig.from_settings()
    return MultiRetriever([KnowledgeBase(name, config) for name in READS[assistant]])


def build_chem(base: KnowledgeBase, limit: int | None = None, seed: int = 0,
               progress: Progress | None = None, total: Callable[[int], None] | None = None) -> BuildReport:
    """Index the compound store (all of it, or a seeded `limit` of it)."""
    from assistants.chem.store import get_store
    from assistants.knowledge.chem import chosen_compounds, compound_passages

    store = get_store()
    compounds = chosen_compounds(store, limit, seed)
    if total:
        total(len(compounds))
    return base.build(compound_passages(store, compounds), progress=progress)


def build_breakout(base: KnowledgeBase, progress: Progress | None = None,
                   total: Callable[[int], None] | None = None) -> BuildReport:
    """Index the case library of the bundled real OHLCV samples."""
    from assistants.knowledge.cases import case_passages

    passages = case_passages()
    if total:
        total(len(passages))
    return base.build(passages, progress=progress)


def build_docs(base: KnowledgeBase, path: Path, progress: Progress | None = None,
               total: Callable[[int], None] | None = None) -> list[BuildReport]:
    """Add (or refresh) the documents at `path`, a file or a folder; other documents stay."""
    from assistants.knowledge.documents import document_files, document_passages

    per_file: list[tuple[Path, list[Passage]]] = [(f, document_passages(f)) for f in document_files(path)]
    if total:
        total(sum(len(passages) for _, passages in per_file))
    return [base.build(passages, scope={"source": str(f.resolve())}, progress=progress) for f, passages in per_file]
