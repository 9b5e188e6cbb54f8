"""Build the shipped suites from the project's own data: `python -m evals.generate [--seed N]`.

Chemistry items come only from the held-out split (`assistants.chem.heldout`), so no compound a
dataset builder trains on is ever asked about; every expected answer is read from the compound
store and RDKit, the same tools the assistant uses. Breakout OHLCV items are real breakout events
of the bundled daily bars from the split `tristage data build breakout` keeps for test (the last
10% of each series), shown as a pasted table that ends on the breakout bar; the expected
judgment is what later bars did (target reached = true breakout, closed back inside = false).
The same seed writes the same files.
"""

from __future__ import annotations

import argparse
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evals.suite import (
    FormulaRule,
    Item,
    LabelRule,
    NumericRule,
    StructureRule,
    Suite,
    write_suite_file,
)

if TYPE_CHECKING:
    import pandas as pd

    from assistants.chem.store import Compound

SUITES_DIR = Path(__file__).parent / "suites"
VALIDITY = {"valid": [r"valid", r"yes"], "invalid": [r"invalid", r"not valid", r"no"]}
_PLAIN_NAME = re.compile(r"^[a-z][a-z \-]{2,24}$")
OHLCV_CONTEXT_BARS = 40


def heldout_compounds() -> Iterator[Compound]:
    """Store compounds of the held-out split with a short plain common name, in a fixed order."""
    from chemicals import identifiers

    from assistants.chem.split import heldout
    from assistants.chem.store import get_store

    db = identifiers.get_pubchem_db()
    db.finish_loading()
    store = get_store()
    seen: set[str] = set()
    for record in sorted(db.CAS_index.values(), key=lambda r: r.pubchemid or 0):
        key = record.InChI_key
        if not key or key in seen or not heldout(key):
            continue
        seen.add(key)
        compound = store.by_inchikey(key)
        name = (compound.common_name if compound else "") or ""
        if compound is None or not _PLAIN_NAME.match(name) or "." in compound.smiles:
            continue
        found = store.by_name(name)
        if found is None or found.inchikey != key:
            continue
        yield compound


def _sample(pool: list[Compound], n: int, rng: random.Random) -> list[Compound]:
    return rng.sample(pool, min(n, len(pool)))


def chem_names(pool: list[Compound], rng: random.Random, n: int = 15) -> Suite:
    items = []
    for c in _sample(pool, n, rng):
        items.append(Item(id=f"n2s-{c.cid}", task="name_to_smiles", question=f"What is the SMILES of {c.common_name}?",
                          rules=[StructureRule(inchikey=c.inchikey, via="smiles")],
                          meta={"inchikey": c.inchikey, "name": c.common_name}))
    for c in _sample(pool, n, rng):
        items.append(Item(id=f"s2n-{c.cid}", task="smiles_to_name",
                          question=f"What is the name of the compound with SMILES {c.smiles}?",
                          rules=[StructureRule(inchikey=c.inchikey, via="name")],
                          meta={"inchikey": c.inchikey, "smiles": c.smiles}))
    return Suite(name="chem-names", description="Name → SMILES and SMILES → name on held-out compounds (InChIKey match)",
                 assistant="chem", source="compound store, held-out split", items=items)


def chem_properties(pool: list[Compound], rng: random.Random, n: int = 10) -> Suite:
    from assistants.chem.store import get_store

    store = get_store()
    items = []
    for c in _sample(pool, n, rng):
        items.append(Item(id=f"formula-{c.cid}", task="formula", question=f"What is the molecular formula of {c.common_name}?",
                          rules=[FormulaRule(formula=c.formula)], meta={"inchikey": c.inchikey}))
    for c in _sample(pool, n, rng):
        items.append(Item(id=f"mass-{c.cid}", task="mass", question=f"What is the molecular weight of {c.common_name}?",
                          rules=[NumericRule(value=round(c.mw, 3), tolerance=0.1, label=r"weight|mass", unit="g/mol")],
                          meta={"inchikey": c.inchikey}))
    boiling = [(c, p) for c in pool for p in store.properties(c) if p.key == "boiling_point" and p.kind == "measured"][:400]
    for c, prop in rng.sample(boiling, min(n, len(boiling))):
        items.append(Item(id=f"bp-{c.cid}", task="boiling_point", question=f"What is the boiling point of {c.common_name}?",
                          rules=[NumericRule(value=round(prop.value, 2), tolerance=2.0, label=r"boil", unit="K")],
                          meta={"inchikey": c.inchikey, "method": prop.method}))
    return Suite(name="chem-properties", description="Formula, molecular weight and boiling point of held-out compounds",
                 assistant="chem", source="compound store (chemicals), held-out split", items=items)


def chem_validity(pool: list[Compound], rng: random.Random, n: int = 10) -> Suite:
    from assistants.chem.corruption import corrupt
    from assistants.chem.molecule import validate_smiles

    items = []
    for c in _sample(pool, n, rng):
        items.append(Item(id=f"valid-{c.cid}", task="validity", question=f"Is {c.smiles} a valid SMILES string?",
                          rules=[LabelRule(field="valid", value="valid", choices=VALIDITY)], meta={"inchikey": c.inchikey}))
    for c in _sample(pool, 3 * n, rng):
        bad = corrupt(c.smiles, rng)
        if bad is None or validate_smiles(bad).valid:
            continue
        items.append(Item(id=f"invalid-{c.cid}", task="validity", question=f"Is {bad} a valid SMILES string?",
                          rules=[LabelRule(field="valid", value="invalid", choices=VALIDITY)],
                          meta={"inchikey": c.inchikey, "problem": validate_smiles(bad).problem}))
        if sum(i.id.startswith("invalid-") for i in items) >= n:
            break
    return Suite(name="chem-validity", description="Valid and corrupted SMILES (ring label, branch, valence, stray token)",
                 assistant="chem", source="compound store, held-out split; corruptions checked by RDKit", items=items)


DRUG_LIKE = {"yes": [r"\byes\b", r"\bpasses\b", r"drug-like"], "no": [r"\bno\b", r"\bfails\b", r"not drug-like"]}


def chem_calculations(pool: list[Compound], rng: random.Random, n: int = 8) -> Suite:
    """Calculations on held-out compounds: flash point (the hazard tables), grams of an amount (standard
    atomic weights), stereoisomers (RDKit's enumeration) and Lipinski's verdict (RDKit descriptors)."""
    from assistants.chem.calc import hazards, structure
    from assistants.chem.calc.stoichiometry import counts_of, molar_mass

    items = []
    flash = [(c, found) for c in pool if c.cas and (found := hazards.hazard_data(c.cas).flash_point) is not None]
    for c, found in rng.sample(flash, min(n, len(flash))):
        items.append(Item(id=f"flash-{c.cid}", task="flash_point", question=f"What is the flash point of {c.common_name}?",
                          rules=[NumericRule(value=round(found.value, 2), tolerance=2.0, label=r"flash", unit="K")],
                          meta={"inchikey": c.inchikey, "source": found.source}))
    for c in _sample(pool, n, rng):
        moles = rng.choice((0.5, 2.0, 3.0))
        grams = moles * molar_mass(counts_of(c.formula))
        items.append(Item(id=f"grams-{c.cid}", task="grams_moles", question=f"How many grams is {moles} mol of {c.common_name}?",
                          rules=[NumericRule(value=round(grams, 3), rel_tolerance=0.005, label=r"\bis\b|=|weighs|mass")],
                          meta={"inchikey": c.inchikey}))
    chiral = [c for c in pool if 0 < structure.stereo_facts(c.smiles).stereocentres <= 4]
    for c in rng.sample(chiral, min(n, len(chiral))):
        count = structure.stereo_facts(c.smiles).stereoisomers
        items.append(Item(id=f"stereo-{c.cid}", task="stereoisomers", question=f"How many stereoisomers does {c.common_name} have?",
                          rules=[NumericRule(value=count, tolerance=0.0, label=r"has|are")], meta={"inchikey": c.inchikey}))
    for c in _sample(pool, n, rng):
        passed = structure.drug_likeness(c.smiles)[0].passed
        items.append(Item(id=f"lipinski-{c.cid}", task="lipinski", question=f"Is {c.common_name} drug-like by Lipinski's rule of five?",
                          rules=[LabelRule(field="drug_like", value="yes" if passed else "no", choices=DRUG_LIKE)],
                          meta={"inchikey": c.inchikey}))
    return Suite(name="chem-calculations", description="Flash point, grams of an amount, stereoisomers and Lipinski's rule "
                 "for held-out compounds", assistant="chem",
                 source="compound store, held-out split; chemicals hazard tables, standard atomic weights, RDKit", items=items)


def ohlcv_table(bars: pd.DataFrame) -> str:
    frame = bars.reset_index()
    lines = ["date,open,high,low,close,volume"]
    for row in frame.itertuples(index=False):
        lines.append(f"{row.date:%Y-%m-%d},{row.open:.2f},{row.high:.2f},{row.low:.2f},{row.close:.2f},{row.volume:.0f}")
    return "\n".join(lines)


def breakout_ohlcv(rng: random.Random, n: int = 20) -> Suite:
    from assistants.market.breakouts import ScanConfig, scan_breakouts
    from assistants.market.ohlcv import parse_ohlcv_text
    from assistants.market.samples import sample_ohlcv
    from data_templates.market import series_splits
    from assistants.market.answers import DIRECTIONS, JUDGMENTS

    candidates: list[tuple[str, pd.DataFrame, Any]] = []
    for ticker in ("AAPL", "IBM", "MSFT", "GOOG"):
        bars = sample_ohlcv(f"bokeh/{ticker}")
        events = scan_breakouts(bars, label=True)
        held_out = series_splits(bars, ScanConfig())[events["index"].to_numpy()] == "test"
        decided = events[events["outcome"].isin(["target", "failed"]) & held_out]
        candidates += [(ticker, bars, row) for row in decided.itertuples(index=False)]
    items = []
    for ticker, bars, event in rng.sample(candidates, len(candidates)):
        i = int(event.index)
        if i < OHLCV_CONTEXT_BARS:
            continue
        table = ohlcv_table(bars.iloc[i - OHLCV_CONTEXT_BARS + 1 : i + 1])
        shown = scan_breakouts(parse_ohlcv_text(table))
        if shown.empty or int(shown.iloc[-1]["index"]) != OHLCV_CONTEXT_BARS - 1 or shown.iloc[-1]["direction"] != event.direction:
            continue
        last = shown.iloc[-1]
        true = event.outcome == "target"
        question = (f"Daily bars of {ticker}:\n{table}\n\nDid the last bar break out of the trading range? Give the "
                    "direction, the level it broke through, and whether it is a true or false breakout.")
        items.append(Item(
            id=f"{ticker}-{event.date:%Y-%m-%d}", task="ohlcv", question=question,
            rules=[LabelRule(field="direction", value=str(event.direction), choices=DIRECTIONS),
                   NumericRule(value=round(float(last["level"]), 2), tolerance=0.011, label=r"level|through"),
                   LabelRule(field="breakout", value="true" if true else "false", choices=JUDGMENTS)],
            meta={"outcome": event.outcome, "split": "test"},
        ))
        if len(items) >= n:
            break
    return Suite(name="breakout-ohlcv", version=2,
                 description="Real breakouts in bundled daily bars (the data build's test split); judged by what later bars did",
                 assistant="breakout", source="bokeh_sampledata AAPL, IBM, MSFT, GOOG (split-adjusted), last 10% of each series",
                 items=items)


def generate(out_dir: Path = SUITES_DIR, seed: int = 0) -> list[Path]:
    """Write every generated suite (the hand-written general-sanity suite is left alone)."""
    rng = random.Random(seed)
    pool = list(heldout_compounds())
    suites = [chem_names(pool, rng), chem_properties(pool, rng), chem_validity(pool, rng), breakout_ohlcv(rng),
              chem_calculations(pool, rng)]
    return [write_suite_file(suite, out_dir / f"{suite.name}.yaml") for suite in suites]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=SUITES_DIR)
    args = parser.parse_args()
    for path in generate(args.out, args.seed):
        print(path)


if __name__ == "__main__":
    main()
