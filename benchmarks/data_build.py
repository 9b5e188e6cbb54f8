"""Dataset build speed: every chem task over the compound store, and the breakout tasks on bundled bars.

Floor measured in the same run, before and after the build (the faster of the two is kept, so a
slow spell during the floor cannot flatter the ratio): bare RDKit parse + canonicalize + formula +
mass of the same SMILES, one molecule at a time. The build does that and much more per compound (descriptors,
scaffold, held-out check, ~8 rendered and re-checked samples, shards, manifest, exports), so
the ratio is reported per compound and per sample. The build is then repeated with 2 workers
for the speed-up. Market: events and samples per second over the bundled OHLCV samples.

    python benchmarks/data_build.py [--limit N] [--skip-workers]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from itertools import islice
from pathlib import Path

from data_templates.builder import BuildOptions, build
from data_templates.chem import ChemDomain
from data_templates.chem_sources import store_records
from data_templates.market import MarketDomain
from data_templates.shards import Manifest


def floor_seconds(smiles: list[str]) -> float:
    """Bare RDKit: parse, canonical SMILES, formula and average mass of each SMILES."""
    from rdkit import Chem, rdBase
    from rdkit.Chem import Descriptors, rdMolDescriptors

    started = time.perf_counter()
    with rdBase.BlockLogs():
        for text in smiles:
            mol = Chem.MolFromSmiles(text)
            if mol is None:
                continue
            Chem.MolToSmiles(mol)
            rdMolDescriptors.CalcMolFormula(mol)
            Descriptors.MolWt(mol)
    return time.perf_counter() - started


def samples_in(manifest: Manifest) -> int:
    return sum(sum(counts.values()) for counts in manifest.counts.values())


def timed_build(domain: ChemDomain | MarketDomain, out: Path, options: BuildOptions) -> tuple[Manifest, float]:
    started = time.perf_counter()
    manifest = build(domain, out, options)
    return manifest, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="compounds to build (default: the whole store)")
    parser.add_argument("--skip-workers", action="store_true", help="do not repeat the chem build with 2 workers")
    args = parser.parse_args()

    smiles = [record.smiles for record in islice(store_records(), args.limit)]
    compounds = len(smiles)
    before = floor_seconds(smiles)

    with tempfile.TemporaryDirectory() as tmp:
        one, seconds = timed_build(ChemDomain(), Path(tmp) / "chem1", BuildOptions(limit=args.limit, workers=1))
        after = floor_seconds(smiles)
        floor = min(before, after)
        print(f"floor (RDKit parse+canonical+formula+mass): {compounds:,} SMILES in {floor:.2f} s "
              f"= {compounds / floor:,.0f} molecules/s (faster of {before:.2f} s before and {after:.2f} s after the build)")
        samples = samples_in(one)
        print(f"chem build, 1 worker: {one.records:,} compounds → {samples:,} samples in {seconds:.2f} s "
              f"= {samples / seconds:,.0f} samples/s, {one.records / seconds:,.0f} compounds/s")
        print(f"  ratio to floor per compound: {seconds / floor:.1f}x; per sample: "
              f"{(seconds / samples) / (floor / compounds):.2f}x (target ≤ 2x)")
        print(f"  skipped: {dict(sorted(one.skipped.items()))}; failed checks: {one.invalid}; "
              f"duplicates: {one.duplicates}")
        if not args.skip_workers:
            two, seconds2 = timed_build(ChemDomain(), Path(tmp) / "chem2", BuildOptions(limit=args.limit, workers=2))
            assert two.counts == one.counts, "2 workers must build the same dataset"
            print(f"chem build, 2 workers: {seconds2:.2f} s = {samples_in(two) / seconds2:,.0f} samples/s, "
                  f"speed-up {seconds / seconds2:.2f}x")

        market, seconds3 = timed_build(MarketDomain(), Path(tmp) / "market", BuildOptions())
        events = sum(market.counts.get("market.ohlcv_breakout", {}).values())
        print(f"market build (bundled OHLCV, {market.records} series): {events:,} events, {samples_in(market):,} samples "
              f"in {seconds3:.2f} s = {events / seconds3:,.0f} events/s, {samples_in(market) / seconds3:,.0f} samples/s")


if __name__ == "__main__":
    main()
