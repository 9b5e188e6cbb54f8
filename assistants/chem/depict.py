"""Molecule and reaction pictures for the UI and reports: SVG text or a PNG file (written atomically)."""

from __future__ import annotations

from pathlib import Path

from rdkit.Chem.Draw import rdMolDraw2D

from assistants.chem.molecule import parse_smiles
from stages.atomic import write_bytes


def to_svg(smiles: str, width: int = 300, height: int = 220) -> str:
    mol = parse_smiles(smiles)
    drawer = rdMolDraw2D.MolDraw2DSVG(width, height)
    rdMolDraw2D.PrepareAndDrawMolecule(drawer, mol)
    drawer.FinishDrawing()
    return drawer.GetDrawingText()


class InvalidReaction(ValueError):
    """Reaction SMILES that RDKit cannot read as `reactants>agents>products`."""


def reaction_svg(reaction: str, width: int = 640, height: int = 200) -> str:
    """A reaction drawn left to right (reactants, arrow with any agents, products), each molecule
    parsed by the same reader as `to_svg`, so a bad side fails with that side's reason."""
    from rdkit.Chem import rdChemReactions

    sides = reaction.split(">")
    if len(sides) != 3 or not sides[0] or not sides[2]:
        raise InvalidReaction(f"not reaction SMILES (reactants>agents>products): {reaction[:80]!r}")
    drawn = rdChemReactions.ChemicalReaction()
    for add, side in ((drawn.AddReactantTemplate, sides[0]), (drawn.AddAgentTemplate, sides[1]),
                      (drawn.AddProductTemplate, sides[2])):
        for part in filter(None, side.split(".")):
            add(parse_smiles(part))
    drawer = rdMolDraw2D.MolDraw2DSVG(width, height)
    drawer.DrawReaction(drawn)
    drawer.FinishDrawing()
    return drawer.GetDrawingText()


def to_png(smiles: str, path: Path, size: int = 300) -> Path:
    mol = parse_smiles(smiles)
    drawer = rdMolDraw2D.MolDraw2DCairo(size, size)
    rdMolDraw2D.PrepareAndDrawMolecule(drawer, mol)
    drawer.FinishDrawing()
    return write_bytes(path, drawer.GetDrawingText())
