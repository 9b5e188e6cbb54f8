"""Atomic writes: the old file or the new one, never half of one, and no temporary file left behind."""

from __future__ import annotations

import gzip
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from stages.atomic import atomic_path, write_bytes, write_lines, write_text


def _only(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_writes_create_folders_and_replace_whole_files(tmp_path: Path) -> None:
    target = tmp_path / "new" / "sub" / "a.json"
    assert write_text(target, "é first") == target
    assert target.read_text(encoding="utf-8") == "é first"
    write_bytes(target, b"\x00second")
    assert target.read_bytes() == b"\x00second"
    assert write_lines(target, iter(["x", "y"])) == 2
    assert target.read_text(encoding="utf-8") == "x\ny\n"
    assert _only(target.parent) == ["a.json"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_failure_mid_write_keeps_the_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "data.jsonl"
    write_text(target, "old\n")

    def lines() -> Iterator[str]:
        yield "new 1"
        raise RuntimeError("the source broke")

    with pytest.raises(RuntimeError, match="the source broke"):
        write_lines(target, lines())
    assert target.read_text(encoding="utf-8") == "old\n"
    assert _only(tmp_path) == ["data.jsonl"]


def test_path_writers_get_a_hidden_temp_beside_the_target(tmp_path: Path) -> None:
    target = tmp_path / "table.csv.gz"
    with atomic_path(target) as temp:
        assert temp.parent == tmp_path and temp.name.startswith(".table.csv.gz.") and temp.suffix == ".tmp"
        with gzip.open(temp, "wt", encoding="utf-8") as handle:
            handle.write("a,b\n")
        assert not target.exists()
    assert gzip.open(target, "rt", encoding="utf-8").read() == "a,b\n"
    assert _only(tmp_path) == ["table.csv.gz"]
    with pytest.raises(OSError), atomic_path(target) as temp:
        temp.write_text("half")
        raise OSError("disk full")
    assert gzip.open(target, "rt", encoding="utf-8").read() == "a,b\n"
    assert _only(tmp_path) == ["table.csv.gz"]


def test_concurrent_writers_never_share_a_temp_file(tmp_path: Path) -> None:
    """Each writer holds its temp file open across a barrier, so all are writing at once; every
    temp name differs and the target ends as one writer's whole text."""
    target = tmp_path / "shared.txt"
    writers = 8
    barrier = threading.Barrier(writers)
    temps: list[Path] = []
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            with atomic_path(target) as temp, temp.open("w", encoding="utf-8") as handle:
                temps.append(temp)
                handle.write(f"writer {n} " * 1000)
                barrier.wait(timeout=10)
                handle.write("end")
        except BaseException as exc:  # noqa: BLE001 - re-raised below in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(temps)) == writers
    text = target.read_text(encoding="utf-8")
    assert text in {f"writer {n} " * 1000 + "end" for n in range(writers)}
    assert _only(tmp_path) == ["shared.txt"]
