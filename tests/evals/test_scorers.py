"""Each rule kind on hand-made answers: right, wrong, and unparsable."""

from __future__ import annotations

import pytest

from assistants.market.answers import JUDGMENTS, SIDES, last_label
from evals.generate import VALIDITY
from evals.scorers import extract_choice, name_candidates, score_item, score_rule
from evals.suite import ChoiceRule, ClaimsRule, FormulaRule, Item, LabelRule, NumericRule, StructureRule

ETHANOL = "LFQSCWFLJHTTHZ-UHFFFAOYSA-N"


@pytest.mark.parametrize(
    ("answer", "passed", "parsed"),
    [
        ("SMILES: CCO\nAnswer: ethanol.", True, True),
        ("Ethanol is C(O)C.", True, True),  # another SMILES of the same molecule
        ("SMILES: CCC", False, True),
        ("I am not sure what ethanol looks like.", False, False),
    ],
)
def test_structure_by_smiles(answer: str, passed: bool, parsed: bool) -> None:
    verdict = score_rule(StructureRule(inchikey=ETHANOL), answer)
    assert (verdict.passed, verdict.parsed) == (passed, parsed)


@pytest.mark.parametrize(
    ("answer", "passed", "parsed"),
    [
        ("Name: ethanol\nFormula: C2H6O", True, True),
        ("The compound with SMILES CCO is ethyl alcohol.", True, True),
        ("The compound is methanol.", False, True),
        ("Zorblax frimp quandle.", False, False),
    ],
)
def test_structure_by_name(answer: str, passed: bool, parsed: bool) -> None:
    verdict = score_rule(StructureRule(inchikey=ETHANOL, via="name"), answer)
    assert (verdict.passed, verdict.parsed) == (passed, parsed), verdict


def test_a_reference_without_stereo_accepts_either_stereo_but_not_another_molecule() -> None:
    alanine = "QNAYBMKLOCPYGJ-UHFFFAOYSA-N"  # written without stereo, as many published SMILES are
    rule = StructureRule(inchikey=alanine)
    assert score_rule(rule, "SMILES: C[C@H](N)C(=O)O").passed
    assert score_rule(rule, "SMILES: CC(N)C(=O)O").passed
    assert not score_rule(rule, "SMILES: NCCC(=O)O").passed  # beta-alanine: other connectivity
    assert not score_rule(StructureRule(inchikey="QNAYBMKLOCPYGJ-REOHCLBHSA-N"), "SMILES: C[C@@H](N)C(=O)O").passed


def test_skeleton_match_ignores_stereo() -> None:
    l_alanine = "QNAYBMKLOCPYGJ-REOHCLBHSA-N"
    rule = StructureRule(inchikey=l_alanine, skeleton=True)
    assert score_rule(rule, "SMILES: CC(N)C(=O)O").passed
    assert not score_rule(StructureRule(inchikey=l_alanine), "SMILES: CC(N)C(=O)O").passed


def test_name_candidates_prefer_labels() -> None:
    assert name_candidates("Name: propan-2-ol\nAnswer: it is rubbing alcohol.")[0] == "propan-2-ol"
    assert name_candidates("The compound is known as a 1,2-butadiene.") == ["1,2-butadiene"]


@pytest.mark.parametrize(
    ("answer", "passed", "parsed"),
    [("Formula: C2H6O", True, True), ("Its formula is C2H5OH.", True, True), ("Formula: CH4O", False, True),
     ("It is a liquid.", False, False)],
)
def test_formula(answer: str, passed: bool, parsed: bool) -> None:
    verdict = score_rule(FormulaRule(formula="C2H6O"), answer)
    assert (verdict.passed, verdict.parsed) == (passed, parsed)


@pytest.mark.parametrize(
    ("answer", "passed", "parsed"),
    [
        ("Formula: C2H6O\nMolecular weight: 46.07 g/mol", True, True),
        ("The molar mass is 46.1 g/mol.", True, True),
        ("Molecular weight: 58.12 g/mol", False, True),
        ("It is heavy.", False, False),
    ],
)
def test_numeric_mass(answer: str, passed: bool, parsed: bool) -> None:
    rule = NumericRule(value=46.069, tolerance=0.1, label=r"weight|mass", unit="g/mol")
    verdict = score_rule(rule, answer)
    assert (verdict.passed, verdict.parsed) == (passed, parsed)


@pytest.mark.parametrize(
    ("answer", "passed", "parsed"),
    [("Boiling point: 351.4 K", True, True), ("Ethanol boils at 78.3 °C.", True, True),
     ("The boiling point is 100 °C.", False, True), ("It boils when heated.", False, False)],
)
def test_numeric_temperature_converts_units(answer: str, passed: bool, parsed: bool) -> None:
    verdict = score_rule(NumericRule(value=351.44, tolerance=2.0, label="boil", unit="K"), answer)
    assert (verdict.passed, verdict.parsed) == (passed, parsed)


def test_numeric_without_label_reads_the_answer_part() -> None:
    rule = NumericRule(value=42)
    assert score_rule(rule, "Let me think: 12 and 30.\nAnswer: 42").passed
    assert not score_rule(rule, "12 + 30 = 41").passed


@pytest.mark.parametrize(
    ("answer", "found"),
    [
        ("Valid: no\nAnswer: the SMILES is not valid: a ring is never closed.", "invalid"),
        ("Yes, it is a valid SMILES.", "valid"),
        ("The string is invalid.", "invalid"),
        ("It has carbon atoms.", None),
    ],
)
def test_last_label_respects_longer_phrases(answer: str, found: str | None) -> None:
    assert last_label(answer, VALIDITY) == found


def test_label_rules_on_a_breakout_answer() -> None:
    answer = "Sellers were stronger below the level.\nAnswer: false breakout"
    assert score_rule(LabelRule(field="breakout", value="false", choices=JUDGMENTS), answer).passed
    assert score_rule(LabelRule(field="side", value="seller", choices=SIDES), answer).passed
    assert not score_rule(LabelRule(field="side", value="buyer", choices=SIDES), answer).passed


def test_label_rule_rejects_unknown_value() -> None:
    with pytest.raises(ValueError):
        LabelRule(value="maybe", choices=JUDGMENTS)


def test_claims_required_and_forbidden() -> None:
    rule = ClaimsRule(required=[r"\bParis\b"], forbidden=[r"\bLyon\b"])
    assert score_rule(rule, "The capital is Paris.").passed
    wrong = score_rule(rule, "The capital is Lyon.")
    assert not wrong.passed and "missing" in wrong.detail and "forbidden" in wrong.detail


@pytest.mark.parametrize(
    ("answer", "letter"),
    [("B", "B"), ("The answer is C.", "C"), ("Answer: (d)", None), ("A. methane", "A"), ("(B) because", "B"),
     ("I cannot tell.", None), ("The answer is a compound; option D fits.", "D")],
)
def test_extract_choice(answer: str, letter: str | None) -> None:
    assert extract_choice(answer) == letter


def test_item_passes_only_when_every_rule_passes() -> None:
    item = Item(id="x", task="properties", question="?", rules=[
        FormulaRule(formula="C2H6O"), NumericRule(value=46.07, tolerance=0.1, label="weight"), ChoiceRule(answer="A")])
    score = score_item(item, "Formula: C2H6O\nMolecular weight: 46.07 g/mol")
    assert not score.passed
    assert score.score == pytest.approx(2 / 3)
    assert not score.parsed


def test_ranked_reads_the_text_first_then_the_offered_candidates() -> None:
    from evals.suite import RankedRule

    rule = RankedRule(smiles="CCNC(C)=O")
    claimed = score_rule(rule, "Product: CCNC(C)=O\nAnswer: the amide.", ["CCN(C)C(C)=O"])
    assert claimed.found["rank"] == 1 and claimed.metrics["top1"] == 1.0 and claimed.passed is None
    later = score_rule(rule, "Product: CCN(C)C(C)=O", ["CN(CC)C(C)=O", "CC(=O)NCC", "O", "CO", "CCO", "CCCO"])
    assert later.found["rank"] == 2  # the claim once (the first offer is the same molecule), then the tool's list
    assert (later.metrics["top1"], later.metrics["top5"], later.metrics["top10"]) == (0.0, 1.0, 1.0)
    sets = score_rule(RankedRule(smiles="CCN.CC(=O)Cl"), "Reactants: CC(=O)Cl.CCN", [])
    assert sets.found["rank"] == 1  # a reactant set matches in any order
    missing = score_rule(rule, "I cannot tell.", [])
    assert (missing.parsed, missing.found["rank"], missing.metrics["top10"]) == (False, None, 0.0)


def test_ranked_rules_are_graded_beside_the_judged_ones() -> None:
    from evals.suite import RankedRule

    item = Item(id="r", task="reaction", question="?", rules=[StructureRule(inchikey="PMDCZENCAXMSOU-UHFFFAOYSA-N"),
                                                              RankedRule(smiles="CC(=O)NCC")])
    wrong_first = score_item(item, "Product: CCO", ["CC(=O)NCC"])
    assert wrong_first.passed is False and wrong_first.verdicts[1].metrics["top5"] == 1.0


def test_a_judged_ranked_rule_passes_on_top_1_and_never_counts_the_question_s_molecules() -> None:
    from evals.suite import RankedRule

    item = Item(id="r", task="reaction", question="How can I make CCNC(C)=O? Suggest the reactants.",
                rules=[RankedRule(smiles="CC(=O)Cl.CCN", judged=True)])
    answer = "Reactants: CC(=O)Cl.CCN\nAnswer: CCNC(C)=O can be made in one step from CC(=O)Cl.CCN."
    right = score_item(item, answer, ["CC(=O)Cl.CCN", "CC(=O)O.CCN"])
    assert right.passed is True and right.verdicts[0].found["candidates"] == ["CC(=O)Cl.CCN", "CC(=O)O.CCN"]
    wrong = score_item(item, "Reactants: CC(=O)O.CCN", ["CC(=O)Cl.CCN"])
    assert wrong.passed is False and wrong.verdicts[0].metrics["top5"] == 1.0
