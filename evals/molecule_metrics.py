"""Text → molecule scores as MolT5 and ChemLLMBench report them: validity, exact match (same
InChI), and Tanimoto similarity of MACCS keys, RDKit path fingerprints and Morgan (radius 2,
counts) fingerprints between the answer and the reference."""

from __future__ import annotations

from pydantic import BaseModel


class MoleculeScores(BaseModel):
    valid: bool
    exact: bool
    maccs: float | None = None
    rdk: float | None = None
    morgan: float | None = None


def molecule_scores(reference: str, answer: str | None) -> MoleculeScores:
    """Scores of one answer SMILES (None: the answer gave none) against the reference SMILES."""
    from rdkit import Chem, DataStructs
    from rdkit.Chem import MACCSkeys, rdFingerprintGenerator
    from rdkit.rdBase import BlockLogs

    if not answer:
        return MoleculeScores(valid=False, exact=False)
    with BlockLogs():
        found = Chem.MolFromSmiles(answer)
        expected = Chem.MolFromSmiles(reference)
        same = found is not None and expected is not None and Chem.MolToInchi(found) == Chem.MolToInchi(expected)
    if found is None or expected is None:
        return MoleculeScores(valid=found is not None, exact=False)
    morgan = rdFingerprintGenerator.GetMorganGenerator(radius=2)
    return MoleculeScores(
        valid=True,
        exact=same,
        maccs=DataStructs.TanimotoSimilarity(MACCSkeys.GenMACCSKeys(found), MACCSkeys.GenMACCSKeys(expected)),
        rdk=DataStructs.TanimotoSimilarity(Chem.RDKFingerprint(found), Chem.RDKFingerprint(expected)),
        morgan=DataStructs.TanimotoSimilarity(morgan.GetSparseCountFingerprint(found),
                                              morgan.GetSparseCountFingerprint(expected)),
    )
