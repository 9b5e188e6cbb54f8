"""Structure → name as a user reads it, and the names the store's compounds are shown with.

1. External structures the project never tuned on: the ChemLLMBench names development file (halved
   by a hash of the CID, both halves reported: nothing here is fitted, so neither half is "dev") and
   products of the held-out USPTO-15K reactions. Each is asked "What is the IUPAC name of <SMILES>?"
   through the chem pipeline (tools only: the template phrasing writes the names; `--model`: the
   configured model phrases, the default path). The reply's
   `Name:` line is right when OPSIN reads it back to the asked structure (same InChIKey, stereo
   included); `verified` wrong counts replies labelled verified whose name is not right; "no name"
   counts replies that say there is none. Which part named it: the store or the namer.
2. Store compounds (a seeded sample): the displayed name must read back to the compound's structure,
   and carry none of the "-anyl" substituent prefixes where a conventional one exists, lower-cased
   stereodescriptors or lower-case `n-` locants.
3. Naming + round trip per new structure (caches cleared), against RDKit's InChIKey of the same
   structure as the floor measured in the same run.

    python benchmarks/structure_names.py [--external 500] [--reactions 200] [--store 2000] [--seed 0] [--model]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parents[1]))

from assistants.chem.draft import parse_draft  # noqa: E402
from assistants.chem.molecule import InvalidSmiles, inchi_key  # noqa: E402
from assistants.chem.naming import checked_name, names_reading_as  # noqa: E402
from assistants.chem.reactions.chemistry import canonical  # noqa: E402
from assistants.chem.reactions.shipped import forward_heldout  # noqa: E402
from assistants.chem.resolve import record_from_smiles  # noqa: E402
from assistants.chem.store import get_store  # noqa: E402
from benchmarks.names_dev import DEFAULT_DATA  # noqa: E402
from benchmarks.trust_common import chem_pipeline  # noqa: E402
from stages.messages import ask  # noqa: E402
from stages.reply import Status  # noqa: E402

# Substituent prefixes PubChem's names use where a conventional prefix exists (chloro, oxo, amino, ...).
ANYL_STYLE = re.compile(r"(?:fluor|chlor|brom|iod)anyl|oxidanyl|azanyl|λ")
LOWER_STEREO = re.compile(r"\((?:\d+[a-z]?)?[rs](?:,\s*\d*[a-z]?[rsez])*\)|\b\d*[ez]\)|(?<![a-z])n-(?=\()|^n-|,n-")


def half(cid: str) -> str:
    return "A" if hashlib.sha256(f"names-half:{cid}".encode()).digest()[0] % 2 == 0 else "B"


def external(rows: int) -> list[tuple[str, str, str]]:
    """(set, id, SMILES): the development file's rows, then held-out reaction products."""
    with DEFAULT_DATA.open(newline="", encoding="utf-8") as handle:
        return [(f"ChemLLMBench half {half(r['CID'])}", r["CID"], r["smiles"]) for r in csv.DictReader(handle)][:rows]


def products(count: int) -> list[tuple[str, str, str]]:
    seen = dict.fromkeys(canonical(r.product) for r in forward_heldout())
    return [("USPTO-15K held-out products", str(i), smiles) for i, smiles in enumerate(list(seen)[:count])]


def shown_name(text: str) -> str | None:
    name = parse_draft(text).labels.get("name", "")
    return None if not name or name.lower().startswith("no verified name") else name


def measure_external(items: list[tuple[str, str, str]], use_model: bool) -> None:
    pipeline = chem_pipeline(use_model)
    store = get_store()
    tally: dict[str, Counter[str]] = {}
    for group, _id, smiles in items:
        counts = tally.setdefault(group, Counter())
        try:
            key = inchi_key(smiles)
        except InvalidSmiles:
            counts["invalid SMILES"] += 1
            continue
        reply = pipeline.run(ask(f"What is the IUPAC name of {smiles}?"))
        name = shown_name(reply.text)
        right = bool(name) and names_reading_as([name], {key})[name]  # type: ignore[list-item,index]
        source = "store" if store.by_inchikey(key) is not None and not checked_name(smiles).checked else "namer"
        counts["asked"] += 1
        counts["right"] += right
        counts[f"right, named by the {source}"] += right
        counts["no name"] += name is None
        counts["wrong"] += bool(name) and not right
        counts["verified wrong"] += reply.status is Status.VERIFIED and not right
        counts["verified"] += reply.status is Status.VERIFIED
    for group, counts in tally.items():
        asked = counts["asked"]
        print(f"{group}: {asked} structures; right by OPSIN round trip {counts['right']}/{asked} "
              f"({100 * counts['right'] / max(asked, 1):.1f}%: store {counts['right, named by the store']}, "
              f"namer {counts['right, named by the namer']}); no name {counts['no name']}; wrong {counts['wrong']}; "
              f"verified {counts['verified']}, verified wrong {counts['verified wrong']}"
              + (f"; invalid SMILES {counts['invalid SMILES']}" if counts["invalid SMILES"] else ""))


def measure_store(count: int, seed: int) -> None:
    store = get_store()
    compounds = [c for c in store.iter_compounds() if c.smiles]
    sample = random.Random(seed).sample(compounds, min(count, len(compounds)))
    shown, reads, anyl, lowered, as_stored = 0, 0, 0, 0, 0
    for compound in sample:
        try:
            record = record_from_smiles(compound.smiles, compound.smiles, "smiles", store)
        except InvalidSmiles:
            continue
        if not record.name:
            continue
        shown += 1
        reads += names_reading_as([record.name], {record.inchikey})[record.name]
        anyl += bool(ANYL_STYLE.search(record.name))
        lowered += bool(LOWER_STEREO.search(record.name))
        as_stored += record.name == compound.iupac_name and not checked_name(record.smiles).checked
    print(f"store sample ({len(sample)} compounds, seed {seed}): {shown} shown with a name, {len(sample) - shown} "
          f"without (no candidate reads back); read back to the same structure {reads}/{shown} "
          f"({100 * reads / max(shown, 1):.1f}%); '-anyl' prefixes {anyl}; lower-case stereodescriptors or n- "
          f"locants {lowered}; shown as the store wrote it (the namer's did not read back, the store's did) {as_stored}")


def measure_speed(items: list[tuple[str, str, str]]) -> None:
    from rdkit import Chem

    names_ms, floor_ms = [], []
    for _group, _id, smiles in items:
        started = time.perf_counter()
        mol = Chem.MolFromSmiles(smiles)
        if mol is None:
            continue
        Chem.MolToInchiKey(mol)
        floor_ms.append((time.perf_counter() - started) * 1000)
        checked_name.cache_clear()
        started = time.perf_counter()
        checked_name(smiles)
        names_ms.append((time.perf_counter() - started) * 1000)
    p50, floor = statistics.median(names_ms), statistics.median(floor_ms)
    print(f"naming + OPSIN round trip, {len(names_ms)} structures: p50 {p50:.1f} ms, p90 "
          f"{statistics.quantiles(names_ms, n=10)[-1]:.1f} ms; floor (RDKit InChIKey) p50 {floor:.2f} ms; "
          f"ratio {p50 / floor:.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--external", type=int, default=500, help="rows of the names development file")
    parser.add_argument("--reactions", type=int, default=200, help="held-out reaction products")
    parser.add_argument("--store", type=int, default=2000, help="store compounds sampled")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", action="store_true", help="the default path: the configured model phrases")
    args = parser.parse_args()
    items = external(args.external) + products(args.reactions)
    checked_name("C")  # start OPSIN's JVM once, outside every timing
    measure_speed(items[:200])
    measure_external(items, args.model)
    measure_store(args.store, args.seed)


if __name__ == "__main__":
    main()
