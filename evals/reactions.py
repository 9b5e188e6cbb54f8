"""Write the `chem-reactions-forward` and `chem-reactions-retro` suites from the held-out shipped
reactions (`python -m evals.reactions`): never a template source nor a scorer's training row.

An item is right when the reply gives the recorded product (forward) or reactant set (retro) as
SMILES; top-5 / top-10 of the tools alone are measured by benchmarks/reactions.py."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import yaml

from assistants.chem.molecule import inchi_key
from assistants.chem.reactions.chemistry import canonical, canonical_set
from assistants.chem.reactions.evaluation import forward_query
from assistants.chem.reactions.shipped import forward_heldout, retro_heldout
from evals.registry import SUITES_DIR


def _item(item_id: str, task: str, question: str, answer: str, meta: dict[str, object]) -> dict[str, object]:
    rule = {"kind": "structure", "inchikey": inchi_key(answer), "via": "smiles", "skeleton": False}
    return {"id": item_id, "task": task, "question": question, "attachments": [], "rules": [rule], "meta": {"answer": answer, **meta}}


def forward_suite(limit: int) -> dict[str, object]:
    items = [
        _item(f"fwd-{i}", "reaction", f"What is the main product of {'.'.join(forward_query(r))}>>?", canonical(r.product), {"source_id": r.id})
        for i, r in enumerate(forward_heldout()[:limit])
    ]
    return {"name": "chem-reactions-forward", "version": 1, "assistant": "chem",
            "description": "Main product of held-out USPTO-15K valid reactions (reagents included in the question)",
            "source": "assistants/chem/reactions/data/uspto15k_valid.txt.gz, held out from the template library", "items": items}


def retro_suite(limit: int) -> dict[str, object]:
    items = [
        _item(f"retro-{i}", "reaction", f"How can I make {canonical(r.product)}? Suggest the reactants.", canonical_set(r.reactants),
              {"source_id": r.id, "reaction_class": r.reaction_class})
        for i, r in enumerate(retro_heldout()[:limit])
    ]
    return {"name": "chem-reactions-retro", "version": 1, "assistant": "chem",
            "description": "One-step reactants of held-out USPTO-50K valid products (class unknown)",
            "source": "assistants/chem/reactions/data/uspto50k_valid.csv.gz, held-out fifth", "items": items}


def _write(suite: dict[str, object], folder: Path) -> None:
    path = folder / f"{suite['name']}.yaml"
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(yaml.safe_dump(suite, sort_keys=False, allow_unicode=True))
    os.replace(temp, path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100)
    args = parser.parse_args(argv)
    for suite in (forward_suite(args.items), retro_suite(args.items)):
        _write(suite, SUITES_DIR)


if __name__ == "__main__":
    main()
