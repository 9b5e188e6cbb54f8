"""Molecule pictures for the UI and reports: SVG text or a PNG file (written atomically)."""

from __future__ import annotations

import os
from pathlib import Path

from rdkit.Chem.Draw import rdMolDraw2D

from assistants.chem.molecule import parse_smiles


def to_svg(smiles: str, width: int = 300, height: int = 220) -> str:
    mol = parse_smiles(smiles)
    drawer = rdMolDraw2D.MolDraw2DSVG(width, height)
    rdMolDraw2D.PrepareAndDrawMolecule(drawer, mol)
    drawer.FinishDrawing()
    return drawer.GetDrawingText()


def to_png(smiles: str, path: Path, size: int = 300) -> Path:
    mol = parse_smiles(smiles)
    drawer = rdMolDraw2D.MolDraw2DCairo(size, size)
    rdMolDraw2D.PrepareAndDrawMolecule(drawer, mol)
    drawer.FinishDrawing()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_bytes(drawer.GetDrawingText())
    os.replace(temp, path)
    return path
