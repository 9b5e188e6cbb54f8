"""SMILES in, checked facts out: parsing with reasons in words, identifiers, masses, descriptors.

Every function takes plain strings and returns plain data or a pydantic model, so the detect and
verify stages, dataset builders, evaluations and the LangChain tools share one implementation.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel
from rdkit import Chem, DataStructs, rdBase
from rdkit.Chem import Crippen, Descriptors, rdFingerprintGenerator, rdMolDescriptors

MAX_SMILES_CHARS = 2_000

_PARSE_PROBLEMS: tuple[tuple[str, str, str], ...] = (
    ("unclosed ring", "unclosed_ring", "a ring-closure digit is opened but never closed"),
    ("extra open parentheses", "parenthesis", "a branch '(' is never closed"),
    ("extra close parentheses", "parenthesis", "a ')' closes a branch that was never opened"),
    ("duplicated ring closure", "ring_closure", "a ring closure bonds an atom to itself twice"),
    ("syntax error", "syntax", "the string contains a token that is not SMILES"),
)
_SANITIZE_PROBLEMS: dict[str, tuple[str, str]] = {
    "AtomValenceException": ("valence", "an atom has more bonds than its valence allows"),
    "AtomKekulizeException": ("kekulization", "an aromatic atom cannot be given alternating bonds"),
    "KekulizeException": ("kekulization", "the aromatic ring cannot be written with alternating single and double bonds"),
}
_POSITION = re.compile(r"check for mistakes around position (\d+)")


class InvalidSmiles(ValueError):
    """A SMILES string RDKit cannot turn into a molecule; the message says why in words."""

    def __init__(self, smiles: str, problem: str, message: str) -> None:
        super().__init__(message)
        self.smiles = smiles
        self.problem = problem


class SmilesValidation(BaseModel):
    smiles: str
    valid: bool
    problem: str | None = None
    message: str
    canonical: str | None = None


class DescriptorSet(BaseModel):
    """Drug-likeness descriptors (RDKit); Lipinski's rule of five counts violations."""

    logp: float
    tpsa: float
    hbd: int
    hba: int
    rotatable_bonds: int
    rings: int
    aromatic_rings: int
    heavy_atoms: int
    lipinski_violations: int
    lipinski_pass: bool


class MoleculeFacts(BaseModel):
    """What RDKit knows about one SMILES, with no lookup involved."""

    smiles: str
    inchi: str
    inchikey: str
    formula: str
    average_mass: float
    monoisotopic_mass: float
    charge: int
    fragments: int
    isotopes: bool
    stereocenters: int
    unassigned_stereocenters: int


def _describe_parse_failure(smiles: str, log: str) -> tuple[str, str]:
    problem, words = "syntax", "RDKit could not parse it"
    for needle, kind, text in _PARSE_PROBLEMS:
        if needle in log:
            problem, words = kind, text
            break
    position = _POSITION.search(log)
    where = f" (around character {position.group(1)})" if position else ""
    return problem, f"'{smiles}' is not valid SMILES: {words}{where}."


def _describe_sanitize_failure(smiles: str, mol: Chem.Mol) -> tuple[str, str]:
    with rdBase.BlockLogs():
        problems = Chem.DetectChemistryProblems(mol)
    if not problems:
        return "sanitization", f"'{smiles}' is not a valid molecule: RDKit could not sanitize it."
    first = problems[0]
    kind, words = _SANITIZE_PROBLEMS.get(first.GetType(), ("sanitization", first.Message()))
    detail = first.Message().strip()
    return kind, f"'{smiles}' is not a valid molecule: {words} ({detail})."


def parse_smiles(smiles: str) -> Chem.Mol:
    """A sanitized RDKit molecule, or InvalidSmiles explaining the failure in words."""
    text = smiles.strip()
    if not text:
        raise InvalidSmiles(smiles, "empty", "The SMILES string is empty.")
    if len(text) > MAX_SMILES_CHARS:
        raise InvalidSmiles(smiles, "too_long", f"The SMILES string is longer than {MAX_SMILES_CHARS} characters.")
    with rdBase.BlockLogs():
        mol = Chem.MolFromSmiles(text)
    if mol is not None:  # the common case: one parse
        return mol
    with rdBase.CaptureErrorLog() as capture:
        raw = Chem.MolFromSmiles(text, sanitize=False)
    if raw is None:
        problem, message = _describe_parse_failure(text, capture.messages)
    else:
        problem, message = _describe_sanitize_failure(text, raw)
    raise InvalidSmiles(text, problem, message)


def validate_smiles(smiles: str) -> SmilesValidation:
    """Whether a SMILES string is a valid molecule, and if not why, in words.

    Args:
        smiles: the SMILES string to check.
    """
    try:
        mol = parse_smiles(smiles)
    except InvalidSmiles as exc:
        return SmilesValidation(smiles=smiles, valid=False, problem=exc.problem, message=str(exc))
    canonical = Chem.MolToSmiles(mol)
    return SmilesValidation(smiles=smiles, valid=True, message=f"'{smiles.strip()}' is valid SMILES.", canonical=canonical)


# A turn or a dataset record touches a handful of molecules; a small cache also keeps RDKit fast
# (thousands of cached molecules measurably slowed later parsing).
_CACHED_MOLECULES = 256


@lru_cache(maxsize=_CACHED_MOLECULES)
def cached_mol(smiles: str) -> Chem.Mol:
    """The parse every tool of one SMILES shares (InvalidSmiles when it does not parse).

    Shared, so callers must not modify it; RDKit functions that return new molecules are fine.
    """
    return parse_smiles(smiles)


@lru_cache(maxsize=_CACHED_MOLECULES)
def canonical_smiles(smiles: str) -> str:
    """RDKit's canonical SMILES, so equal molecules compare equal as strings.

    Args:
        smiles: any valid SMILES.
    """
    return Chem.MolToSmiles(cached_mol(smiles))


@lru_cache(maxsize=_CACHED_MOLECULES)
def _inchi_and_key(smiles: str) -> tuple[str, str]:
    """One InChI computation per SMILES: detect, the safety screen and verify all ask for the key."""
    with rdBase.BlockLogs():
        text = Chem.MolToInchi(cached_mol(smiles))
        return text, Chem.InchiToInchiKey(text) or ""


def inchi(smiles: str) -> str:
    """Standard InChI of a SMILES.

    Args:
        smiles: any valid SMILES.
    """
    return _inchi_and_key(smiles)[0]


def inchi_key(smiles: str) -> str:
    """Standard InChIKey of a SMILES: the identity every check compares.

    Args:
        smiles: any valid SMILES.
    """
    return _inchi_and_key(smiles)[1]


def formula(smiles: str) -> str:
    """Hill formula with a net charge as a trailing sign; hydrogen isotopes as D and T, other
    isotope labels written as the plain element (the masses and InChIKey keep them).

    Args:
        smiles: any valid SMILES.
    """
    mol = cached_mol(smiles)
    labelled = rdMolDescriptors.CalcMolFormula(mol, True, True)
    return labelled if "[" not in labelled else rdMolDescriptors.CalcMolFormula(mol)


def average_mass(smiles: str) -> float:
    """Molecular weight in g/mol with standard atomic weights (isotope labels respected).

    Args:
        smiles: any valid SMILES.
    """
    return round(Descriptors.MolWt(cached_mol(smiles)), 4)


def monoisotopic_mass(smiles: str) -> float:
    """Exact mass of the most abundant isotopes (or the labelled ones), in Da.

    Args:
        smiles: any valid SMILES.
    """
    return round(Descriptors.ExactMolWt(cached_mol(smiles)), 5)


def descriptors(smiles: str) -> DescriptorSet:
    """logP, TPSA, H-bond donors/acceptors, rotatable bonds, rings and Lipinski's rule of five.

    Args:
        smiles: any valid SMILES.
    """
    mol = cached_mol(smiles)
    logp = Crippen.MolLogP(mol)
    hbd = rdMolDescriptors.CalcNumHBD(mol)
    hba = rdMolDescriptors.CalcNumHBA(mol)
    mass = Descriptors.MolWt(mol)
    violations = sum((mass > 500, logp > 5, hbd > 5, hba > 10))
    return DescriptorSet(
        logp=round(logp, 3),
        tpsa=round(rdMolDescriptors.CalcTPSA(mol), 2),
        hbd=hbd,
        hba=hba,
        rotatable_bonds=rdMolDescriptors.CalcNumRotatableBonds(mol),
        rings=rdMolDescriptors.CalcNumRings(mol),
        aromatic_rings=rdMolDescriptors.CalcNumAromaticRings(mol),
        heavy_atoms=mol.GetNumHeavyAtoms(),
        lipinski_violations=violations,
        lipinski_pass=violations <= 1,
    )


def molecule_facts(smiles: str) -> MoleculeFacts:
    """Identifiers, formula, masses, charge, fragments, isotopes and stereocentres in one call."""
    mol = cached_mol(smiles)
    centers = Chem.FindMolChiralCenters(mol, includeUnassigned=True, useLegacyImplementation=False)
    return MoleculeFacts(
        smiles=canonical_smiles(smiles),
        inchi=inchi(smiles),
        inchikey=inchi_key(smiles),
        formula=formula(smiles),
        average_mass=average_mass(smiles),
        monoisotopic_mass=monoisotopic_mass(smiles),
        charge=Chem.GetFormalCharge(mol),
        fragments=len(Chem.GetMolFrags(mol)),
        isotopes=any(atom.GetIsotope() for atom in mol.GetAtoms()),
        stereocenters=len(centers),
        unassigned_stereocenters=sum(label == "?" for _, label in centers),
    )


_MORGAN = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)


def fingerprint(smiles: str) -> DataStructs.ExplicitBitVect:
    return _MORGAN.GetFingerprint(cached_mol(smiles))


def similarity(smiles_a: str, smiles_b: str) -> float:
    """Tanimoto similarity of Morgan fingerprints (radius 2, 2048 bits), 0..1.

    Args:
        smiles_a: the first molecule.
        smiles_b: the second molecule.
    """
    return round(DataStructs.TanimotoSimilarity(fingerprint(smiles_a), fingerprint(smiles_b)), 4)
