"""User documents cut into passages: chunk sizes, headings, stable ids, clear errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from assistants.knowledge.documents import (
    CHUNK_CHARS,
    chunk_text,
    document_files,
    document_key,
    document_passages,
    read_text,
)
from stages.stage import BadInput

NOTES = """# Solvents

Ethanol is a common solvent. It boils at 78 C.

Acetone dissolves many plastics.

## Safety

Keep solvents away from flames.
"""


def test_paragraphs_are_packed_under_their_heading() -> None:
    assert chunk_text(NOTES) == [
        "Solvents\nEthanol is a common solvent. It boils at 78 C. Acetone dissolves many plastics.",
        "Safety\nKeep solvents away from flames.",
    ]


def test_chunks_stay_under_the_limit_and_cut_at_sentence_ends() -> None:
    sentence = "Benzene is an aromatic hydrocarbon with six carbon atoms in a ring."
    text = "\n\n".join(" ".join([sentence] * 5) for _ in range(8))
    chunks = chunk_text(text, limit=300)
    assert len(chunks) > 4 and all(len(c) <= 300 for c in chunks)
    assert all(c.endswith(".") for c in chunks)
    assert " ".join(chunks).split() == text.split()  # nothing lost, nothing repeated


def test_a_sentence_longer_than_a_chunk_is_cut_hard() -> None:
    chunks = chunk_text("x" * 2000, limit=CHUNK_CHARS)
    assert [len(c) for c in chunks] == [800, 800, 400]


def test_heading_only_and_blank_text_give_no_chunks() -> None:
    assert chunk_text("# Title\n\n   \n\n## Empty") == []


def test_ids_are_stable_per_file_and_differ_between_files(tmp_path: Path) -> None:
    first = tmp_path / "a" / "notes.md"
    second = tmp_path / "b" / "notes.md"
    for path in (first, second):
        path.parent.mkdir()
        path.write_text(NOTES)
    passages = document_passages(first)
    assert [p.id for p in passages] == [f"doc:{document_key(first)}:0", f"doc:{document_key(first)}:1"]
    assert [p.id for p in document_passages(first)] == [p.id for p in passages]
    assert document_key(first) != document_key(second) and document_key(first).startswith("notes-")
    assert passages[0].source == str(first.resolve()) and passages[0].metadata == {"kind": "document", "chunk": 0, "file": "notes.md"}


def test_unsupported_and_undecodable_files_are_bad_input(tmp_path: Path) -> None:
    image = tmp_path / "x.png"
    image.write_bytes(b"\x89PNG")
    with pytest.raises(BadInput, match="unsupported file type .png"):
        read_text(image)
    latin = tmp_path / "x.txt"
    latin.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(BadInput, match="not UTF-8"):
        read_text(latin)


def test_pdf_without_a_reader_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pypdf", None)  # `import pypdf` fails here even where it is installed
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    with pytest.raises(BadInput, match="pypdf"):
        read_text(pdf)


def test_folders_give_their_supported_files_sorted(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for name in ("b.md", "a.txt", "sub/c.markdown", "skip.csv"):
        (tmp_path / name).write_text("text")
    assert [p.relative_to(tmp_path).as_posix() for p in document_files(tmp_path)] == ["a.txt", "b.md", "sub/c.markdown"]
    with pytest.raises(BadInput, match="no text, markdown or PDF"):
        document_files(_empty(tmp_path))
    with pytest.raises(BadInput, match="no such file"):
        document_files(tmp_path / "missing")


def _empty(root: Path) -> Path:
    folder = root / "empty"
    folder.mkdir()
    return folder
