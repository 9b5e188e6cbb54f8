"""Structure → name with the real namer (openclatura) and the real OPSIN reading each name back."""

from __future__ import annotations

import pytest

from assistants.chem.molecule import inchi_key
from assistants.chem.naming import checked_name, name_structures, names_reading_as, restyled


@pytest.mark.parametrize(("smiles", "name"), [
    ("CC(Cl)Cl", "1,1-dichloroethane"),
    ("CC(=O)CCC(=O)O", "4-oxopentanoic acid"),
    ("CC(=O)Nc1ccc(O)cc1", "N-(4-hydroxyphenyl)acetamide"),
    ("C[C@H](N)C(=O)O", "(2S)-2-aminopropanoic acid"),
    ("C/C=C/C", "(2E)-but-2-ene"),
    ("[Na+].[Cl-]", "sodium chloride"),
])
def test_conventional_names_that_read_back(smiles: str, name: str) -> None:
    checked = checked_name(smiles)
    assert (checked.name, checked.checked, checked.note) == (name, True, "")


def test_a_name_that_does_not_read_back_is_withheld_with_the_reason() -> None:
    labelled = checked_name("[13CH3]CCCCO")  # the namer drops the isotope label
    assert labelled.name is None and not labelled.checked and labelled.written == "pentan-1-ol"
    assert labelled.note == "the namer's 'pentan-1-ol' does not read back to this structure in OPSIN"
    bare = checked_name("[Au+3]")
    assert bare.name is None and bare.note == "the namer has no name for this structure"


def test_a_stored_name_is_restyled_only_when_it_reads_back() -> None:
    assert restyled("(2s)-2-azanylpropanoic acid") == "(2S)-2-aminopropanoic acid"
    assert restyled("1,1-bis(chloranyl)ethane") == "1,1-dichloroethane"
    assert restyled("azanium;manganese(2+);2-oxidanylpropane-1,2,3-tricarboxylate") == (
        "ammonium;manganese(2+);2-hydroxypropane-1,2,3-tricarboxylate")
    salt = "C(C(=O)[O-])C(CC(=O)[O-])(C(=O)[O-])O.[NH4+].[Mn+2]"  # the namer has no name for it
    stored = checked_name(salt, "azanium;manganese(2+);2-oxidanylpropane-1,2,3-tricarboxylate")
    assert stored.checked and stored.name == "ammonium;manganese(2+);2-hydroxypropane-1,2,3-tricarboxylate"
    radical = checked_name("[CH2]Br", "bromanylmethane")  # neither "bromomethane" nor the stored name is the radical
    assert radical.name is None and not radical.checked


def test_any_style_of_a_name_reads_as_its_structure() -> None:
    key = inchi_key("CC(=O)Oc1ccccc1C(=O)O")
    verdicts = names_reading_as(["2-acetyloxybenzoic acid", "2-(acetyloxy)benzoic acid", "aspirin acid", "benzoic acid"],
                                {key})
    assert verdicts == {"2-acetyloxybenzoic acid": True, "2-(acetyloxy)benzoic acid": True, "aspirin acid": False,
                        "benzoic acid": False}
    assert name_structures(["sodium;acetate", "not a name at all"]) == {"sodium;acetate": inchi_key("CC(=O)[O-].[Na+]")}
