"""The shown name of every compound in the store, decided once and shipped.

Naming a structure and reading the name back costs ~15 ms; a dataset build over the whole store
would pay it 76,000 times. The decision (`naming.checked_name` with the store's name) is
deterministic for a given namer, OPSIN and store, so it is made once by `python -m
assistants.chem.name_table` and shipped as `data/shown_names.tsv.gz`: InChIKey → the name that
reads back, or empty when none does. A structure the table lacks (a newer store, a structure outside
it) is decided at run time by the same function.
"""

from __future__ import annotations

import gzip
import sys
import time
from functools import lru_cache
from pathlib import Path

from assistants.chem.naming import checked_name
from stages.atomic import atomic_path

TABLE = Path(__file__).parent / "data" / "shown_names.tsv.gz"
HEADER = "inchikey\tshown_name"


@lru_cache(maxsize=1)
def shown_names() -> dict[str, str]:
    """InChIKey → shown name ("" when no name reads back); empty when the table is not shipped."""
    try:
        with gzip.open(TABLE, "rt", encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return {}
    return dict(line.split("\t", 1) for line in lines[1:] if "\t" in line)


def build(out: Path = TABLE) -> int:
    """Decide every store compound's shown name and write the table (write, then rename)."""
    from assistants.chem.molecule import InvalidSmiles, inchi_key
    from assistants.chem.store import get_store

    rows: dict[str, str] = {}
    started = time.perf_counter()
    for count, compound in enumerate(get_store().iter_compounds(), 1):
        try:
            key = inchi_key(compound.smiles)
        except InvalidSmiles:
            continue
        decided = checked_name(compound.smiles, compound.iupac_name or None)
        rows[key] = decided.name or ""
        if count % 5000 == 0:
            print(f"{count} compounds, {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    with atomic_path(out) as temp, gzip.open(temp, "wt", encoding="utf-8") as handle:
        handle.write("\n".join([HEADER, *(f"{k}\t{v}" for k, v in sorted(rows.items()))]) + "\n")
    return len(rows)


if __name__ == "__main__":
    print(f"{build()} compounds written to {TABLE}")
