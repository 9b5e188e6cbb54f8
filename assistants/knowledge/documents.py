"""User documents (text, markdown, PDF text) cut into passages with stable ids.

A document is split on blank lines into paragraphs, and paragraphs are packed into chunks of
about `CHUNK_CHARS` characters (a longer paragraph is cut at sentence ends, or hard if it has
none); each chunk carries the nearest markdown heading above it, so a chunk read alone still
says what it is about. Ids derive from the file's resolved path and the chunk number, so adding
the same file again replaces its passages instead of duplicating them.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from stages.retrieval import Passage
from stages.stage import BadInput

CHUNK_CHARS = 800
MAX_FILE_BYTES = 20_000_000
TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".rst", ".text"})
PDF_SUFFIX = ".pdf"
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def read_text(path: Path) -> str:
    """The text of a text, markdown or PDF file; BadInput for anything else or unreadable."""
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES | {PDF_SUFFIX}:
        raise BadInput(f"{path.name}: unsupported file type {suffix or '(none)'}; use "
                       f"{', '.join(sorted(TEXT_SUFFIXES | {PDF_SUFFIX}))}")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise BadInput(f"{path.name}: larger than {MAX_FILE_BYTES // 1_000_000} MB")
    if suffix == PDF_SUFFIX:
        return _pdf_text(path)
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _pdf_text(path: Path) -> str:
    try:
        from pypdf import PdfReader
    except ImportError:
        raise BadInput(f"{path.name}: reading PDF needs the pypdf package (pip install pypdf), "
                       "or add the text extracted from it as a .txt file") from None
    return "\n\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def _pieces(paragraph: str, limit: int) -> list[str]:
    """A paragraph cut to at most `limit` characters per piece, at sentence ends where it can."""
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(paragraph):
        while len(sentence) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:limit])
            sentence = sentence[limit:]
        if current and len(current) + 1 + len(sentence) > limit:
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        pieces.append(current)
    return pieces


def chunk_text(text: str, limit: int = CHUNK_CHARS) -> list[str]:
    """Paragraphs packed into chunks of at most `limit` characters, each under its latest heading."""
    chunks: list[str] = []
    heading, body = "", ""

    def flush() -> None:
        nonlocal body
        if body:
            chunks.append(f"{heading}\n{body}" if heading else body)
            body = ""

    for block in re.split(r"\n\s*\n", text):
        paragraph = " ".join(block.split())
        if not paragraph:
            continue
        lines = block.strip().splitlines()
        match = _HEADING.match(lines[0].strip())
        if match:
            flush()
            heading = match.group(1)
            paragraph = " ".join(" ".join(lines[1:]).split())
            if not paragraph:
                continue
        room = limit - len(heading) - 1 if heading else limit
        for piece in _pieces(paragraph, max(room, limit // 2)):
            if body and len(body) + 1 + len(piece) > room:
                flush()
            body = f"{body} {piece}".strip()
    flush()
    return chunks


def document_key(path: Path) -> str:
    """A short, stable, id-safe key for a file: its name and a hash of its resolved path."""
    resolved = str(path.resolve())
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", path.stem).strip("-")[:40] or "doc"
    return f"{stem}-{hashlib.sha1(resolved.encode()).hexdigest()[:8]}"


def document_passages(path: Path) -> list[Passage]:
    """The passages of one file; its source is its resolved path."""
    source = str(path.resolve())
    key = document_key(path)
    chunks = chunk_text(read_text(path))
    return [
        Passage(id=f"doc:{key}:{n}", text=chunk, source=source, metadata={"kind": "document", "chunk": n, "file": path.name})
        for n, chunk in enumerate(chunks)
    ]


def document_files(path: Path) -> list[Path]:
    """`path` itself, or the supported files under a folder (sorted); BadInput when there are none."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise BadInput(f"no such file or folder: {path}")
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES | {PDF_SUFFIX})
    if not files:
        raise BadInput(f"{path}: no text, markdown or PDF files")
    return files
