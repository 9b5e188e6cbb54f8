from __future__ import annotations

import time

import pytest

from assistants.chem.entities import extract_entities, looks_like_formula, valid_cas
from assistants.chem.store import CompoundStore


def entities(text: str, store: CompoundStore) -> dict[str, list]:
    return {k: v for k, v in extract_entities(text, store).model_dump().items() if v}


def test_co_is_a_formula_and_co_is_a_word(store: CompoundStore) -> None:
    assert entities("Is CO toxic?", store) == {"formulas": ["CO"]}
    assert entities("Co is a metal", store) == {}
    assert entities("SMILES: CO", store) == {"smiles": ["CO"]}


def test_i_is_iodine_only_when_marked(store: CompoundStore) -> None:
    assert entities("I think I like chemistry", store) == {}
    assert entities("What is the name of `I`?", store) == {"smiles": ["I"]}


def test_a_backticked_smiles_ending_a_sentence_is_read(store: CompoundStore) -> None:
    smiles = "O=[N+]([O-])c1ccc(Cl)c([N+](=O)[O-])c1"
    assert entities(f"Please verify the structure string `{smiles}`.", store) == {"smiles": [smiles]}


def test_a_token_marked_or_asked_as_smiles_with_a_foreign_letter_is_an_invalid_smiles(store: CompoundStore) -> None:
    assert entities("Can RDKit read the SMILES `C=CX(C)C(C)C`?", store) == {"invalid_smiles": ["C=CX(C)C(C)C"]}
    assert entities("Is C=CX(C)C(C)C valid SMILES?", store) == {"invalid_smiles": ["C=CX(C)C(C)C"]}
    assert entities("Is C=CX(C)C(C)C a good idea?", store) == {}


def test_ordinary_uppercase_words_are_not_molecules(store: CompoundStore) -> None:
    assert entities("NO, I do not know. OK?", store) == {}
    assert entities("Please check this for me", store) == {}


def test_an_element_in_a_counting_or_bonding_term_is_no_compound(store: CompoundStore) -> None:
    assert entities("How many hydrogen bond donors does glucose have?", store)["names"] == ["glucose"]
    assert entities("How many carbon atoms are in benzene?", store)["names"] == ["benzene"]
    assert entities("Is ethanol hydrogen-bonding?", store)["names"] == ["ethanol"]
    assert entities("What is the boiling point of hydrogen?", store)["names"] == ["hydrogen"]


def test_smiles_names_cas_formulas_together(store: CompoundStore) -> None:
    found = entities("Compare CCO, c1ccccc1, acetone, CAS 50-78-2 and C6H12O6", store)
    assert found["smiles"] == ["CCO", "c1ccccc1"]
    assert found["names"] == ["acetone"]
    assert found["cas"] == ["50-78-2"]
    assert found["formulas"] == ["C6H12O6"]


def test_names_in_slots_and_prose(store: CompoundStore) -> None:
    assert entities("What is the SMILES of 2-methylpropan-1-ol?", store)["names"] == ["2-methylpropan-1-ol"]
    assert entities("What is the boiling point of ethanol and acetone?", store)["names"] == ["ethanol", "acetone"]
    assert entities("Explain why ethanol boils higher than dimethyl ether", store)["names"] == ["ethanol", "dimethyl ether"]
    assert entities("What is the SMILES of asprine?", store)["names"] == ["asprine"]


def test_generic_words_with_junk_synonyms_are_ignored(store: CompoundStore) -> None:
    # "is", "for", "check", "stop" and "metal" are synonyms of real compounds in the store
    assert entities("What is an ester? Stop and check the metal for me.", store) == {}


def test_invalid_smiles_and_reactions(store: CompoundStore) -> None:
    assert entities("Is C1CC valid?", store) == {"invalid_smiles": ["C1CC"]}
    reaction = extract_entities("CCO.CC(=O)O>>CCOC(C)=O.O", store).reactions[0]
    assert reaction.reactants == ["CCO", "CC(=O)O"] and reaction.products == ["CCOC(C)=O", "O"]


def test_charged_isotope_stereo_mixture_smiles(store: CompoundStore) -> None:
    text = "Describe [NH4+], [13CH4], C[C@H](N)C(=O)O and CC(=O)[O-].[Na+]"
    assert entities(text, store)["smiles"] == ["[NH4+]", "[13CH4]", "C[C@H](N)C(=O)O", "CC(=O)[O-].[Na+]"]


def test_formula_and_cas_shapes() -> None:
    assert looks_like_formula("H2O") and looks_like_formula("NaCl") and looks_like_formula("Ca(OH)2")
    assert not looks_like_formula("CCO") and not looks_like_formula("C1CC") and not looks_like_formula("NO")
    assert valid_cas("64-17-5") and not valid_cas("64-17-6")


@pytest.mark.timeout(30)
def test_a_50kb_message_is_handled_quickly(store: CompoundStore) -> None:
    text = ("The boiling point of ethanol is interesting and so is benzene. " * 800)[:50_000]
    started = time.perf_counter()
    found = extract_entities(text, store)
    assert time.perf_counter() - started < 5
    assert found.names[:2] == ["ethanol", "benzene"]


def test_an_unparsable_token_in_a_name_slot_is_reported_once(store: CompoundStore) -> None:
    assert entities("What is the SMILES of (((((((?", store) == {"invalid_smiles": ["((((((("]}


def test_a_name_followed_by_plain_words_in_its_slot_is_found(store: CompoundStore) -> None:
    found = entities("Is the molecular weight of caffeine greater than that of aspirin?", store)
    assert sorted(found["names"]) == ["aspirin", "caffeine"] and "invalid_smiles" not in found


def test_a_fragment_never_answers_for_a_broken_systematic_name(store: CompoundStore) -> None:
    found = entities("What is the SMILES of 2-[4-(2-methylpropyl)phenyl propanoic acid?", store)
    assert found["names"] == ["2-[4-(2-methylpropyl)phenyl propanoic acid"]


def test_a_dash_after_the_word_smiles_is_not_smiles(store: CompoundStore) -> None:
    found = entities("Convert these to SMILES - acetic acid, ethyl acetate, acetone.", store)
    assert found["names"] == ["acetic acid", "ethyl acetate", "acetone"] and "invalid_smiles" not in found


def test_an_equation_with_coefficients_is_not_joined_into_a_reaction_smiles() -> None:
    from assistants.chem.entities import joined_arrows

    assert joined_arrows("What is the enthalpy change for CH4 + 2 O2 -> CO2 + 2 H2O?").endswith("CH4 + 2 O2 -> CO2 + 2 H2O?")
    assert joined_arrows("CCO + CC(=O)O -> ?") == "CCO.CC(=O)O>>?"


@pytest.mark.parametrize("tail", ["..", "...", "."])
def test_a_smiles_ending_in_dots_before_more_words_is_read(tail: str, store: CompoundStore) -> None:
    smiles = "Nc1ccc(Oc2ccc(I)cc2)cc1"
    assert entities(f"a route to {smiles}{tail} what would u combine?", store)["smiles"] == [smiles]


def test_a_formula_after_the_following_molecule_is_a_formula(store: CompoundStore) -> None:
    assert entities("Determine the oxidation state of each element in the following molecule: KMnO4", store) == {"formulas": ["KMnO4"]}
    assert entities("Is the SMILES C=CX(C)C valid?", store)["invalid_smiles"] == ["C=CX(C)C"]
