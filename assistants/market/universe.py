"""Many tickers' bars from one long table (a ticker column), a folder of per-ticker files, or parquet.

A screen must not stop at the first bad ticker: each ticker is validated on its own
(`normalize_ohlcv`), and what cannot be used is skipped with a one-line reason naming the ticker
or the file row, while the rest is scored. Only a file that cannot hold tickers at all (too
large, unreadable, several tickers without a ticker column) stops the whole load.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from assistants.market.breakouts import ScanConfig
from assistants.market.ohlcv import PRICE_COLUMNS, column_key, normalize_ohlcv
from stages.stage import BadInput

MAX_MB = 1024
TICKER_COLUMNS = ("ticker", "symbol", "name", "code")
_SUFFIXES = (".csv", ".parquet", ".pq", ".gz")


class Universe(BaseModel):
    """Validated bars per ticker, and every skip with its reason."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    frames: dict[str, pd.DataFrame] = Field(default_factory=dict)
    skipped: list[str] = Field(default_factory=list, description="one line per skipped ticker or file")
    dropped_rows: list[str] = Field(default_factory=list, description="rows dropped for unreadable prices")

    @property
    def bars(self) -> int:
        return sum(len(f) for f in self.frames.values())


def load_universe(path: str | Path, config: ScanConfig | None = None, max_mb: float = MAX_MB) -> Universe:
    """Bars of every ticker under `path`; BadInput only when nothing at all can be read."""
    path = Path(path)
    config = config or ScanConfig()
    universe = Universe()
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.name.lower().endswith(_SUFFIXES))
        if not files:
            raise BadInput(f"{path.name}/ holds no .csv or .parquet files.")
        for file in files:
            try:
                _add_file(universe, file, config, max_mb)
            except BadInput as exc:
                universe.skipped.append(str(exc))
    elif path.is_file():
        _add_file(universe, path, config, max_mb)
    else:
        raise BadInput(f"No such data file or folder: {path.name}")
    if not universe.frames:
        reasons = "; ".join(universe.skipped[:3])
        raise BadInput(f"No ticker in {path.name} could be scored: {reasons}")
    return universe


def read_table(path: Path, max_mb: float = MAX_MB) -> pd.DataFrame:
    """A CSV (optionally gzipped) or parquet file as read, every column as text for CSV."""
    size_mb = path.stat().st_size / 2**20
    if size_mb > max_mb:
        raise BadInput(f"{path.name} is {size_mb:,.0f} MB, over the {max_mb:,.0f} MB limit: split it into one "
                       "file per ticker in a folder, or raise the limit.")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            table = pd.read_parquet(path)
            return table if isinstance(table.index, pd.RangeIndex) else table.reset_index()
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError, ImportError, UnicodeDecodeError) as exc:
        raise BadInput(f"Cannot read {path.name}: {' '.join(str(exc).split())[:200]}") from exc


def universe_from_table(table: pd.DataFrame, name: str, config: ScanConfig | None = None) -> Universe:
    """The tickers of one table already read (an attached text, a parquet frame)."""
    universe = Universe()
    _add_table(universe, table, name, config or ScanConfig())
    if not universe.frames:
        raise BadInput(f"No ticker in {name} could be scored: {'; '.join(universe.skipped[:3])}")
    return universe


def has_ticker_column(header: list[str]) -> bool:
    return any(column_key(c) in TICKER_COLUMNS for c in header)


def _add_file(universe: Universe, path: Path, config: ScanConfig, max_mb: float) -> None:
    _add_table(universe, read_table(path, max_mb), path.name, config)


def _add_table(universe: Universe, table: pd.DataFrame, file_name: str, config: ScanConfig) -> None:
    table.columns = [column_key(c) for c in table.columns]
    table = table.loc[:, ~table.columns.duplicated()]
    _drop_unreadable(universe, table, file_name)
    ticker = next((c for c in TICKER_COLUMNS if c in table.columns), None)
    if ticker is None:
        _refuse_repeated_dates(table, file_name)
        _add_ticker(universe, file_name.split(".")[0], table, config)
        return
    names = table[ticker].astype(str).str.strip()
    blank = int((names == "").sum())
    if blank:
        universe.skipped.append(f"{file_name}: {blank} rows without a ticker (first: row {_row(names.eq('').idxmax())})")
    for name, group in table[names != ""].groupby(names[names != ""], sort=True):
        _add_ticker(universe, str(name), group.drop(columns=[ticker]), config)


def _row(index: object) -> int:
    """The file line of a table row (line 1 is the header)."""
    return int(index) + 2  # type: ignore[call-overload]


def _drop_unreadable(universe: Universe, table: pd.DataFrame, name: str) -> None:
    """Rows whose prices are written but are not numbers are dropped, each reported by its row."""
    bad = pd.Series(False, index=table.index)
    for column in (c for c in PRICE_COLUMNS if c in table.columns):
        text = table[column]
        if pd.api.types.is_numeric_dtype(text):
            continue
        parsed = pd.to_numeric(text, errors="coerce")
        unreadable = parsed.isna() & text.astype(str).str.strip().ne("")
        for index in unreadable[unreadable].index[: 5 - min(5, len(universe.dropped_rows))]:
            universe.dropped_rows.append(f"{name} row {_row(index)}: {column} {str(text[index])[:20]!r} is not a number")
        bad |= unreadable
        table[column] = parsed
    if bad.any():
        extra = int(bad.sum()) - min(int(bad.sum()), 5)
        if extra:
            universe.dropped_rows.append(f"{name}: {extra} more rows with non-numeric prices")
        table.drop(index=bad[bad].index, inplace=True)


def _refuse_repeated_dates(table: pd.DataFrame, name: str) -> None:
    date = next((c for c in ("date", "time", "timestamp", "datetime") if c in table.columns), None)
    if date is None:
        return
    repeated = table[date].duplicated(keep=False)
    if repeated.sum() > 1 and table[date].nunique() * 2 <= len(table):
        first = repeated[repeated].index[:2]
        raise BadInput(f"{name} has no ticker column but its dates repeat (row {_row(first[0])} and row "
                       f"{_row(first[1])} are both {table[date][first[0]]}): it looks like many tickers; "
                       "add a ticker column.")


def _add_ticker(universe: Universe, name: str, table: pd.DataFrame, config: ScanConfig) -> None:
    try:
        bars, _report = normalize_ohlcv(table.reset_index(drop=True), name)
    except BadInput as exc:
        universe.skipped.append(str(exc))
        return
    if len(bars) <= config.warmup:
        universe.skipped.append(f"{name}: {len(bars)} bars; a breakout needs more than {config.warmup}.")
        return
    universe.frames[name] = bars.astype(np.float64)
