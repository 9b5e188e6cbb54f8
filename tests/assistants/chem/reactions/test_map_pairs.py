"""Merging rxnmapper part files into the shipped mapped file (mapping itself needs rxnmapper's own
environment and is not run here)."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from assistants.chem.reactions import map_pairs

ROW = "[CH3:1][C:2](=[O:3])Cl.[CH3:4][NH2:5]>>[CH3:1][C:2](=[O:3])[NH:5][CH3:4]"


def _write(path: Path, ids: list[int]) -> None:
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(map_pairs.HEADER)
        writer.writerows((f"uspto50k-train-{i}", "2", ROW, "0.9") for i in ids)


def _ids(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return [row["id"] for row in csv.DictReader(handle)]


def test_parts_are_added_once_each_in_split_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped, part_a, part_b = tmp_path / "mapped.csv.gz", tmp_path / "a.csv.gz", tmp_path / "b.csv.gz"
    _write(shipped, [0, 1, 2])
    _write(part_a, [20, 10])
    _write(part_b, [2, 3])
    monkeypatch.setattr(map_pairs, "MAPPED", shipped)
    assert map_pairs.merge([part_a, part_b]) == 6
    assert _ids(shipped) == [f"uspto50k-train-{i}" for i in (0, 1, 2, 3, 10, 20)]
    assert not list(tmp_path.glob(".*.tmp"))
