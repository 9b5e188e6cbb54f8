"""Each published layout, on a small fixture written here in that layout: items, prompts, scoring,
and the one-line error naming what a wrong file lacks."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from evals.registry import load_suite
from evals.scorers import score_item
from evals.suite import CaptionRule, LettersRule, MoleculeRule, NumericRule, SuiteError

ETHANOL_KEY = "LFQSCWFLJHTTHZ-UHFFFAOYSA-N"


def _csv(path: Path, rows: list[dict[str, str]], delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


# ---------------------------------------------------------------- ChemBench (lamalab) task JSON


@pytest.fixture
def lamalab(tmp_path: Path) -> Path:
    topic = tmp_path / "organic_chemistry"
    topic.mkdir()
    mcq = {"name": "functional_groups", "preferred_score": "multiple_choice_grade",
           "examples": [{"input": "Which groups does [START_SMILES]OCC(=O)O[END_SMILES] contain?",
                         "target_scores": {"hydroxyl": 1, "carboxylic acid": 1, "amine": 0, "nitrile": 0, "thiol": 0}}]}
    numeric = {"name": "molar_mass", "preferred_score": "mae",
               "examples": [{"input": "What is the molar mass of water in g/mol?", "target": "18.015"}]}
    (topic / "functional_groups.json").write_text(json.dumps(mcq))
    (tmp_path / "physical_chemistry").mkdir()
    (tmp_path / "physical_chemistry" / "molar_mass.json").write_text(json.dumps(numeric))
    return tmp_path


def test_lamalab_tasks_keep_every_option_and_strip_the_smiles_markup(lamalab: Path) -> None:
    suite = load_suite("chembench-lamalab", lamalab)
    mcq, numeric = suite.items
    assert (mcq.task, numeric.task) == ("organic_chemistry", "physical_chemistry")
    assert "OCC(=O)O contain?" in mcq.question and "[START_SMILES]" not in mcq.question
    assert "E. thiol" in mcq.question and "[ANSWER]" in mcq.question
    rule = mcq.rules[0]
    assert isinstance(rule, LettersRule) and rule.answers == ["A", "B"] and rule.options == 5
    number = numeric.rules[0]
    assert isinstance(number, NumericRule) and number.tolerance == pytest.approx(0.18015)


def test_lamalab_scoring_wants_the_exact_set_of_letters_and_a_number_within_one_percent(lamalab: Path) -> None:
    mcq, numeric = load_suite("chembench-lamalab", lamalab).items
    assert score_item(mcq, "[ANSWER]A, B[/ANSWER]").passed
    assert score_item(mcq, "[ANSWER]B,A[/ANSWER]").passed
    assert not score_item(mcq, "[ANSWER]A[/ANSWER]").passed  # no partial credit
    assert not score_item(mcq, "[ANSWER]A, B, C[/ANSWER]").passed
    assert not score_item(mcq, "I am not sure.").parsed
    assert score_item(numeric, "Water: [ANSWER]18.0[/ANSWER]").passed
    assert not score_item(numeric, "[ANSWER]18.3[/ANSWER]").passed
    assert score_item(numeric, "about 18 g/mol").passed  # untagged: the first number stands in for LLM extraction
    assert not score_item(numeric, "I cannot tell.").parsed


def test_lamalab_file_without_a_target_names_the_missing_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "bad", "examples": [{"input": "How many?"}]}))
    with pytest.raises(SuiteError, match="missing key 'target_scores' or 'target'"):
        load_suite("chembench-lamalab", bad)
    bad.write_text(json.dumps({"name": "bad", "tasks": []}))
    with pytest.raises(SuiteError, match="missing key 'examples'"):
        load_suite("chembench-lamalab", bad)
    with pytest.raises(SuiteError, match="zero-shot"):
        load_suite("chembench-lamalab", bad, shots=2)


# ---------------------------------------------------------------- MMLU


def test_mmlu_headerless_csv_with_few_shot_from_dev(tmp_path: Path) -> None:
    (tmp_path / "test").mkdir()
    (tmp_path / "dev").mkdir()
    (tmp_path / "test" / "college_chemistry_test.csv").write_text(
        '"Which gas is a noble gas?",Nitrogen,Argon,Oxygen,Chlorine,B\n"pH of pure water at 25 °C?",1,7,10,14,B\n')
    (tmp_path / "dev" / "college_chemistry_dev.csv").write_text("What is the symbol of sodium?,S,So,Na,N,C\n")
    suite = load_suite("mmlu", tmp_path, shots=1)
    first = suite.items[0]
    assert first.task == "college_chemistry"
    assert first.question.startswith("The following are multiple choice questions (with answers) about college chemistry.")
    assert "What is the symbol of sodium?\nA. S\n" in first.question and "Answer: C\n\n" in first.question
    assert first.question.endswith("\n\nWhich gas is a noble gas?\nA. Nitrogen\nB. Argon\nC. Oxygen\nD. Chlorine\nAnswer:")
    assert score_item(first, "B").passed and not score_item(first, "The answer is C").passed


def test_mmlu_jsonl_and_its_errors(tmp_path: Path) -> None:
    rows = [{"question": "Which is an alkane?", "A": "ethene", "B": "ethyne", "C": "ethane", "D": "benzene", "answer": "C"}]
    path = tmp_path / "organic_test.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    assert load_suite("mmlu", path).items[0].rules[0].answer == "C"
    with pytest.raises(SuiteError, match="no dev file"):
        load_suite("mmlu", path, shots=2)
    path.write_text(json.dumps({"question": "q", "A": "a", "B": "b", "C": "c", "answer": "A"}))
    with pytest.raises(SuiteError, match="missing column 'D'"):
        load_suite("mmlu", path)


# ---------------------------------------------------------------- ChemLLMBench CSVs


def test_chemllmbench_names_make_four_tasks_per_row(tmp_path: Path) -> None:
    path = _csv(tmp_path / "llm_test.csv", [
        {"CID": "702", "smiles": "CCO", "iupac": "ethanol", "formula": "C2H6O", "mol_length": "3", "label": "test"},
        {"CID": "1", "smiles": "C1CC", "iupac": "broken", "formula": "C3H6", "mol_length": "4", "label": "test"},
    ])
    suite = load_suite("chemllmbench-names", path)
    assert sorted(i.task for i in suite.items) == ["iupac_to_formula", "iupac_to_smiles", "smiles_to_formula", "smiles_to_iupac"]
    assert "1 rows skipped" in suite.source
    by_task = {i.task: i for i in suite.items}
    assert by_task["iupac_to_smiles"].question == "What is the SMILES of ethanol?"
    assert score_item(by_task["iupac_to_smiles"], "SMILES: OCC").passed
    assert score_item(by_task["smiles_to_formula"], "Formula: C2H6O").passed
    assert not score_item(by_task["iupac_to_formula"], "Formula: C2H4O").passed
    assert by_task["smiles_to_iupac"].rules[0].inchikey == ETHANOL_KEY


def test_chemllmbench_reaction_and_retro_are_scored_by_the_whole_molecule_set(tmp_path: Path) -> None:
    forward = _csv(tmp_path / "uspto_test.csv", [{"reactant": "CCO.CC(=O)O", "product": "CCOC(C)=O"}])
    item = load_suite("chemllmbench-reaction", forward).items[0]
    assert "CCO.CC(=O)O" in item.question
    assert score_item(item, "Product: O=C(C)OCC").passed
    assert not score_item(item, "Product: CCOC").passed
    retro = _csv(tmp_path / "uspto50k_retro_test.csv", [{"products_smiles": "CCOC(C)=O", "reactants_smiles": "CCO.CC(=O)O"}])
    item = load_suite("chemllmbench-retro", retro).items[0]
    assert score_item(item, "Reactants: OC(C)=O.OCC").passed  # order of components does not matter
    assert not score_item(item, "Reactants: CCO").passed
    with pytest.raises(SuiteError, match="missing column 'products_smiles'"):
        load_suite("chemllmbench-retro", forward)


def test_chemllmbench_design_reports_validity_and_fingerprints(tmp_path: Path) -> None:
    path = _csv(tmp_path / "molecule_design_test.csv", [
        {"CID": "702", "SMILES": "CCO", "description": "The molecule is a primary alcohol with two carbons."}])
    item = load_suite("chemllmbench-design", path).items[0]
    assert isinstance(item.rules[0], MoleculeRule)
    near = score_item(item, "SMILES: CCCO").verdicts[0]
    assert near.passed is False and near.metrics["valid"] == 1.0
    assert 0 < near.metrics["morgan"] < 1 and 0 < near.metrics["maccs"] < 1
    exact = score_item(item, "SMILES: OCC").verdicts[0]
    assert exact.passed and exact.metrics["morgan"] == 1.0
    assert score_item(item, "no idea").verdicts[0].metrics["valid"] == 0.0


def test_chemllmbench_property_sets_read_their_label_column(tmp_path: Path) -> None:
    path = _csv(tmp_path / "BBBP_test.csv", [
        {"num": "1", "name": "propanolol", "p_np": "1", "smiles": "CC(C)NCC(O)COc1cccc2ccccc12"},
        {"num": "2", "name": "x", "p_np": "0", "smiles": "OC(=O)CC(O)(CC(O)=O)C(O)=O"}])
    suite = load_suite("chemllmbench-property", path)
    assert [i.task for i in suite.items] == ["BBBP", "BBBP"]
    assert "blood-brain barrier" in suite.items[0].question
    assert score_item(suite.items[0], "Yes").passed and score_item(suite.items[1], "Answer: No").passed
    other = _csv(tmp_path / "other.csv", [{"smiles": "CCO", "logp": "0.1"}])
    with pytest.raises(SuiteError, match="missing a MoleculeNet label column"):
        load_suite("chemllmbench-property", other)


# ---------------------------------------------------------------- ChEBI-20 and captioning scores


def test_chebi20_tsv_captions_are_graded_not_judged(tmp_path: Path) -> None:
    path = _csv(tmp_path / "test.txt", [
        {"CID": "702", "SMILES": "CCO", "description": "The molecule is a primary alcohol that is ethane substituted by a hydroxy group."}],
        delimiter="\t")
    item = load_suite("chebi20-captioning", path).items[0]
    assert isinstance(item.rules[0], CaptionRule) and item.question == "Describe the molecule with SMILES CCO."
    score = score_item(item, "Name: ethanol\nAnswer: The molecule is a primary alcohol, ethane with a hydroxy group.")
    assert score.passed is None
    metrics = score.verdicts[0].metrics
    assert 0.5 < metrics["rouge1"] <= 1 and 0 < metrics["rouge2"] < metrics["rouge1"]
    assert "Answer:" not in score.verdicts[0].found
    design = load_suite("chebi20-design", path).items[0]
    assert score_item(design, "CCO").passed
    with pytest.raises(SuiteError, match="missing column 'CID'"):
        load_suite("chebi20-design", _csv(tmp_path / "x.tsv", [{"SMILES": "C", "description": "methane"}], delimiter="\t"))


# ---------------------------------------------------------------- USPTO


def test_uspto_lines_with_atom_maps_and_reagents(tmp_path: Path) -> None:
    path = tmp_path / "test.rsmi"
    path.write_text("[CH3:1][CH2:2][OH:3].[CH3:4][C:5](=[O:6])[OH:7]>O=S(=O)(O)O>[CH3:4][C:5](=[O:6])[O:3][CH2:2][CH3:1] 1\n")
    forward = load_suite("uspto-forward", path).items[0]
    assert ":1]" not in forward.question and "O=S(=O)(O)O" in forward.question
    assert score_item(forward, "Product: CCOC(C)=O").passed
    retro = load_suite("uspto-retro", path).items[0]
    assert "O=S(=O)(O)O" not in retro.rules[0].smiles
    assert score_item(retro, "CC(=O)O.CCO").passed
    path.write_text("CCO.CC(=O)O>>CCOC(C)=O\nthis is not a reaction\n")
    with pytest.raises(SuiteError, match="line 2: not a reaction SMILES"):
        load_suite("uspto-forward", path)
    table = _csv(tmp_path / "uspto50k.csv", [{"id": "1", "class": "2", "reactants>reagents>production": "CCO.CC(=O)O>>CCOC(C)=O"}])
    assert load_suite("uspto-retro", table).items[0].rules[0].smiles == "CC(=O)O.CCO"
    with pytest.raises(SuiteError, match="missing a reaction column"):
        load_suite("uspto-retro", _csv(tmp_path / "other.csv", [{"id": "1", "smiles": "CCO"}]))
