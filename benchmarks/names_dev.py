"""External IUPAC names through the chem pipeline, scored on the reply text and status a user reads.

Each (CID, SMILES, IUPAC name, formula) row of a development CSV is asked in one of several phrasings
(structure, formula, both; the name at the start, the end or mid-sentence); `--phrasings all` asks
every row in every phrasing. A structure is right when the first SMILES in the reply has the named
compound's connectivity (InChIKey first block); a formula is right on exact element counts. A
fragment is a wrong answer that is a piece of the named molecule: a neutralised substructure of it
("acetate" for a steroid acetate), a molecule with at most 60% of its heavy atoms, or a formula that
fits inside its formula. The same run measures the bare baseline: OPSIN alone on the exact names, in one batch.

    python benchmarks/names_dev.py --limit 100                 # tools only (template phrasing)
    python benchmarks/names_dev.py --show-failures 20 --json out/names.json
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

sys.path.append(str(Path(__file__).resolve().parents[1]))  # after PYTHONPATH: a checkout named there is measured

from assistants.chem.draft import parse_draft  # noqa: E402
from assistants.chem.formulas import formula_counts, typed_formula_counts  # noqa: E402
from assistants.chem.opsin import OpsinUnavailable, opsin_smiles  # noqa: E402
from benchmarks.chem_accuracy import percentile  # noqa: E402
from benchmarks.trust_common import Share, chem_pipeline, connectivity, detect_verify_ms, part_of, sub_formula, write_json  # noqa: E402
from stages.messages import ask  # noqa: E402
from stages.pipeline import Pipeline  # noqa: E402
from stages.reply import Reply, Status  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "dev" / "chemllmbench_names_dev.csv"
Asks = Literal["structure", "formula", "both"]


class Phrasing(BaseModel):
    key: str
    template: str
    asks: Asks


PHRASINGS: tuple[Phrasing, ...] = (
    Phrasing(key="smiles_of", template="What is the SMILES of {name}?", asks="structure"),
    Phrasing(key="formula_of", template="Give the molecular formula of {name}.", asks="formula"),
    Phrasing(key="name_first", template="{name}: what is its structure?", asks="structure"),
    Phrasing(key="mid_sentence", template="I have a vial labelled {name} on my bench; could you give me its SMILES?",
             asks="structure"),
    Phrasing(key="mid_formula", template="Our supplier lists {name} as the starting material. What is its molecular formula?",
             asks="formula"),
    Phrasing(key="both", template="For {name}, give the SMILES and the molecular formula.", asks="both"),
)


class Row(BaseModel):
    cid: str
    smiles: str
    name: str
    formula: str


class Outcome(BaseModel):
    """One question and what its reply got right, read from the reply text and status."""

    cid: str
    name: str
    phrasing: str
    question: str
    status: str
    source: str = Field(description="where detect's first molecule came from: store, opsin, ... or unresolved")
    structure_right: bool | None = None
    formula_right: bool | None = None
    fragment: bool = False
    answered_smiles: str = ""
    answered_formula: str = ""
    detect_verify_ms: float = 0.0
    text: str = ""

    @property
    def right(self) -> bool:
        return self.structure_right is not False and self.formula_right is not False

    @property
    def verified(self) -> bool:
        return self.status == Status.VERIFIED.value


class DataError(ValueError):
    """The data file is missing or has no usable rows."""


def load_rows(path: Path, limit: int | None) -> tuple[list[Row], int]:
    """The usable rows (RDKit parses the SMILES) and how many were skipped."""
    if not path.is_file():
        raise DataError(f"no data file at {path} (pass --data PATH)")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"CID", "smiles", "iupac", "formula"} - set(reader.fieldnames or ())
        if missing:
            raise DataError(f"{path} lacks the columns {', '.join(sorted(missing))}")
        rows, skipped = [], 0
        for record in reader:
            if limit is not None and len(rows) >= limit:
                break
            if connectivity(record["smiles"]) is None or not record["iupac"].strip():
                skipped += 1
                continue
            rows.append(Row(cid=record["CID"], smiles=record["smiles"], name=record["iupac"].strip(),
                            formula=record["formula"].strip()))
    if not rows:
        raise DataError(f"{path} has no usable rows")
    return rows, skipped


def questions(rows: list[Row], every_phrasing: bool) -> list[tuple[Row, Phrasing]]:
    """Each row in the next phrasing in turn, or in every phrasing."""
    if every_phrasing:
        return [(row, phrasing) for row in rows for phrasing in PHRASINGS]
    return [(row, PHRASINGS[i % len(PHRASINGS)]) for i, row in enumerate(rows)]


def score(row: Row, phrasing: Phrasing, reply: Reply) -> Outcome:
    parsed = parse_draft(reply.text)
    molecules = reply.result.get("molecules") or []
    outcome = Outcome(
        cid=row.cid, name=row.name, phrasing=phrasing.key, question=phrasing.template.format(name=row.name),
        status=reply.status.value, source=str(molecules[0].get("source", "unknown")) if molecules else "unresolved",
        detect_verify_ms=detect_verify_ms(reply), text=reply.text,
    )
    if phrasing.asks in ("structure", "both"):
        outcome.answered_smiles = parsed.smiles[0] if parsed.smiles else ""
        outcome.structure_right = bool(parsed.smiles) and connectivity(parsed.smiles[0]) == connectivity(row.smiles)
        if parsed.smiles and not outcome.structure_right:
            outcome.fragment |= part_of(parsed.smiles[0], row.smiles)
    if phrasing.asks in ("formula", "both"):
        truth = formula_counts(row.formula)
        outcome.answered_formula = parsed.formulas[0] if parsed.formulas else ""
        readings = typed_formula_counts(parsed.formulas[0]) if parsed.formulas else []
        outcome.formula_right = truth is not None and truth in readings
        if readings and not outcome.formula_right and truth is not None:
            outcome.fragment |= sub_formula(readings[0], truth)
    return outcome


def opsin_baseline(rows: list[Row]) -> tuple[Share, str]:
    """OPSIN alone on the exact names (one batch): how many it parses to the right connectivity."""
    try:
        answers = opsin_smiles([row.name for row in rows])
    except OpsinUnavailable as exc:
        return Share(total=len(rows)), str(exc)
    right = sum(1 for row, smiles in zip(rows, answers, strict=True)
                if smiles and connectivity(smiles) == connectivity(row.smiles))
    return Share(count=right, total=len(rows)), ""


class Summary(BaseModel):
    questions: int
    skipped_rows: int
    right: Share
    right_and_verified: Share
    wrong_but_verified: int
    verified: int
    fragments: int
    statuses: dict[str, int]
    by_source: dict[str, dict[str, str]]
    by_phrasing: dict[str, dict[str, str]]
    detect_verify_ms: dict[str, float]
    opsin_alone: Share
    opsin_note: str = ""
    seconds: float


def _breakdown(outcomes: list[Outcome], key: str) -> dict[str, dict[str, str]]:
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        groups.setdefault(getattr(outcome, key), []).append(outcome)
    return {name: {"right": str(Share(count=sum(o.right for o in group), total=len(group))),
                   "right_and_verified": str(Share(count=sum(o.right and o.verified for o in group), total=len(group))),
                   "wrong_but_verified": str(sum(o.verified and not o.right for o in group))}
            for name, group in sorted(groups.items())}


def summarize(outcomes: list[Outcome], skipped: int, opsin: Share, opsin_note: str, seconds: float) -> Summary:
    times = [o.detect_verify_ms for o in outcomes]
    statuses: dict[str, int] = {}
    for outcome in outcomes:
        statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    return Summary(
        questions=len(outcomes), skipped_rows=skipped,
        right=Share(count=sum(o.right for o in outcomes), total=len(outcomes)),
        right_and_verified=Share(count=sum(o.right and o.verified for o in outcomes), total=len(outcomes)),
        wrong_but_verified=sum(o.verified and not o.right for o in outcomes),
        verified=sum(o.verified for o in outcomes), fragments=sum(o.fragment for o in outcomes), statuses=statuses,
        by_source=_breakdown(outcomes, "source"), by_phrasing=_breakdown(outcomes, "phrasing"),
        detect_verify_ms={"p50": round(percentile(times, 0.5), 2), "p95": round(percentile(times, 0.95), 2)},
        opsin_alone=opsin, opsin_note=opsin_note, seconds=round(seconds, 1),
    )


def run(pipeline: Pipeline, asked: list[tuple[Row, Phrasing]]) -> list[Outcome]:
    return [score(row, phrasing, pipeline.run(ask(phrasing.template.format(name=row.name)))) for row, phrasing in asked]


def print_report(summary: Summary, outcomes: list[Outcome], show_failures: int) -> None:
    print(f"questions: {summary.questions} (rows skipped: {summary.skipped_rows}; {summary.seconds} s)")
    print(f"resolved right:            {summary.right}")
    print(f"right and verified:        {summary.right_and_verified}")
    print(f"wrong but verified:        {summary.wrong_but_verified} (of {summary.verified} verified; must be 0)")
    print(f"fragments answered:        {summary.fragments} (must be 0)")
    print(f"statuses:                  {summary.statuses}")
    print(f"OPSIN alone, exact names:  {summary.opsin_alone} {summary.opsin_note}")
    print(f"detect+verify per turn:    p50 {summary.detect_verify_ms['p50']} ms, p95 {summary.detect_verify_ms['p95']} ms")
    for title, table in (("source", summary.by_source), ("phrasing", summary.by_phrasing)):
        print(f"\n| {title} | right | right and verified | wrong but verified |\n|---|---|---|---|")
        for name, cells in table.items():
            print(f"| {name} | {cells['right']} | {cells['right_and_verified']} | {cells['wrong_but_verified']} |")
    failures = sorted((o for o in outcomes if not (o.right and o.verified)), key=lambda o: (not o.fragment, o.right))
    if show_failures and failures:
        print(f"\nfailures ({min(show_failures, len(failures))} of {len(failures)}):")
        for o in failures[:show_failures]:
            what = "FRAGMENT" if o.fragment else ("right, not verified" if o.right else "WRONG")
            print(f"- {what} [{o.status}, {o.source}, {o.phrasing}] {o.name}\n    gave SMILES {o.answered_smiles or '-'} "
                  f"formula {o.answered_formula or '-'}; reply: {' '.join(o.text.split())[:220]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="CSV with CID, smiles, iupac, formula")
    parser.add_argument("--limit", type=int, default=None, help="first N usable rows")
    parser.add_argument("--phrasings", choices=("rotate", "all"), default="rotate",
                        help="rotate: one phrasing per row in turn; all: every row in every phrasing")
    parser.add_argument("--model", action="store_true", help="the configured model phrases (default: tools only)")
    parser.add_argument("--show-failures", type=int, default=0, metavar="N", help="list the first N failures")
    parser.add_argument("--json", type=Path, default=None, help="also write the summary and every outcome here")
    args = parser.parse_args(argv)
    try:
        rows, skipped = load_rows(args.data.resolve(), args.limit)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    opsin, opsin_note = opsin_baseline(rows)
    outcomes = run(chem_pipeline(args.model), questions(rows, args.phrasings == "all"))
    summary = summarize(outcomes, skipped, opsin, opsin_note, time.perf_counter() - started)
    print_report(summary, outcomes, args.show_failures)
    if args.json:
        write_json(args.json, {"summary": summary.model_dump(mode="json"),
                               "outcomes": [o.model_dump(mode="json") for o in outcomes]})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
