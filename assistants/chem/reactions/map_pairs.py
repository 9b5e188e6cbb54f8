"""Atom-map shipped USPTO-50K train pairs with rxnmapper, so that they give templates.

rxnmapper needs transformers < 5, which the project does not use, so this runs in its own
environment (`pip install torch==2.13.0 'transformers<5' rxnmapper==0.4.3`) and only writes data:

    python -m assistants.chem.reactions.map_pairs --start 1000 --stop 5000 --out part.csv.gz
    python -m assistants.chem.reactions.map_pairs --merge part.csv.gz [more parts]

The first form maps rows `start..stop` of `uspto50k_train_pairs.csv.gz` (batches of 16, rxnmapper's
bundled ALBERT model, `canonicalize_rxns=False`) into a part file; the second adds parts to
`uspto50k_train_mapped.csv.gz`, keeping each id once and the rows in train-split order. Both write a
temporary file and rename it.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import sys
from collections.abc import Iterator
from pathlib import Path

from assistants.chem.reactions.shipped import DATA_DIR
from stages.atomic import atomic_path

PAIRS = DATA_DIR / "uspto50k_train_pairs.csv.gz"
MAPPED = DATA_DIR / "uspto50k_train_mapped.csv.gz"
HEADER = ("id", "class", "reactants>reagents>production", "confidence")
BATCH = 16


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def write_csv_gz(path: Path, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """A gzipped CSV written to a temporary file and renamed into place."""
    with atomic_path(path) as temp, gzip.open(temp, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _order(row_id: str) -> int:
    return int(row_id.rsplit("-", 1)[1])


def map_rows(start: int, stop: int, out: Path) -> int:
    """Map train pairs `start..stop` into `out`; a batch rxnmapper cannot map is tried row by row."""
    from rxnmapper import RXNMapper

    mapper = RXNMapper()
    pairs = [row for row in _rows(PAIRS) if start <= _order(row["id"]) < stop]
    mapped: list[tuple[str, ...]] = []

    def one(batch: list[dict[str, str]]) -> list[dict[str, object] | None]:
        try:
            return list(mapper.get_attention_guided_atom_maps([f"{r['reactants']}>>{r['product']}" for r in batch],
                                                               canonicalize_rxns=False))
        except (ValueError, RuntimeError, IndexError, KeyError):
            if len(batch) == 1:
                return [None]
            return [found for row in batch for found in one([row])]

    for begin in range(0, len(pairs), BATCH):
        batch = pairs[begin:begin + BATCH]
        for row, found in zip(batch, one(batch), strict=True):
            if found is not None:
                mapped.append((row["id"], row["class"], str(found["mapped_rxn"]), f"{float(found['confidence']):.4f}"))
        print(f"mapped {min(begin + BATCH, len(pairs)):,}/{len(pairs):,}", file=sys.stderr, flush=True)
    write_csv_gz(out, HEADER, mapped)
    return len(mapped)


def merge(parts: list[Path]) -> int:
    """Add part files to the shipped mapped file, each id once, in train-split order."""
    by_id = {row["id"]: tuple(row[h] for h in HEADER) for path in (MAPPED, *parts) for row in _rows(path)}
    write_csv_gz(MAPPED, HEADER, [by_id[key] for key in sorted(by_id, key=_order)])
    return len(by_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--stop", type=int, default=0)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--merge", type=Path, nargs="+")
    args = parser.parse_args()
    if args.merge:
        print(f"{merge(args.merge):,} mapped rows in {MAPPED.name}")
    elif args.out is not None and args.stop > args.start:
        print(f"{map_rows(args.start, args.stop, args.out):,} rows mapped into {args.out}")
    else:
        parser.error("give --start/--stop/--out to map, or --merge PART...")


if __name__ == "__main__":
    main()
