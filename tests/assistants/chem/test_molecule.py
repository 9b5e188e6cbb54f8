from __future__ import annotations

import pytest

from assistants.chem.molecule import (
    InvalidSmiles,
    average_mass,
    canonical_smiles,
    descriptors,
    formula,
    inchi,
    inchi_key,
    molecule_facts,
    monoisotopic_mass,
    parse_smiles,
    similarity,
    validate_smiles,
)


@pytest.mark.parametrize(
    ("smiles", "problem", "words"),
    [
        ("C1CC", "unclosed_ring", "never closed"),
        ("CC(C", "parenthesis", "never closed"),
        ("CC)C", "parenthesis", "never opened"),
        ("CXC", "syntax", "not SMILES"),
        ("c1cccc1", "kekulization", "alternating"),
        ("C(C)(C)(C)(C)C", "valence", "valence"),
        ("", "empty", "empty"),
        ("   ", "empty", "empty"),
    ],
)
def test_invalid_smiles_are_explained_in_words(smiles: str, problem: str, words: str) -> None:
    result = validate_smiles(smiles)
    assert not result.valid
    assert result.problem == problem
    assert words in result.message


def test_parse_error_carries_the_problem() -> None:
    with pytest.raises(InvalidSmiles) as info:
        parse_smiles("C1CC")
    assert info.value.problem == "unclosed_ring"


def test_identifiers_of_ethanol() -> None:
    assert canonical_smiles("OCC") == "CCO"
    assert inchi_key("OCC") == "LFQSCWFLJHTTHZ-UHFFFAOYSA-N"
    assert inchi("CCO") == "InChI=1S/C2H6O/c1-2-3/h3H,2H2,1H3"
    assert formula("CCO") == "C2H6O"
    assert average_mass("CCO") == pytest.approx(46.069, abs=0.001)
    assert monoisotopic_mass("CCO") == pytest.approx(46.04186, abs=1e-4)


def test_isotopes_change_masses_and_keys_not_formula() -> None:
    labelled = molecule_facts("[13CH4]")
    plain = molecule_facts("C")
    assert labelled.isotopes and not plain.isotopes
    assert labelled.formula == plain.formula == "CH4"
    assert labelled.monoisotopic_mass == pytest.approx(plain.monoisotopic_mass + 1.00335, abs=1e-4)
    assert labelled.inchikey != plain.inchikey and labelled.inchikey[:14] == plain.inchikey[:14]


def test_charged_species_and_mixtures() -> None:
    ammonium = molecule_facts("[NH4+]")
    assert ammonium.charge == 1 and ammonium.formula == "H4N+"
    salt = molecule_facts("CC(=O)[O-].[Na+]")
    assert salt.fragments == 2 and salt.charge == 0


def test_stereo_is_kept_and_unassigned_centres_counted() -> None:
    l_alanine = molecule_facts("C[C@H](N)C(=O)O")
    d_alanine = molecule_facts("C[C@@H](N)C(=O)O")
    racemic = molecule_facts("CC(N)C(=O)O")
    assert l_alanine.inchikey != d_alanine.inchikey
    assert l_alanine.unassigned_stereocenters == 0
    assert racemic.unassigned_stereocenters == 1


def test_descriptors_of_aspirin() -> None:
    d = descriptors("CC(=O)Oc1ccccc1C(=O)O")
    assert (d.hbd, d.hba, d.rings, d.aromatic_rings) == (1, 3, 1, 1)
    assert d.tpsa == pytest.approx(63.6, abs=0.1)
    assert d.lipinski_pass and d.lipinski_violations == 0


def test_similarity() -> None:
    assert similarity("CCO", "OCC") == 1.0
    assert 0 < similarity("CCO", "CCCO") < 1
    assert similarity("CCO", "c1ccccc1") < 0.2
