"""Write the `chem-reactions-forward` and `chem-reactions-retro` suites from the held-out shipped
reactions (`python -m evals.reactions`): never a template source nor a scorer's training row.

Questions give unmapped canonical SMILES, as a user types them (atom maps would tell a model which
atoms end up in the product). Each item's `ranked` rule reads the candidates the reply offers (the
SMILES its text gives, the question's own left out, then the reaction tool's ranked list): the item is
right when the first is the recorded product (forward) or reactant set (retro), and top-5/10 are graded."""

from __future__ import annotations

import argparse

from assistants.chem.reactions.chemistry import canonical, canonical_set
from assistants.chem.reactions.evaluation import forward_query
from assistants.chem.reactions.shipped import forward_heldout, retro_heldout
from evals.registry import SUITES_DIR
from evals.suite import Item, RankedRule, Suite, write_suite_file

VERSION = 3


def _item(item_id: str, question: str, answer: str, meta: dict[str, object]) -> Item:
    rules = [RankedRule(smiles=answer, judged=True)]
    return Item(id=item_id, task="reaction", question=question, rules=rules, meta={"answer": answer, **meta})


def forward_suite(limit: int) -> Suite:
    items = [
        _item(f"fwd-{i}", f"What is the main product of {'.'.join(canonical(m) for m in forward_query(r))}>>?",
              canonical(r.product), {"source_id": r.id})
        for i, r in enumerate(forward_heldout()[:limit])
    ]
    return Suite(name="chem-reactions-forward", version=VERSION, assistant="chem",
                 description="Main product of held-out USPTO-15K valid reactions (reagents included in the question)",
                 source="assistants/chem/reactions/data/uspto15k_valid.txt.gz, held out from the template library", items=items)


def retro_suite(limit: int) -> Suite:
    items = [
        _item(f"retro-{i}", f"How can I make {canonical(r.product)}? Suggest the reactants.", canonical_set(r.reactants),
              {"source_id": r.id, "reaction_class": r.reaction_class})
        for i, r in enumerate(retro_heldout()[:limit])
    ]
    return Suite(name="chem-reactions-retro", version=VERSION, assistant="chem",
                 description="One-step reactants of held-out USPTO-50K valid products (class unknown)",
                 source="assistants/chem/reactions/data/uspto50k_valid.csv.gz, held-out fifth", items=items)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100)
    args = parser.parse_args(argv)
    for suite in (forward_suite(args.items), retro_suite(args.items)):
        write_suite_file(suite, SUITES_DIR / f"{suite.name}.yaml")


if __name__ == "__main__":
    main()
