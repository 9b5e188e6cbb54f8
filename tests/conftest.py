"""Settings are cached per process; every test starts from (and leaves) a fresh read. A real chem
dataset build, from compounds the tests write themselves, for training and serving tests. The
embedded model `make install` prepares: a test that needs it fails, never skips, without it."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from data_templates.builder import BuildOptions, build
from data_templates.chem import ChemDomain
from stages.config import DEFAULT_MODEL, get_settings
from stages.models import ModelError, resolve_model


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def embedded_model() -> str:
    """The prepared default model's folder; its absence fails the test with what to run."""
    try:
        return resolve_model(DEFAULT_MODEL, get_settings().cache_dir)
    except ModelError as exc:
        pytest.fail(f"{exc} (`make install` does)")


# (CID, IUPAC name, SMILES, formula, synonyms) as PubChem gives them
COMPOUNDS = [
    ("702", "ethanol", "CCO", "C2H6O", "ethyl alcohol"),
    ("241", "benzene", "C1=CC=CC=C1", "C6H6", "benzol"),
    ("1140", "toluene", "CC1=CC=CC=C1", "C7H8", "methylbenzene"),
    ("2244", "2-acetyloxybenzoic acid", "CC(=O)OC1=CC=CC=C1C(=O)O", "C9H8O4", "aspirin"),
    ("2519", "1,3,7-trimethylpurine-2,6-dione", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "C8H10N4O2", "caffeine"),
    ("180", "propan-2-one", "CC(=O)C", "C3H6O", "acetone"),
    ("887", "methanol", "CO", "CH4O", "methyl alcohol"),
    ("6344", "dichloromethane", "C(Cl)Cl", "CH2Cl2", "methylene chloride"),
    ("8078", "cyclohexane", "C1CCCCC1", "C6H12", "hexahydrobenzene"),
    ("962", "oxidane", "O", "H2O", "water"),
    ("1031", "propan-1-ol", "CCCO", "C3H8O", "n-propanol"),
    ("996", "phenol", "C1=CC=C(C=C1)O", "C6H6O", "carbolic acid"),
]


def write_compounds(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["CID", "IUPACName", "SMILES", "MolecularFormula", "Synonyms"])
        writer.writerows(COMPOUNDS)
    return path


@pytest.fixture(scope="session")
def chem_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished chem dataset build (shards, manifest, splits) made by the real builder."""
    folder = tmp_path_factory.mktemp("build")
    out = folder / "chem"
    build(ChemDomain(files=[write_compounds(folder / "compounds.csv")]), out, BuildOptions(seed=0))
    return out
