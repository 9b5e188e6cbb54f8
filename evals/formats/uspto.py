"""USPTO reaction files: one reaction SMILES per line (`reactants>>product` or
`reactants>reagents>product`, anything after the first space ignored), or a CSV/TSV with a
reaction column (`reactants>reagents>production` as in USPTO-50k, `rxn_smiles`, `reaction`).
Files may be gzipped. Atom maps are removed. Forward items ask for the product from reactants and reagents; retro
items ask for the reactants (without reagents) from the product."""

from __future__ import annotations

from pathlib import Path

from evals.formats import items
from evals.formats.tables import cell, read_table, read_text, suffix, table_files
from evals.suite import Item, Suite, SuiteError

REACTION_COLUMNS = ("reactants>reagents>production", "rxn_smiles", "reaction_smiles", "reaction", "rxn")


def unmapped(smiles: str) -> str | None:
    """Canonical SMILES without atom-map numbers; None when RDKit cannot read it."""
    from rdkit import Chem
    from rdkit.rdBase import BlockLogs

    with BlockLogs():
        mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return None
    for atom in mol.GetAtoms():
        atom.SetAtomMapNum(0)
    return Chem.MolToSmiles(mol)


def _reactions(path: Path) -> list[str]:
    if suffix(path) in (".csv", ".tsv"):
        rows = read_table(path)
        column = next((c for c in REACTION_COLUMNS if rows and c in rows[0]), None)
        if column is None:
            raise SuiteError(f"{path.name}: missing a reaction column (one of {', '.join(REACTION_COLUMNS)})")
        return [cell(r, column) for r in rows]
    return [line.split()[0] for line in read_text(path).splitlines() if line.strip()]


def _parts(reaction: str) -> tuple[str, str, str] | None:
    pieces = reaction.split(">")
    if len(pieces) != 3:
        return None
    reactants, reagents, product = (unmapped(p) if p else "" for p in pieces)
    if not reactants or not product or reagents is None:
        return None
    return reactants, reagents, product


def load_uspto(direction: str, path: Path) -> Suite:
    """`direction` is "forward" or "retro"; lines that are not a readable reaction are refused with
    their line number, so a wrong file is never scored as if it were empty."""
    built: list[Item] = []
    for file in table_files(path, (".txt", ".smi", ".rsmi", ".csv", ".tsv")):
        for n, reaction in enumerate(_reactions(file), 1):
            parts = _parts(reaction)
            if parts is None:
                raise SuiteError(f"{file.name} line {n}: not a reaction SMILES 'reactants>>product': {reaction[:80]!r}")
            reactants, reagents, product = parts
            item_id = f"{file.stem}-{n:05d}"
            if direction == "forward":
                built.append(items.forward(item_id, ".".join(filter(None, (reactants, reagents))), product))
            else:
                built.append(items.retro(item_id, product, reactants))
    return Suite(name=f"uspto-{direction}", description=f"USPTO reactions, {direction} prediction (exact match of InChI)",
                 assistant="chem", source=path.name, items=built)
