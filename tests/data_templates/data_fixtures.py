"""Data the tests generate themselves: compound records and files with known faults."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from assistants.chem.store import MeasuredProperty
from data_templates.chem_sources import ChemRecord

BOILING = MeasuredProperty(key="boiling_point", label="Normal boiling point", value=351.39, unit="K", method="CRC",
                           kind="measured")

CRITICAL_PRESSURE = MeasuredProperty(key="critical_pressure", label="Critical pressure", value=8215850.0, unit="Pa",
                                     method="IUPAC", kind="measured")

# Real compounds (names and SMILES as PubChem gives them); two share the benzene scaffold.
COMPOUNDS = [
    ("702", "ethanol", "CCO", "C2H6O", ["ethyl alcohol", "64-17-5"]),
    ("241", "benzene", "C1=CC=CC=C1", "C6H6", ["benzol"]),
    ("1140", "toluene", "CC1=CC=CC=C1", "C7H8", ["methylbenzene", "toluol"]),
    ("2244", "2-acetyloxybenzoic acid", "CC(=O)OC1=CC=CC=C1C(=O)O", "C9H8O4", ["aspirin", "acetylsalicylic acid"]),
    ("2519", "1,3,7-trimethylpurine-2,6-dione", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "C8H10N4O2", ["caffeine"]),
    ("180", "propan-2-one", "CC(=O)C", "C3H6O", ["acetone", "dimethyl ketone"]),
    ("887", "methanol", "CO", "CH4O", ["methyl alcohol", "wood alcohol"]),
    ("6344", "dichloromethane", "C(Cl)Cl", "CH2Cl2", ["methylene chloride"]),
]


def fixture_records(properties_for_all: bool = False) -> list[ChemRecord]:
    return [
        ChemRecord(source="fixture", source_id=cid, smiles=smiles, iupac_name=name, synonyms=synonyms, formula=formula,
                   cas="64-17-5" if name == "ethanol" else "",  # the hazard tables are keyed by CAS
                   properties=[BOILING, CRITICAL_PRESSURE] if properties_for_all or name == "ethanol" else [])
        for cid, name, smiles, formula, synonyms in COMPOUNDS
    ]


def write_compound_csv(path: Path, bad_rows: bool = True) -> Path:
    """A PubChem-style CSV: the fixture compounds plus a bad SMILES, a missing SMILES, a wrong formula."""
    rows = [{"CID": cid, "IUPACName": name, "SMILES": smiles, "MolecularFormula": formula, "Synonyms": ";".join(syn)}
            for cid, name, smiles, formula, syn in COMPOUNDS]
    if bad_rows:
        rows += [
            {"CID": "9001", "IUPACName": "broken", "SMILES": "C1CC(", "MolecularFormula": "", "Synonyms": ""},
            {"CID": "9002", "IUPACName": "nothing", "SMILES": "", "MolecularFormula": "", "Synonyms": ""},
            {"CID": "9003", "IUPACName": "propane", "SMILES": "CCC", "MolecularFormula": "C4H10", "Synonyms": ""},
        ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_compound_jsonl(path: Path) -> Path:
    lines = [json.dumps({"cid": cid, "iupac_name": name, "smiles": smiles, "synonyms": syn})
             for cid, name, smiles, _formula, syn in COMPOUNDS]
    path.write_text("\n".join([*lines, "{not json", "[1, 2]"]) + "\n", encoding="utf-8")
    return path


def footprint_text(seed: int, bars: int = 5, tick: float = 0.25) -> str:
    """A footprint in BreakGPT's text layout whose last bar leaves the range of the others (random volumes)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    up = seed % 2 == 0
    tables = []
    for bar in range(bars):
        last = bar == bars - 1
        low = 1000.0 + rng.integers(0, 4) * tick
        high = low + rng.integers(4, 12) * tick
        if last:
            low, high = (1003.5, 1008.0) if up else (997.0, 1001.5)
        prices = np.arange(high, low - tick / 2, -tick)
        triples = " ".join(f"{rng.integers(0, 400)} {rng.integers(0, 400)} {p:.2f}" for p in prices)
        tables.append(f"Table {bar + 1}: Sell Buy Price {triples}")
    return " ".join(tables)


def write_footprints(path: Path, count: int = 12, bad: bool = True) -> Path:
    """One footprint per line, plus a line with no breakout and a line that is not a footprint."""
    lines = [footprint_text(seed) for seed in range(count)]
    if bad:
        inside = "Table 1: Sell Buy Price 5 6 1001.00 7 8 1000.75 Table 2: Sell Buy Price 1 2 1000.75"
        lines += [inside, "Table 1: Sell Buy Price 1 two 1000.00 Table 2: Sell Buy Price 3 4 1000.25"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def shipped_reactions(name: str, count: int, heldout: bool = False) -> list:
    """The first `count` reactions of a shipped reaction file whose product is (or is not) the product
    of a held-out evaluation reaction (project data, read here so each test writes its own source file)."""
    from itertools import islice

    from assistants.chem.reactions.chemistry import canonical
    from assistants.chem.reactions.shipped import DATA_DIR
    from assistants.chem.reactions.sources import read_source
    from data_templates.chem_reactions import banned_products

    banned = banned_products()
    return list(islice((r for r in read_source(DATA_DIR / name) if (canonical(r.product) in banned) == heldout), count))

def write_reaction_csv(path: Path, reactions: list, extra_rows: list[str] = ()) -> Path:
    """A CSV of atom-mapped reactions (id, class, reactants>reagents>product), as USPTO-50K ships them."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "class", "reactants>reagents>production"])
        for reaction in reactions:
            smiles = f"{reaction.reactants}>{'.'.join(reaction.reagents)}>{reaction.product}"
            writer.writerow([reaction.id, reaction.reaction_class or "", smiles])
        for number, row in enumerate(extra_rows, start=1):
            writer.writerow([f"extra-{number}", "", row])
    return path
