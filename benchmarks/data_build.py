"""Dataset build speed: every chem task over the compound store, and the breakout tasks on bundled bars.

Floor measured in the same run: bare RDKit parse + canonicalize + formula + mass of the same
SMILES, one molecule at a time, timed chunk by chunk between the build's chunks (so both see the
same machine), and once more before and after the build for comparison. The build does that and much more per compound (descriptors,
scaffold, held-out check, ~8 rendered and re-checked samples, shards, manifest, exports), so
the ratio is reported per compound and per sample. The build is then repeated with 2 workers
for the speed-up. Market: events and samples per second over the bundled OHLCV samples.

    python benchmarks/data_build.py [--limit N] [--skip-workers]
"""

from __future__ import annotations

import argparse
import resource
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


class InterleavedFloor:
    """The floor timed on each chunk's SMILES right after the build commits that chunk.

    Floor and build then share the machine's fast and slow spells (on a shared machine these
    differ by 30 % minutes apart); the build's time excludes this callback's time.
    """

    def __init__(self, smiles: list[str]) -> None:
        self.smiles = smiles
        self.done = 0
        self.seconds = 0.0

    def __call__(self, records_done: int) -> None:
        self.seconds += floor_seconds(self.smiles[self.done : records_done])
        self.done = records_done


def timed_build(domain: ChemDomain | MarketDomain, out: Path, options: BuildOptions,
                floor: InterleavedFloor | None = None) -> tuple[Manifest, float]:
    started = time.perf_counter()
    manifest = build(domain, out, options, progress=floor)
    return manifest, time.perf_counter() - started - (floor.seconds if floor else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="compounds to build (default: the whole store)")
    parser.add_argument("--skip-workers", action="store_true", help="do not repeat the chem build with 2 workers")
    args = parser.parse_args()

    smiles = [record.smiles for record in islice(store_records(), args.limit)]
    compounds = len(smiles)
    before = floor_seconds(smiles)

    with tempfile.TemporaryDirectory() as tmp:
        interleaved = InterleavedFloor(smiles)
        one, seconds = timed_build(ChemDomain(), Path(tmp) / "chem1", BuildOptions(limit=args.limit, workers=1),
                                   interleaved)
        after = floor_seconds(smiles)
        floor = interleaved.seconds
        fastest = min(before, floor, after)
        print(f"floor (RDKit parse+canonical+formula+mass of {compounds:,} SMILES): {floor:.2f} s interleaved with the "
              f"build = {compounds / floor:,.0f} molecules/s; {before:.2f} s before and {after:.2f} s after it")
        samples = samples_in(one)
        print(f"chem build, 1 worker: {one.records:,} compounds → {samples:,} samples in {seconds:.2f} s "
              f"= {samples / seconds:,.0f} samples/s, {one.records / seconds:,.0f} compounds/s")
        per_sample = (seconds / samples) / (floor / compounds)
        print(f"  ratio to the interleaved floor per compound: {seconds / floor:.1f}x; per sample: {per_sample:.2f}x "
              f"(target ≤ 2x); against the fastest floor measured: {per_sample * floor / fastest:.2f}x")
        print(f"  skipped: {dict(sorted(one.skipped.items()))}; failed checks: {one.invalid}; "
              f"duplicates: {one.duplicates}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  peak memory of this process so far (RSS): {peak:,.0f} MiB")
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
