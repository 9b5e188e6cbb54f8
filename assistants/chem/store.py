"""The compound store: the `chemicals` package's PubChem-derived records behind a SQLite index.

Loading the package's tables takes seconds and ~240 MB, so the records are written once into an
indexed SQLite file in the cache dir (built atomically, rebuilt when the package version
changes); afterwards a lookup is a fraction of a millisecond and opening the store is instant.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Literal, NamedTuple

from pydantic import BaseModel, Field

from assistants.chem.split import heldout as heldout  # re-exported: builders split by the store's keys
from stages.atomic import atomic_path
from stages.config import get_settings

SCHEMA_VERSION = 3
Progress = Callable[[str], None]


class Compound(BaseModel):
    id: int = Field(description="the row in this store's index: what its names and properties hang on")
    cid: int | None
    cas: str
    formula: str
    mw: float
    smiles: str
    inchi: str
    inchikey: str
    iupac_name: str
    common_name: str


TEMPERATURE_KEYS = ("boiling_point", "melting_point", "critical_temperature")  # properties the store gives in K


class MeasuredProperty(BaseModel):
    """One property value with its unit and where it came from."""

    key: str
    label: str
    value: float
    unit: str
    method: str
    kind: Literal["measured", "estimated"]


class _PropertySpec(BaseModel):
    key: str
    label: str
    unit: str
    module: str
    function: str
    sources: str = ""  # "module.attribute" of the package's per-method source tables


PROPERTY_SPECS: tuple[_PropertySpec, ...] = (
    _PropertySpec(key="boiling_point", label="Normal boiling point", unit="K", module="phase_change", function="Tb", sources="phase_change.Tb_sources"),
    _PropertySpec(key="melting_point", label="Melting point", unit="K", module="phase_change", function="Tm", sources="phase_change.Tm_sources"),
    _PropertySpec(key="critical_temperature", label="Critical temperature", unit="K", module="critical", function="Tc", sources="critical.Tc_sources"),
    _PropertySpec(key="critical_pressure", label="Critical pressure", unit="Pa", module="critical", function="Pc", sources="critical.Pc_sources"),
    _PropertySpec(key="critical_volume", label="Critical volume", unit="m^3/mol", module="critical", function="Vc", sources="critical.Vc_sources"),
    _PropertySpec(key="acentric_factor", label="Acentric factor", unit="", module="acentric", function="omega", sources="critical.omega_sources"),
)
# Source methods whose values are estimates (group contribution, correlations), or compilations that
# mix estimates with measurements without saying which (YAWS, PSRK): labelled "estimated" to be safe.
ESTIMATED_METHODS = frozenset({"JOBACK", "WILSON_JASPERSON", "FEDORS", "YAWS", "PSRK", "ACENTRIC_DEFINITION"})

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE compounds (
    id INTEGER PRIMARY KEY, cid INTEGER, cas TEXT, formula TEXT, mw REAL, smiles TEXT,
    inchi TEXT, inchikey TEXT, skeleton TEXT, iupac_name TEXT, common_name TEXT);
CREATE TABLE names (name TEXT PRIMARY KEY, id INTEGER NOT NULL, main INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE properties (id INTEGER, key TEXT, value REAL, unit TEXT, method TEXT, kind TEXT);
"""
_INDEXES = """
CREATE INDEX compounds_inchikey ON compounds (inchikey);
CREATE INDEX compounds_skeleton ON compounds (skeleton);
CREATE INDEX compounds_cas ON compounds (cas);
CREATE INDEX compounds_cid ON compounds (cid);
CREATE INDEX compounds_formula ON compounds (formula);
CREATE INDEX names_id ON names (id);
CREATE INDEX properties_id ON properties (id);
"""
_COLUMNS = "id, cid, cas, formula, mw, smiles, inchi, inchikey, iupac_name, common_name"
_FIELDS = _COLUMNS.split(", ")
_LABELS = {spec.key: spec.label for spec in PROPERTY_SPECS}
NAMES_PER_COMPOUND = 50  # a few compounds have hundreds of synonyms; lookups by name still see them all


def _compound(row: tuple[object, ...]) -> Compound:
    return Compound(**dict(zip(_FIELDS, row, strict=True)))


def _measured(key: str, value: float, unit: str, method: str, kind: str) -> MeasuredProperty:
    return MeasuredProperty(key=key, label=_LABELS[key], value=value, unit=unit, method=method, kind=kind)  # type: ignore[arg-type]


class StoreEntry(NamedTuple):
    """A compound with its names and properties, as the whole-store iteration yields them."""

    compound: Compound
    names: list[str]
    properties: list[MeasuredProperty]


def package_version() -> str:
    from importlib.metadata import version

    return version("chemicals")


def default_index_path(cache_dir: Path | None = None) -> Path:
    base = cache_dir if cache_dir is not None else get_settings().cache_dir
    return base / "chem" / f"compounds-v{SCHEMA_VERSION}.sqlite"


def _index_version(path: Path) -> str | None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'chemicals'").fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def index_is_current(path: Path) -> bool:
    return path.is_file() and _index_version(path) == package_version()


def _records() -> Iterator[tuple[object, list[str]]]:
    """Each package record once, with the lower-cased names the package resolves to it."""
    from chemicals import identifiers

    db = identifiers.get_pubchem_db()
    db.finish_loading()
    names: dict[int, list[str]] = {}
    seen: set[str] = set()
    for name, record in db.name_index.items():
        lowered = name.lower()
        if lowered in seen or db.name_index.get(lowered, record) is not record:
            continue
        seen.add(lowered)
        names.setdefault(id(record), []).append(lowered)
    unique = {id(record): record for record in db.CAS_index.values()}
    unique.update({id(record): record for record in db.pubchem_index.values()})
    for key, record in unique.items():
        yield record, names.get(key, [])


def _property_rows(cas_to_id: dict[str, int], progress: Progress) -> Iterator[tuple[object, ...]]:
    import importlib

    for spec in PROPERTY_SPECS:
        progress(f"properties: {spec.label}")
        module = importlib.import_module(f"chemicals.{spec.module}")
        value_of = getattr(module, spec.function)
        methods_of = getattr(module, f"{spec.function}_methods")
        methods_of("64-17-5")  # loads the module's source tables
        source_module, source_name = spec.sources.split(".")
        candidates: set[str] = set()
        for frame in getattr(importlib.import_module(f"chemicals.{source_module}"), source_name).values():
            candidates.update(str(cas) for cas in frame.index)
        for cas in sorted(candidates & cas_to_id.keys()):
            methods = methods_of(cas)
            measured = [m for m in methods if m not in ESTIMATED_METHODS]
            method = (measured or methods or [None])[0]
            if method is None:
                continue
            value = value_of(cas, method=method)
            if value is None or value != value:
                continue
            kind = "estimated" if method in ESTIMATED_METHODS else "measured"
            yield (cas_to_id[cas], spec.key, float(value), spec.unit, method, kind)


def _full_inchi(text: str) -> str:
    """The package stores InChIs without their `InChI=1S/` prefix."""
    return text if not text or text.startswith("InChI=") else f"InChI=1S/{text}"


def build_store_index(cache_dir: Path, progress: Progress | None = None) -> Path:
    """Write the SQLite index of the `chemicals` records under `cache_dir/chem`; returns its path.

    Built into a temporary file and renamed into place, so readers never see a half-built index.
    """
    from chemicals.identifiers import int_to_CAS

    say = progress or (lambda _message: None)
    path = default_index_path(cache_dir)
    say("loading the chemicals package records")
    with atomic_path(path) as temp:
        conn = sqlite3.connect(temp)
        try:
            conn.executescript(_SCHEMA)
            cas_to_id: dict[str, int] = {}
            compounds, names = [], []
            for row_id, (record, record_names) in enumerate(_records(), start=1):
                cas = int_to_CAS(record.CAS)
                cas_to_id.setdefault(cas, row_id)
                key = record.InChI_key or ""
                compounds.append(
                    (row_id, record.pubchemid, cas, record.formula, record.MW, record.smiles,
                     _full_inchi(record.InChI), key, key[:14], record.iupac_name or "", record.common_name or "")
                )
                main = {(record.iupac_name or "").lower(), (record.common_name or "").lower()}
                names.extend((name, row_id, int(name in main)) for name in record_names)
            say(f"writing {len(compounds):,} compounds and {len(names):,} names")
            conn.executemany("INSERT INTO compounds VALUES (?,?,?,?,?,?,?,?,?,?,?)", compounds)
            conn.executemany("INSERT OR IGNORE INTO names VALUES (?,?,?)", names)
            conn.executemany("INSERT INTO properties VALUES (?,?,?,?,?,?)", _property_rows(cas_to_id, say))
            conn.executescript(_INDEXES)
            conn.executemany(
                "INSERT INTO meta VALUES (?,?)",
                [("chemicals", package_version()), ("schema", str(SCHEMA_VERSION)),
                 ("compounds", str(len(compounds)))],
            )
            conn.commit()
        finally:
            conn.close()
    for old in path.parent.glob("compounds-v*.sqlite"):
        if old != path:
            old.unlink(missing_ok=True)
    say(f"index written: {path}")
    return path


def _build_once(path: Path) -> None:
    """Build under a file lock so concurrent processes wait for one build instead of each running one."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not index_is_current(path):
                build_store_index(path.parent.parent)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class CompoundStore:
    """Read-only lookups over the index; builds it on first use when it is missing or stale."""

    def __init__(self, path: Path | None = None, cache_dir: Path | None = None) -> None:
        self.path = path or default_index_path(cache_dir)
        if not index_is_current(self.path):
            _build_once(self.path)
        self._conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._names_by_length: dict[int, list[str]] | None = None

    def _query(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            return self._conn.execute(sql, args).fetchall()

    def _compounds(self, where: str, args: tuple[object, ...], limit: int = 1) -> list[Compound]:
        rows = self._query(f"SELECT {_COLUMNS} FROM compounds WHERE {where} ORDER BY id LIMIT {int(limit)}", args)
        return [_compound(row) for row in rows]

    def _one(self, where: str, args: tuple[object, ...]) -> Compound | None:
        found = self._compounds(where, args)
        return found[0] if found else None

    def __len__(self) -> int:
        return int(self._query("SELECT COUNT(*) FROM compounds")[0][0])

    def by_name(self, name: str) -> Compound | None:
        """Any name or synonym the package knows, case-insensitively."""
        key = " ".join(name.split()).lower()
        return self._one("id = (SELECT id FROM names WHERE name = ?)", (key,)) if key else None

    def known_names(self, names: Iterable[str]) -> dict[str, bool]:
        """Which of `names` the store knows (lower-cased), each with whether it is the compound's
        IUPAC or common name rather than one of its many synonyms; a few batched queries."""
        keys = sorted({" ".join(n.split()).lower() for n in names} - {""})
        known: dict[str, bool] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._query(f"SELECT name, main FROM names WHERE name IN ({marks})", tuple(chunk))
            known.update((str(name), bool(main)) for name, main in rows)
        return known

    def by_inchikey(self, inchikey: str) -> Compound | None:
        return self._one("inchikey = ?", (inchikey.strip().upper(),))

    def by_skeleton(self, inchikey: str, limit: int = 5) -> list[Compound]:
        """Compounds sharing the connectivity block of an InChIKey (stereo and charge may differ)."""
        return self._compounds("skeleton = ?", (inchikey.strip().upper()[:14],), limit)

    def by_cas(self, cas: str) -> Compound | None:
        return self._one("cas = ?", (cas.strip(),))

    def by_cid(self, cid: int) -> Compound | None:
        return self._one("cid = ?", (int(cid),))

    def by_formula(self, formula: str, limit: int = 5) -> list[Compound]:
        return self._compounds("formula = ?", (formula.strip(),), limit)

    def names_of(self, compound: Compound, limit: int = NAMES_PER_COMPOUND) -> list[str]:
        rows = self._query(
            "SELECT name FROM names WHERE id = ? ORDER BY name LIMIT ?", (compound.id, limit)
        )
        return [str(row[0]) for row in rows]

    def properties(self, compound: Compound) -> list[MeasuredProperty]:
        rows = self._query(
            "SELECT key, value, unit, method, kind FROM properties WHERE id = ? ORDER BY rowid", (compound.id,)
        )
        return [_measured(*row) for row in rows]

    def _pages(self, page: int) -> Iterator[list[Compound]]:
        """Compounds in id order, `page` rows per query: constant memory over the whole store."""
        last = 0
        while chunk := self._compounds("id > ?", (last,), page):
            yield chunk
            last = chunk[-1].id

    def iter_compounds(self, page: int = 1000) -> Iterator[Compound]:
        for chunk in self._pages(page):
            yield from chunk

    def iter_entries(self, page: int = 1000, names_limit: int = NAMES_PER_COMPOUND) -> Iterator[StoreEntry]:
        """Every compound with its names and properties (as `names_of` and `properties` give them),
        three queries per page instead of two per compound."""
        for chunk in self._pages(page):
            span = (chunk[0].id, chunk[-1].id)
            names: dict[int, list[str]] = {}
            for key, name in self._query("SELECT id, name FROM names WHERE id BETWEEN ? AND ? ORDER BY id, name", span):
                names.setdefault(int(key), []).append(str(name))
            properties: dict[int, list[MeasuredProperty]] = {}
            for key, *row in self._query(
                "SELECT id, key, value, unit, method, kind FROM properties WHERE id BETWEEN ? AND ? ORDER BY id, rowid",
                span,
            ):
                properties.setdefault(int(key), []).append(_measured(*row))
            for compound in chunk:
                yield StoreEntry(compound, names.get(compound.id, [])[:names_limit], properties.get(compound.id, []))

    def suggest(self, name: str, limit: int = 5) -> list[str]:
        """Known names close to a near-miss (edit-distance ratio), only among names of similar length."""
        from rapidfuzz import fuzz, process

        key = " ".join(name.split()).lower()
        if not key:
            return []
        if self._names_by_length is None:
            grouped: dict[int, list[str]] = {}
            for (known,) in self._query("SELECT name FROM names"):
                grouped.setdefault(len(str(known)), []).append(str(known))
            self._names_by_length = grouped
        spread = max(2, len(key) // 5)
        pool = [n for size in range(len(key) - spread, len(key) + spread + 1) for n in self._names_by_length.get(size, [])]
        matches = process.extract(key, pool, scorer=fuzz.ratio, limit=limit, score_cutoff=80)
        return [match for match, _score, _index in matches if match != key]


@lru_cache(maxsize=1)
def get_store() -> CompoundStore:
    """The process-wide store in the configured cache dir."""
    return CompoundStore()
