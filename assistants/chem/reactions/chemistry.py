"""The molecule-level helpers reactions share: map-free canonical SMILES and packed fingerprints that
compare against a whole library in one numpy pass."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

FINGERPRINT_BITS = 2048


def canonical(smiles: str) -> str:
    """Canonical SMILES with atom maps removed ("" when RDKit cannot parse it)."""
    from rdkit import Chem, rdBase

    with rdBase.BlockLogs():
        mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return ""
    for atom in mol.GetAtoms():
        atom.SetAtomMapNum(0)
    return Chem.MolToSmiles(mol)


def canonical_set(smiles: str) -> str:
    """A dot-joined set of molecules in one order, so equal reactant sets compare equal ("" if any fails)."""
    parts = [canonical(part) for part in smiles.split(".") if part]
    return "" if not parts or "" in parts else ".".join(sorted(parts))


@lru_cache(maxsize=1)
def _generator() -> object:
    from rdkit.Chem import rdFingerprintGenerator

    return rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=FINGERPRINT_BITS)


def packed_fingerprint(smiles: str) -> np.ndarray:
    """Morgan radius-2 bits of a molecule or dot-joined set, packed into bytes (zeros if unparsable)."""
    from rdkit import Chem, rdBase

    with rdBase.BlockLogs():
        mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return np.zeros(FINGERPRINT_BITS // 8, dtype=np.uint8)
    bits = _generator().GetFingerprintAsNumPy(mol)  # type: ignore[attr-defined]
    return np.packbits(bits.astype(bool))


def tanimoto(query: np.ndarray, library: np.ndarray) -> np.ndarray:
    """Tanimoto of one packed fingerprint against every row of a packed matrix."""
    common = np.bitwise_count(library & query).sum(axis=1, dtype=np.int32)
    either = np.bitwise_count(library | query).sum(axis=1, dtype=np.int32)
    return np.where(either > 0, common / np.maximum(either, 1), 0.0)
