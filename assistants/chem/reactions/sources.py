"""Reading atom-mapped reactions from the formats people have: reaction SMILES lines, CSV, and the
USPTO releases (USPTO-15K `reactants>>product edits` lines, USPTO-50K CSV).

Templates need atom maps, so every reader yields `MappedReaction`s whose product is mapped and whose
reactant atoms that do not reach the product are unmapped (leaving groups), with the molecules that
contribute no atom set aside as reagents. A source without maps is refused up front.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REACTION_COLUMNS = ("reactants>reagents>production", "rxn_smiles", "reaction_smiles", "mapped_rxn", "reaction", "rxn", "smiles")
ID_COLUMNS = ("id", "reaction_id", "patent", "patent_id")
CLASS_COLUMNS = ("class", "reaction_class", "rxn_class")
UNMAPPED_PROBE = 50  # reactions read before a source with no atom maps at all is refused


class SourceError(ValueError):
    """A reaction source that cannot give templates (no atom maps, unknown format); one line for the user."""


@dataclass(frozen=True)
class MappedReaction:
    """One precedent: mapped reactants (leaving groups unmapped) `>>` mapped product, reagents aside."""

    id: str
    reactants: str
    product: str
    reagents: tuple[str, ...] = ()
    reaction_class: int | None = None

    @property
    def smiles(self) -> str:
        return f"{self.reactants}>>{self.product}"


@dataclass
class ReadReport:
    """What a reader kept and why it dropped the rest (shown after a build)."""

    read: int = 0
    kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)

    def drop(self, reason: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return open(path, encoding="utf-8")  # noqa: SIM115 - the caller closes it


def _canonical(mol: object) -> str:
    from rdkit import Chem

    copy = Chem.Mol(mol)
    for atom in copy.GetAtoms():
        atom.SetAtomMapNum(0)
    return Chem.MolToSmiles(copy)


def product_from_edits(reactants: str, product: str, edits: str) -> str | None:
    """The mapped product of a USPTO-15K line: the bond edits applied to the mapped reactants, kept
    only when the edited fragment is the recorded (unmapped) product."""
    from rdkit import Chem

    orders = {1.0: Chem.BondType.SINGLE, 2.0: Chem.BondType.DOUBLE, 3.0: Chem.BondType.TRIPLE, 1.5: Chem.BondType.AROMATIC}
    parts = edits.split(";")
    source, target = Chem.MolFromSmiles(reactants), Chem.MolFromSmiles(product)
    if len(parts) != 4 or source is None or target is None:
        return None
    mol = Chem.RWMol(source)
    index = {atom.GetAtomMapNum(): atom.GetIdx() for atom in mol.GetAtoms() if atom.GetAtomMapNum()}
    touched: set[int] = set()
    try:
        for edit in filter(None, parts[2].split(",")):
            a, b, _order = edit.split("-")
            mol.RemoveBond(index[int(a)], index[int(b)])
            touched |= {int(a), int(b)}
        for edit in filter(None, parts[3].split(",")):
            a, b, order = edit.split("-")
            mol.AddBond(index[int(a)], index[int(b)], orders[float(order)])
            touched |= {int(a), int(b)}
        for number in touched:
            atom = mol.GetAtomWithIdx(index[number])
            atom.SetNoImplicit(False)
            atom.SetNumExplicitHs(0)
            atom.SetFormalCharge(0)
        edited = mol.GetMol()
        Chem.SanitizeMol(edited)
    except (KeyError, ValueError, RuntimeError):
        return None
    wanted = Chem.MolToSmiles(target)
    for fragment in Chem.GetMolFrags(edited, asMols=True, sanitizeFrags=False):
        if _canonical(fragment) == wanted:
            return Chem.MolToSmiles(fragment)
    return None


def normalise(reaction_id: str, reactants: str, product: str, reagents: str = "", reaction_class: int | None = None) -> MappedReaction | str:
    """A `MappedReaction`, or the reason the reaction cannot be one (unparsable, unmapped product)."""
    from rdkit import Chem

    product_mol = Chem.MolFromSmiles(product)
    reactant_mol = Chem.MolFromSmiles(reactants)
    if product_mol is None or reactant_mol is None or product_mol.GetNumAtoms() == 0:
        return "unparsable"
    if len(Chem.GetMolFrags(product_mol)) != 1:
        product_mol = max(Chem.GetMolFrags(product_mol, asMols=True), key=lambda m: m.GetNumHeavyAtoms())
    kept = {atom.GetAtomMapNum() for atom in product_mol.GetAtoms()} - {0}
    if not kept:
        return "no atom maps"
    used, aside = [], [s for s in reagents.split(".") if s]
    for fragment in Chem.GetMolFrags(reactant_mol, asMols=True, sanitizeFrags=False):
        if not any(atom.GetAtomMapNum() in kept for atom in fragment.GetAtoms()):
            aside.append(_canonical(fragment))
            continue
        for atom in fragment.GetAtoms():
            if atom.GetAtomMapNum() not in kept:
                atom.SetAtomMapNum(0)
        used.append(Chem.MolToSmiles(fragment))
    if not used:
        return "no reactant reaches the product"
    aside_mols = [Chem.MolFromSmiles(s) for s in aside]
    reagent_smiles = tuple(sorted(_canonical(m) for m in aside_mols if m is not None))
    return MappedReaction(reaction_id, ".".join(used), Chem.MolToSmiles(product_mol), reagent_smiles, reaction_class)


def _split_reaction(text: str) -> tuple[str, str, str] | None:
    parts = text.strip().split(">")
    if len(parts) != 3 or not parts[0] or not parts[2]:
        return None
    return parts[0], parts[1], parts[2]


def _line_rows(handle: io.TextIOBase, stem: str) -> Iterator[tuple[str, str, str, str, int | None]]:
    """Reaction SMILES lines, optionally followed by USPTO-15K bond edits."""
    from rdkit import rdBase

    for number, line in enumerate(handle, start=1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        split = _split_reaction(fields[0])
        if split is None:
            yield f"{stem} #{number}", "", "", "", None
            continue
        reactants, reagents, product = split
        if len(fields) > 1 and fields[1].count(";") == 3:
            with rdBase.BlockLogs():
                product = product_from_edits(reactants, product, fields[1]) or product
        yield f"{stem} #{number}", reactants, product, reagents, None


def _pick(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    return next((lowered.index(name) for name in names if name in lowered), None)


def _csv_rows(handle: io.TextIOBase, stem: str) -> Iterator[tuple[str, str, str, str, int | None]]:
    reader = csv.reader(handle)
    header = next(reader, [])
    column = _pick(header, REACTION_COLUMNS)
    if column is None:
        raise SourceError(f"no reaction column in the CSV header (one of: {', '.join(REACTION_COLUMNS)})")
    id_column, class_column = _pick(header, ID_COLUMNS), _pick(header, CLASS_COLUMNS)
    for number, row in enumerate(reader, start=1):
        if len(row) <= column:
            continue
        split = _split_reaction(row[column])
        reaction_id = row[id_column] if id_column is not None and row[id_column] else f"{stem} #{number}"
        klass = row[class_column] if class_column is not None else ""
        reaction_class = int(klass) if klass.strip().isdigit() else None
        if split is None:
            yield reaction_id, "", "", "", reaction_class
            continue
        reactants, reagents, product = split
        yield reaction_id, reactants, product, reagents, reaction_class


def read_source(path: Path, report: ReadReport | None = None) -> Iterator[MappedReaction]:
    """The mapped reactions of a file (.csv, or lines of reaction SMILES; either may be .gz)."""
    from rdkit import rdBase

    if not path.is_file():
        raise SourceError(f"no such reaction source: {path}")
    suffixes = [s.lower() for s in path.suffixes]
    if any(s in (".pb", ".pbtxt") for s in suffixes):
        raise SourceError("ORD protocol-buffer exports are not read; export the reactions as reaction SMILES or CSV")
    stats = report if report is not None else ReadReport()
    stem = path.name.split(".")[0]
    with _open_text(path) as handle:
        rows = _csv_rows(handle, stem) if ".csv" in suffixes else _line_rows(handle, stem)
        for reaction_id, reactants, product, reagents, reaction_class in rows:
            stats.read += 1
            if not reactants:
                stats.drop("not a reaction SMILES")
                continue
            with rdBase.BlockLogs():
                result = normalise(reaction_id, reactants, product, reagents, reaction_class)
            if isinstance(result, str):
                stats.drop(result)
                if stats.kept == 0 and stats.read >= UNMAPPED_PROBE and stats.dropped.get("no atom maps", 0) == stats.read:
                    raise SourceError(f"{path.name}: no atom maps in the first {stats.read} reactions; templates need atom-mapped reactions")
                continue
            stats.kept += 1
            yield result
    if stats.kept == 0:
        if stats.dropped.get("no atom maps"):
            raise SourceError(f"{path.name}: no atom-mapped reactions ({stats.read} read); templates need atom-mapped reactions")
        raise SourceError(f"{path.name}: no usable reaction in {stats.read} rows")
