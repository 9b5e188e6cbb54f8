"""Chem accuracy on a seeded held-out set from the compound store: model alone vs the full pipeline.

Tasks (each item's truth comes from the store): IUPAC→SMILES (scored by InChIKey), SMILES→IUPAC
(exact store name), SMILES→formula (exact element counts), name→MW (±0.1%), boiling point
(±1 K against a measured value), plus made-up names the tools cannot resolve (a reply that gives
a structure or name for one counts as invented). Items come only from compounds that
`assistants.chem.heldout` reserves, so dataset builders never train on them.

Rows: the full pipeline with template phrasing on every item (tools decide, no model); the model
alone (tools off) and the pipeline with model phrasing on a seeded subset of `--model-n` items per
task, because the embedded model needs seconds per call on a CPU. Also reports detect+verify time
per turn (model time excluded). The ratio column compares each row with the model alone measured
in the same run.

    python benchmarks/chem_accuracy.py                       # README numbers
    python benchmarks/chem_accuracy.py --n 50 --model-n 0    # quick tools-only check
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import string
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistants.chem.assistant import ChemAssistant  # noqa: E402
from assistants.chem.draft import ParsedDraft, parse_draft, temperature  # noqa: E402
from assistants.chem.formulas import formula_counts, typed_formula_counts  # noqa: E402
from assistants.chem.molecule import InvalidSmiles, canonical_smiles, inchi_key  # noqa: E402
from assistants.chem.split import heldout  # noqa: E402
from assistants.chem.store import Compound, CompoundStore, get_store  # noqa: E402
from stages.backends import make_backend  # noqa: E402
from stages.backends.base import Backend  # noqa: E402
from stages.backends.scripted import ScriptedBackend  # noqa: E402
from stages.config import get_settings  # noqa: E402
from stages.messages import RunOptions, ask  # noqa: E402
from stages.pipeline import Pipeline  # noqa: E402
from stages.reply import Reply, Status  # noqa: E402

TASKS = ("iupac_to_smiles", "smiles_to_iupac", "smiles_to_formula", "name_to_mw", "boiling_point", "unresolvable")


class Item(BaseModel):
    task: str
    question: str
    truth: str | float
    cid: int = 0


def _usable(compound: Compound) -> str | None:
    """The RDKit canonical SMILES when RDKit agrees with the store on the compound's identity."""
    try:
        smiles = canonical_smiles(compound.smiles)
        return smiles if inchi_key(smiles) == compound.inchikey else None
    except InvalidSmiles:
        return None


def build_items(store: CompoundStore, n: int, seed: int) -> tuple[dict[str, list[Item]], dict[str, int]]:
    """Seeded items per task from held-out compounds; returns the items and how many were skipped."""
    rng = random.Random(seed)
    pool = [c for c in store.iter_compounds() if c.inchikey and heldout(c.inchikey) and "." not in c.smiles]
    rng.shuffle(pool)
    items: dict[str, list[Item]] = {task: [] for task in TASKS}
    skipped = {"rdkit_disagrees": 0, "ambiguous_name": 0}

    def name_is_unambiguous(name: str, compound: Compound) -> bool:
        found = store.by_name(name)
        ok = found is not None and found.inchikey == compound.inchikey
        skipped["ambiguous_name"] += not ok
        return ok

    for compound in pool:
        if all(len(items[t]) >= n for t in TASKS[:-1]):
            break
        smiles = _usable(compound)
        if smiles is None:
            skipped["rdkit_disagrees"] += 1
            continue
        iupac, common = compound.iupac_name, compound.common_name
        if len(items["iupac_to_smiles"]) < n and iupac and name_is_unambiguous(iupac, compound):
            items["iupac_to_smiles"].append(Item(task="iupac_to_smiles", question=f"What is the SMILES of {iupac}?", truth=compound.inchikey, cid=compound.cid))
        elif len(items["smiles_to_iupac"]) < n and iupac:
            items["smiles_to_iupac"].append(Item(task="smiles_to_iupac", question=f"What is the IUPAC name of {smiles}?", truth=iupac, cid=compound.cid))
        elif len(items["smiles_to_formula"]) < n:
            items["smiles_to_formula"].append(Item(task="smiles_to_formula", question=f"What is the molecular formula of {smiles}?", truth=compound.formula, cid=compound.cid))
        elif len(items["name_to_mw"]) < n and common and name_is_unambiguous(common, compound):
            items["name_to_mw"].append(Item(task="name_to_mw", question=f"What is the molecular weight of {common}?", truth=compound.mw, cid=compound.cid))
        if len(items["boiling_point"]) < n and common:
            boiling = [p for p in store.properties(compound) if p.key == "boiling_point" and p.kind == "measured"]
            if boiling and name_is_unambiguous(common, compound):
                items["boiling_point"].append(Item(task="boiling_point", question=f"What is the boiling point of {common}?", truth=boiling[0].value, cid=compound.cid))
    items["unresolvable"] = made_up_names(store, max(20, n // 10), rng)
    return items, skipped


def made_up_names(store: CompoundStore, count: int, rng: random.Random) -> list[Item]:
    """Drug-like names that are in neither the store nor any nomenclature (OPSIN fails on them)."""
    stems = ("zor", "quel", "vant", "drex", "plim", "fost", "kari", "lumo", "brev", "task", "nor", "velt")
    endings = ("ixamab", "oquinate", "avudil", "etrazine", "olumide", "ipraxol", "anfoxin", "ubetrol")
    items: list[Item] = []
    while len(items) < count:
        name = rng.choice(stems) + rng.choice(string.ascii_lowercase) + rng.choice(endings)
        if store.by_name(name) is None and all(i.truth != name for i in items):
            items.append(Item(task="unresolvable", question=f"What is the SMILES of {name}?", truth=name))
    return items


def score(item: Item, text: str) -> bool:
    parsed: ParsedDraft = parse_draft(text)
    if item.task == "iupac_to_smiles":
        return any(_key(s) == item.truth for s in parsed.smiles[:1])
    if item.task == "smiles_to_iupac":
        name = parsed.labels.get("name") or parsed.labels.get("iupac name")
        if name is None:  # unlabelled free text (the model alone): the name anywhere counts
            return str(item.truth).lower() in " ".join(text.lower().split())
        return " ".join(name.lower().split()) == str(item.truth).lower()
    if item.task == "smiles_to_formula":
        return bool(parsed.formulas) and formula_counts(str(item.truth)) in typed_formula_counts(parsed.formulas[0])
    if item.task == "name_to_mw":
        truth = float(item.truth)
        weights = [m.value for m in parsed.masses if m.kind != "monoisotopic"]
        return bool(weights) and abs(weights[0] - truth) <= max(0.05, truth * 0.001)
    if item.task == "boiling_point":
        stated = parsed.temperatures.get("boiling_point") or temperature(text)
        return stated is not None and abs(stated.kelvin - float(item.truth)) <= 1.0
    return not invented(parsed)  # unresolvable: right when it gives no structure and no name


def invented(parsed: ParsedDraft) -> bool:
    name = parsed.labels.get("name", "")
    claims_name = bool(name) and not any(w in name.lower() for w in ("not in", "unknown", "no verified", "none"))
    return bool(parsed.smiles) or claims_name


def _key(smiles: str) -> str:
    try:
        return inchi_key(smiles)
    except InvalidSmiles:
        return ""


class Row(BaseModel):
    system: str
    task: str
    n: int
    correct: int
    detect_verify_ms: list[float] = []
    cpu_ms: list[float] = []
    statuses: dict[str, int] = {}
    verified: int = 0
    verified_wrong: list[str] = []
    refused: list[str] = []
    seconds: float = 0.0

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else 0.0


def run_row(system: str, items: list[Item], make: Callable[[], Pipeline], options: RunOptions) -> Row:
    pipeline = make()
    row = Row(system=system, task=items[0].task if items else "", n=len(items), correct=0)
    started = time.perf_counter()
    for item in items:
        cpu = time.process_time()
        reply: Reply = pipeline.run(ask(item.question, options=options))
        row.cpu_ms.append((time.process_time() - cpu) * 1000)
        row.statuses[reply.status.value] = row.statuses.get(reply.status.value, 0) + 1
        right = score(item, reply.text)
        row.correct += right
        if reply.status is Status.VERIFIED:
            row.verified += 1
            if not right:
                row.verified_wrong.append(item.question)
        if reply.status is Status.REFUSED:
            row.refused.append(item.question)
        row.detect_verify_ms.append(sum(r.duration_ms for r in reply.trace if r.stage in ("detect", "verify")))
    row.seconds = time.perf_counter() - started
    return row


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=500, help="items per task for the tool rows")
    parser.add_argument("--model-n", type=int, default=40, help="items per task for the model rows (0: skip)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-tokens", type=int, default=96, help="model answer budget per call")
    parser.add_argument("--max-repairs", type=int, default=2, help="repair rounds in the pipeline-with-model row")
    parser.add_argument("--rows", choices=("all", "tools", "model"), default="all", help="which rows to run")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    args = parser.parse_args(argv)

    store = get_store()
    started = time.perf_counter()
    items, skipped = build_items(store, args.n, args.seed)
    print(f"held-out items built in {time.perf_counter() - started:.1f} s; skipped: {skipped}")
    for task in TASKS:
        print(f"  {task}: {len(items[task])} items")

    rows: list[Row] = []
    template = lambda: Pipeline(ChemAssistant(phrasing="template", store=store), ScriptedBackend(["(unused)"]))  # noqa: E731
    for task in TASKS if args.rows != "model" else ():
        rows.append(run_row("pipeline, tools + template phrasing", items[task], template, RunOptions()))
        print(f"  template {task}: {rows[-1].accuracy:.1%} in {rows[-1].seconds:.1f} s", flush=True)

    if args.model_n > 0 and args.rows != "tools":
        backend: Backend = make_backend(get_settings().backend_for("chem"))
        model_opts = RunOptions(max_tokens=args.max_tokens, max_repairs=args.max_repairs)
        alone = lambda: Pipeline(ChemAssistant(phrasing="model", store=store), backend)  # noqa: E731
        for task in TASKS:
            subset = items[task][: args.model_n]
            rows.append(run_row(f"model alone ({backend.model}, no tools)", subset, alone, model_opts.model_copy(update={"tools": False, "max_repairs": 0})))
            print(f"  model alone {task}: {rows[-1].accuracy:.1%} in {rows[-1].seconds:.1f} s", flush=True)
            rows.append(run_row(f"pipeline, tools + {backend.model} phrasing", subset, alone, model_opts))
            print(f"  pipeline+model {task}: {rows[-1].accuracy:.1%} in {rows[-1].seconds:.1f} s", flush=True)

    baseline = {r.task: r.accuracy for r in rows if r.system.startswith("model alone")}
    print("\n| system | task | n | accuracy | vs model alone | verified | verified wrong | reply statuses |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        base = baseline.get(row.task)
        ratio = f"{row.accuracy / base:.1f}x" if base else ("n/a" if base is None else "inf")
        statuses = ", ".join(f"{k} {v}" for k, v in sorted(row.statuses.items()))
        wrong = f"{len(row.verified_wrong)} ({len(row.verified_wrong) / row.verified:.1%})" if row.verified else "-"
        print(f"| {row.system} | {row.task} | {row.n} | {row.accuracy:.1%} | {ratio} | {row.verified} | {wrong} | {statuses} |")
    for row in rows:
        for question in row.verified_wrong:
            print(f"verified but wrong ({row.task}): {question}")
        for question in row.refused:
            print(f"refused ({row.task}): {question}")
    template_rows = [row for row in rows if row.system.startswith("pipeline, tools + template")]
    for label, values in () if not template_rows else (
        ("detect+verify wall time", [ms for row in template_rows for ms in row.detect_verify_ms]),
        ("whole-turn CPU time (this process, no model)", [ms for row in template_rows for ms in row.cpu_ms]),
    ):
        print(f"\n{label} per turn ({len(values)} turns): p50 {percentile(values, 0.5):.1f} ms, "
              f"p95 {percentile(values, 0.95):.1f} ms, mean {statistics.fmean(values):.1f} ms")
    print(f"total {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps([r.model_dump() | {"accuracy": r.accuracy} for r in rows], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
