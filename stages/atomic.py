"""Files written whole or not at all: a temporary file beside the target, then a rename.

A reader sees the old file or the new one, never half of one. Each write gets its own temporary
name from `mkstemp`, so concurrent writers of one target never write into each other's file (the
last rename wins, with a whole file); a failed write removes its temporary file and leaves the
target as it was. Temporary names are hidden and end in `.tmp` (`.NAME.RANDOM.tmp`), so globs
for the target's extension never pick one up.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

FILE_MODE = 0o644  # mkstemp makes a private file (0600); a written file reads like one open() makes


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A fresh temporary path in `path`'s folder, for writers that take a path (image savers, gzip,
    pandas, SQLite, torch); it replaces `path` only if the block finishes, and is removed otherwise.
    A writer that infers the format from the file name needs the format named (the name ends in .tmp)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    temp = Path(name)
    try:
        os.chmod(temp, FILE_MODE)
        yield temp
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def write_bytes(path: Path, data: bytes) -> Path:
    with atomic_path(path) as temp:
        temp.write_bytes(data)
    return Path(path)


def write_text(path: Path, text: str) -> Path:
    """`text` as UTF-8."""
    with atomic_path(path) as temp:
        temp.write_text(text, encoding="utf-8")
    return Path(path)


def write_lines(path: Path, lines: Iterable[str]) -> int:
    """Stream `lines` (UTF-8, each ended by a newline) without holding them all; returns the line count."""
    count = 0
    with atomic_path(path) as temp, temp.open("w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line + "\n")
            count += 1
    return count
