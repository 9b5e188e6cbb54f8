from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from assistants.chem.store import CompoundStore, index_is_current


def test_lookups_by_every_identifier(store: CompoundStore) -> None:
    ethanol = store.by_name("Ethanol")
    assert ethanol is not None and ethanol.cas == "64-17-5" and ethanol.formula == "C2H6O"
    assert store.by_name("  ETHANOL ") == ethanol
    assert store.by_cas("64-17-5") == ethanol
    assert store.by_cid(ethanol.cid) == ethanol
    assert store.by_inchikey("lfqscwflJHTTHZ-UHFFFAOYSA-N") == ethanol
    assert ethanol.inchi.startswith("InChI=1S/")
    assert "ethyl alcohol" in store.names_of(ethanol, limit=1000)
    assert store.by_name("no such compound xyz") is None


def test_lookup_is_fast(store: CompoundStore) -> None:
    store.by_name("acetone")
    started = time.perf_counter()
    for _ in range(200):
        store.by_name("acetone")
    assert (time.perf_counter() - started) / 200 < 0.002


def test_measured_and_estimated_properties_are_labelled(store: CompoundStore) -> None:
    ethanol = store.by_name("ethanol")
    assert ethanol is not None
    props = {p.key: p for p in store.properties(ethanol)}
    boiling = props["boiling_point"]
    assert boiling.unit == "K" and boiling.kind == "measured"
    assert abs(boiling.value - 351.4) < 1.0
    kinds = {p.kind for c in store.by_formula("C10H22O", limit=5) for p in store.properties(c)}
    assert kinds <= {"measured", "estimated"}


def test_whole_store_iteration_pages_and_matches_the_lookups(store: CompoundStore) -> None:
    from itertools import islice

    entries = list(islice(store.iter_entries(page=7), 40))
    assert [e.compound for e in entries] == list(islice(store.iter_compounds(page=1000), 40))
    assert len({e.compound.id for e in entries}) == 40
    for entry in entries:
        assert entry.names == store.names_of(entry.compound)
        assert entry.properties == store.properties(entry.compound)
    assert any(entry.properties for entry in entries)


def test_names_hang_on_the_row_not_on_ids_rows_may_share(store: CompoundStore) -> None:
    """Some records have neither a PubChem CID (-1) nor an InChIKey; each still gets its own names."""
    anonymous = [c for c in store.iter_compounds() if c.cid == -1 and not c.inchikey][:2]
    assert len(anonymous) == 2
    assert store.names_of(anonymous[0]) != store.names_of(anonymous[1])


def test_suggestions_for_near_misses(store: CompoundStore) -> None:
    assert "aspirin" in store.suggest("asprine")
    assert "caffeine" in store.suggest("cafeine")
    assert store.suggest("") == []


def test_known_names_marks_main_names(store: CompoundStore) -> None:
    known = store.known_names(["Ethanol", "ethyl alcohol", "stop and go nonsense"])
    assert known["ethanol"] is True
    assert known["ethyl alcohol"] is False
    assert "stop and go nonsense" not in known


def test_stale_index_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("INSERT INTO meta VALUES ('chemicals', '0.0.1')")
    assert not index_is_current(path)
    assert not index_is_current(tmp_path / "missing.sqlite")


def test_the_shared_index_is_current(store: CompoundStore) -> None:
    assert index_is_current(store.path)
    assert len(store) > 70_000
