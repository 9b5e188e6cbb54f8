"""Name → structure and structure → name with the real store, OPSIN (Java) and a refused PubChem."""

from __future__ import annotations

import pytest

from assistants.chem import pubchem
from assistants.chem.opsin import opsin_smiles
from assistants.chem.resolve import MoleculeRecord, Unresolved, resolve_cas, resolve_names, resolve_smiles, structure_to_name
from assistants.chem.store import CompoundStore

NOVEL = "1-(4-fluorophenyl)-3-(pyridin-3-yl)propan-1-one"


def test_store_first_then_opsin_in_one_batch(store: CompoundStore) -> None:
    assert store.by_name(NOVEL) is None
    ethanol, novel, unknown = resolve_names(["Ethanol", NOVEL, "zorbaquinate"], store)
    assert isinstance(ethanol, MoleculeRecord) and ethanol.source == "store" and ethanol.name == "ethanol"
    assert isinstance(novel, MoleculeRecord) and novel.source == "opsin"
    assert novel.name == "1-(4-fluorophenyl)-3-(pyridin-3-yl)propan-1-one"  # named, and read back by OPSIN
    assert novel.formula == "C14H12FNO"
    assert isinstance(unknown, Unresolved) and "not in the compound store" in unknown.message


def test_opsin_keeps_the_users_casing_and_one_name_per_line() -> None:
    upper, lower = opsin_smiles(["N,N-diethylethanamine", "n,n-diethylethanamine"])
    assert upper == "C(C)N(CC)CC" and lower is None
    assert len(opsin_smiles(["ethanol\nmethanol"])) == 1


def test_pubchem_offline_is_a_clear_fast_message(store: CompoundStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pubchem, "PUG_URL", "http://127.0.0.1:9/rest/pug/compound/name/{name}/property/SMILES/JSON")
    with pytest.raises(pubchem.PubChemUnavailable, match="unreachable"):
        pubchem.pubchem_smiles("ethanol", timeout_s=2)
    (result,) = resolve_names(["zorbaquinate"], store, use_opsin=False, online=True)
    assert isinstance(result, Unresolved) and "PubChem is unreachable" in result.message


def test_smiles_and_cas_resolution(store: CompoundStore) -> None:
    record = resolve_smiles("OCC", store)
    assert isinstance(record, MoleculeRecord) and record.cas == "64-17-5" and record.store_match == "exact"
    assert any(p.key == "boiling_point" for p in record.properties)
    bad = resolve_smiles("C1CC", store)
    assert isinstance(bad, Unresolved) and bad.problem == "unclosed_ring"
    assert isinstance(resolve_cas("50-78-2", store), MoleculeRecord)
    assert isinstance(resolve_cas("1234-56-6", store), Unresolved)


def test_structure_to_name_gives_only_names_read_back(store: CompoundStore) -> None:
    known = structure_to_name("CC(=O)Oc1ccccc1C(=O)O", store)
    assert known.in_store and known.iupac_name == "2-(acetyloxy)benzoic acid" and known.common_name == "aspirin"
    assert "2-acetyloxybenzoic acid" in known.synonyms  # the store's own name stays a synonym
    novel = structure_to_name("CCCCCCCCCCCCCCCCCCCCCC(O)CCCCCCCCCCCCCCCCCCN", store)
    assert not novel.in_store and novel.iupac_name == "1-aminotetracontan-19-ol"
    assert "not in the compound store; OPSIN reads this name back" in novel.message
    labelled = structure_to_name("[13CH4]", store)  # the namer drops the label: no name is given
    assert not labelled.in_store and labelled.iupac_name is None and "same connectivity" in labelled.message
    assert "the namer's 'methane' does not read back to this structure" in labelled.message
