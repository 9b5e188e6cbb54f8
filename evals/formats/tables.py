"""Rows of a published table (CSV, TSV, JSON, JSONL, gzipped or not), with a one-line error naming
what is missing.

Every loader states the columns it needs; a file without one of them is refused with the file
name, the missing column and the columns it does have, so a user knows at once whether they
pointed at the wrong file or at another version of the benchmark.
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path
from typing import Any

from evals.suite import SuiteError

TABLE_SUFFIXES = (".json", ".jsonl", ".csv", ".tsv", ".txt")


def suffix(path: Path) -> str:
    """The layout suffix of a file, looking through a .gz (`test.txt.gz` is a .txt)."""
    return Path(path.stem).suffix if path.suffix == ".gz" else path.suffix


def read_text(path: Path) -> str:
    """A file's text, gunzipped when it ends in .gz; SuiteError when it cannot be read."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8-sig") as handle:
                return handle.read()
        return path.read_text(encoding="utf-8-sig")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise SuiteError(f"cannot read {path}: {exc}") from exc


def _delimiter(path: Path, first_line: str) -> str:
    if suffix(path) == ".tsv" or (suffix(path) != ".csv" and "\t" in first_line):
        return "\t"
    return ","


def read_table(path: Path, header: list[str] | None = None) -> list[dict[str, Any]]:
    """Rows as dicts; `header` names the columns of a file published without a header row."""
    text = read_text(path)
    try:
        if suffix(path) == ".jsonl":
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        if suffix(path) == ".json":
            data = json.loads(text)
            rows = data if isinstance(data, list) else data.get("data", [])
            return [r for r in rows if isinstance(r, dict)]
    except json.JSONDecodeError as exc:
        raise SuiteError(f"{path.name} is not valid JSON: {exc}") from exc
    lines = text.splitlines()
    if not lines:
        return []
    try:
        reader = csv.DictReader(lines, fieldnames=header, delimiter=_delimiter(path, lines[0]))
        return [dict(row) for row in reader]
    except csv.Error as exc:
        raise SuiteError(f"{path.name} is not a readable table: {exc}") from exc


def require_columns(path: Path, rows: list[dict[str, Any]], columns: list[str], layout: str) -> None:
    """SuiteError naming the first column of `columns` the rows lack."""
    if not rows:
        raise SuiteError(f"{path.name} has no rows")
    have = [str(k) for k in rows[0] if k is not None]
    for column in columns:
        if column not in have:
            raise SuiteError(f"{path.name}: missing column {column!r} for the {layout} layout "
                             f"(found: {', '.join(have[:12]) or 'none'})")


def table_files(path: Path, suffixes: tuple[str, ...] = TABLE_SUFFIXES) -> list[Path]:
    """A file, or the table files of a folder (sorted), or SuiteError when there are none."""
    path = path.expanduser()
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise SuiteError(f"no file or folder at {path}")
    files = sorted(p for p in path.iterdir() if p.is_file() and suffix(p) in suffixes)
    if not files:
        raise SuiteError(f"no {'/'.join(suffixes)} files in {path}")
    return files


def cell(row: dict[str, Any], column: str) -> str:
    value = row.get(column)
    return "" if value is None else str(value).strip()
