"""Structure questions RDKit answers from the molecule itself: atom and bond counts, rings, aromaticity,
stereocentres, stereoisomers, chirality, hybridisation and drug-likeness rules with the values behind them."""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel
from rdkit import Chem
from rdkit.Chem import Crippen, Descriptors, Lipinski, rdMolDescriptors
from rdkit.Chem.EnumerateStereoisomers import EnumerateStereoisomers, StereoEnumerationOptions

from assistants.chem.molecule import cached_mol

MAX_ENUMERATED_STEREOISOMERS = 4096  # 12 centres; beyond that the count is given as the 2^n bound


class StereoFacts(BaseModel):
    stereocentres: int
    stereo_bonds: int
    stereoisomers: int
    counted: bool  # False: more than MAX_ENUMERATED_STEREOISOMERS, `stereoisomers` is the 2^n upper bound
    chiral_isomers: int
    meso_or_achiral_isomers: int
    chiral: bool | None  # the molecule as written; None when its stereo is unspecified and isomers differ


class RuleCheck(BaseModel):
    rule: str
    passed: bool
    violations: list[str]
    values: dict[str, float | int]


def element_counts(smiles: str) -> dict[str, int]:
    """Atoms of each element, hydrogens included."""
    mol = Chem.AddHs(cached_mol(smiles))
    return dict(sorted(Counter(atom.GetSymbol() for atom in mol.GetAtoms()).items()))


def ring_counts(smiles: str) -> dict[str, int]:
    mol = cached_mol(smiles)
    return {"rings": rdMolDescriptors.CalcNumRings(mol), "aromatic_rings": rdMolDescriptors.CalcNumAromaticRings(mol)}


def bond_counts(smiles: str) -> dict[str, int]:
    """Single, double and triple bonds (aromatic rings in a Kekulé form) and the sigma and pi bonds they make, H included."""
    mol = Chem.AddHs(cached_mol(smiles))
    Chem.Kekulize(mol, clearAromaticFlags=True)
    orders = Counter(bond.GetBondType() for bond in mol.GetBonds())
    single, double, triple = orders[Chem.BondType.SINGLE], orders[Chem.BondType.DOUBLE], orders[Chem.BondType.TRIPLE]
    return {"single": single, "double": double, "triple": triple, "sigma": single + double + triple, "pi": double + 2 * triple}


def hybridisations(smiles: str, element: str) -> dict[str, int]:
    """How many atoms of an element have each hybridisation (sp, sp2, sp3 …)."""
    mol = cached_mol(smiles)
    found = Counter(str(atom.GetHybridization()).lower() for atom in mol.GetAtoms() if atom.GetSymbol() == element)
    return dict(sorted(found.items()))


def _mirror(mol: Chem.Mol) -> str:
    image = Chem.Mol(mol)
    for atom in image.GetAtoms():
        tag = atom.GetChiralTag()
        if tag == Chem.ChiralType.CHI_TETRAHEDRAL_CW:
            atom.SetChiralTag(Chem.ChiralType.CHI_TETRAHEDRAL_CCW)
        elif tag == Chem.ChiralType.CHI_TETRAHEDRAL_CCW:
            atom.SetChiralTag(Chem.ChiralType.CHI_TETRAHEDRAL_CW)
    return Chem.MolToSmiles(image)


def stereo_facts(smiles: str) -> StereoFacts:
    """Stereocentres and stereoisomers of the constitution (meso forms counted once), and whether it is chiral.

    Args:
        smiles: any valid SMILES; its own stereo marks decide only whether it is chiral.
    """
    given = cached_mol(smiles)
    flat = Chem.Mol(given)
    Chem.RemoveStereochemistry(flat)
    centres = Chem.FindMolChiralCenters(flat, includeUnassigned=True, useLegacyImplementation=False)
    options = StereoEnumerationOptions(unique=True, onlyUnassigned=True, maxIsomers=MAX_ENUMERATED_STEREOISOMERS + 1)
    isomers = {Chem.MolToSmiles(m) for m in EnumerateStereoisomers(flat, options=options)}
    stereo_bonds = _double_bond_stereo(flat)
    counted = len(isomers) <= MAX_ENUMERATED_STEREOISOMERS
    chiral_isomers = sum(1 for s in isomers if _mirror(Chem.MolFromSmiles(s)) != s) if counted else 0
    specified = Chem.MolToSmiles(given)
    if specified in isomers:
        chiral: bool | None = _mirror(given) != specified
    elif counted:
        chiral = True if chiral_isomers == len(isomers) else False if chiral_isomers == 0 else None
    else:
        chiral = True
    return StereoFacts(stereocentres=len(centres), stereo_bonds=stereo_bonds,
                       stereoisomers=len(isomers) if counted else 2 ** (len(centres) + stereo_bonds), counted=counted,
                       chiral_isomers=chiral_isomers, meso_or_achiral_isomers=len(isomers) - chiral_isomers if counted else 0,
                       chiral=chiral)


def _double_bond_stereo(mol: Chem.Mol) -> int:
    """Double bonds that can be E or Z."""
    return sum(1 for info in Chem.FindPotentialStereo(mol) if info.type == Chem.StereoType.Bond_Double)


def drug_likeness(smiles: str) -> list[RuleCheck]:
    """Lipinski's rule of five (at most one violation), Veber's rule and Ghose's filter, with the values they judge.

    Args:
        smiles: any valid SMILES.
    """
    mol = cached_mol(smiles)
    mass, logp = Descriptors.MolWt(mol), Crippen.MolLogP(mol)
    donors, acceptors = Lipinski.NumHDonors(mol), Lipinski.NumHAcceptors(mol)
    rotatable, tpsa = rdMolDescriptors.CalcNumRotatableBonds(mol), rdMolDescriptors.CalcTPSA(mol)
    atoms, refractivity = Chem.AddHs(mol).GetNumAtoms(), Crippen.MolMR(mol)
    lipinski = [w for w, bad in (("molecular weight > 500", mass > 500), ("logP > 5", logp > 5),
                                  ("H-bond donors > 5", donors > 5), ("H-bond acceptors > 10", acceptors > 10)) if bad]
    veber = [w for w, bad in (("rotatable bonds > 10", rotatable > 10), ("TPSA > 140 Å²", tpsa > 140)) if bad]
    ghose = [w for w, bad in (("molecular weight outside 160–480", not 160 <= mass <= 480),
                               ("logP outside −0.4–5.6", not -0.4 <= logp <= 5.6), ("atoms outside 20–70", not 20 <= atoms <= 70),
                               ("molar refractivity outside 40–130", not 40 <= refractivity <= 130)) if bad]
    r = round
    return [
        RuleCheck(rule="Lipinski's rule of five", passed=len(lipinski) <= 1, violations=lipinski,
                  values={"molecular weight": r(mass, 2), "logP": r(logp, 2), "H-bond donors": donors, "H-bond acceptors": acceptors}),
        RuleCheck(rule="Veber's rule", passed=not veber, violations=veber, values={"rotatable bonds": rotatable, "TPSA": r(tpsa, 1)}),
        RuleCheck(rule="Ghose's filter", passed=not ghose, violations=ghose,
                  values={"molecular weight": r(mass, 2), "logP": r(logp, 2), "atoms": atoms, "molar refractivity": r(refractivity, 1)}),
    ]
