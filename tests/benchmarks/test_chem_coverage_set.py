"""The coverage benchmark's set is large, split by wording, its hand keys hold, and its scorer reads reply text."""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter
from math import gcd
from pathlib import Path

import pytest

from benchmarks import chem_coverage, understanding
from benchmarks.chem_coverage import (
    BUILDERS, QUESTIONS, Balanced, CoverageExpected, CoverageItem, NumberSpec, build_items, compound, contradicts,
    counts_of, equation_reading, judge, load_entities, missing, verdict_of,
)
from benchmarks.understanding import Family, assign_splits, heldout_in_training, load_families, source_problems, split_problems
from stages.pipeline import without_check_notes
from stages.reply import Reply, Status

FAMILY_IDS = {
    "flash_point", "flammable", "autoignition", "flammability_limits", "exposure_limit", "carcinogen",
    "dipole_moment", "polarity_compare", "enthalpy_formation", "grams_moles", "mass_percent", "empirical_formula",
    "balance_equation", "combustion_oxygen", "oxidation_state", "atom_count", "ring_count", "stereocentres",
    "stereoisomers", "chiral", "lipinski", "ideal_gas", "ph", "solution",
}
FROM_TABLES = {"flash_point", "flammable", "autoignition", "flammability_limits", "exposure_limit", "carcinogen",
               "dipole_moment", "polarity_compare", "enthalpy_formation"}

FAMILIES = load_families(QUESTIONS)
started = time.perf_counter()
ITEMS = build_items(FAMILIES)
BUILD_SECONDS = time.perf_counter() - started
ENTITIES = load_entities()


def test_the_set_is_large_and_has_the_fixed_families() -> None:
    assert len(ITEMS) >= 300
    assert {f.id for f in FAMILIES} == set(BUILDERS) == FAMILY_IDS
    assert {f.assistant for f in FAMILIES} == {"chem"}
    assert {f.id for f in FAMILIES if f.params.get("from_tables")} == FROM_TABLES
    assert all(i.from_tables == (i.family in FROM_TABLES) for i in ITEMS)
    assert BUILD_SECONDS < 10, f"the set took {BUILD_SECONDS:.1f} s to build"


@pytest.mark.parametrize("family", FAMILIES, ids=[f.id for f in FAMILIES])
def test_every_family_has_wordings_held_out_whole_and_enough_items(family: Family) -> None:
    assert len(family.wordings) >= 4
    assert split_problems(family) == []
    assigned = assign_splits(family)
    items = [i for i in ITEMS if i.family == family.id]
    assert len(items) >= 12
    for item in items:
        assert item.split == assigned.get(item.wording, "fresh"), "an item of a held-out wording is in dev (or the reverse)"


@pytest.mark.parametrize("family", FAMILIES, ids=[f.id for f in FAMILIES])
def test_every_wording_has_a_source(family: Family) -> None:
    assert source_problems(family) == []


def _checkable(expected: CoverageExpected) -> bool:
    return any([expected.numbers, expected.formula, expected.leads, expected.verdict, expected.equation])


@pytest.mark.parametrize("item", ITEMS, ids=[i.id for i in ITEMS])
def test_every_item_is_filled_and_its_answer_well_formed(item: CoverageItem) -> None:
    expected = item.expected
    assert _checkable(expected)
    assert not re.search(r"\{[a-z_]+\}", item.question), "a placeholder was left unfilled (\\ce{KMnO4} is none)"
    assert all(math.isfinite(n.value) and n.tol > 0 for n in expected.numbers)
    assert (expected.verdict is None) == (expected.verdict_kind is None)


# ------------------------------------------------------------------------------------------------ the keys


@pytest.mark.parametrize("name", sorted(ENTITIES["compounds"]))
def test_every_compound_formula_matches_its_smiles(name: str) -> None:
    from rdkit import Chem
    from rdkit.Chem import rdMolDescriptors

    c = compound(name)
    written = rdMolDescriptors.CalcMolFormula(Chem.MolFromSmiles(c.smiles))
    assert counts_of(re.sub(r"[+-]\d*$", "", written)) == counts_of(c.formula)


def test_every_cas_number_is_the_one_chemicals_gives_for_the_name() -> None:
    from chemicals.identifiers import CAS_from_any

    with_cas = {n: c["cas"] for n, c in ENTITIES["compounds"].items() if "cas" in c}
    assert with_cas and {n: CAS_from_any(n) for n in with_cas} == with_cas


def test_the_flammable_keys_and_the_table_agree() -> None:
    gases, never = set(ENTITIES["flammable_gases"]), set(ENTITIES["not_flammable"])
    assert not gases & never
    verdicts = {i.entity: (i.expected.verdict, i.expected.computable) for i in ITEMS if i.family == "flammable"}
    assert verdicts["water"] == ("no", False) and verdicts["propane"] == ("yes", False)
    assert verdicts["acetone"] == ("yes", True)
    assert {"yes", "no"} <= {v for v, _ in verdicts.values()}


def test_the_carcinogen_items_name_a_group_and_mix_yes_and_no() -> None:
    items = [i for i in ITEMS if i.family == "carcinogen"]
    assert {i.expected.iarc_group for i in items} <= {"1", "2A", "2B", "3"}
    assert all((i.expected.verdict == "yes") == (i.expected.iarc_group != "3") for i in items)
    assert {i.expected.verdict for i in items} == {"yes", "no"}


@pytest.mark.parametrize("key", ENTITIES["balance_equation"])
def test_every_balanced_equation_key_balances_in_lowest_terms(key: str) -> None:
    balanced = Balanced.parse(key)

    def atoms(terms: list) -> Counter[str]:
        total: Counter[str] = Counter()
        for t in terms:
            total.update({e: n * t.coefficient for e, n in counts_of(t.formula).items()})
        return total

    assert atoms(balanced.reactants) == atoms(balanced.products)
    assert gcd(*balanced.coefficients) == 1


@pytest.mark.parametrize("problem", ENTITIES["empirical_formula"], ids=lambda p: p["name"])
def test_every_empirical_formula_key_is_the_formula_over_its_gcd(problem: dict) -> None:
    counts = counts_of(compound(problem["name"]).formula)
    divisor = gcd(*counts.values())
    assert counts_of(problem["empirical"]) == {e: n // divisor for e, n in counts.items()}
    assert divisor > 1 or problem["kind"] == "composition", "a molecular problem whose answer is its question"


_FIXED_STATES = {"H": 1, "O": -2, "K": 1, "Na": 1}


@pytest.mark.parametrize("key", ENTITIES["oxidation_state"], ids=lambda k: f"{k['element']} in {k['formula']}")
def test_every_oxidation_state_key_balances_the_charge(key: dict) -> None:
    counts = counts_of(key["formula"])
    others = sum(_FIXED_STATES[e] * n for e, n in counts.items() if e != key["element"])
    assert key["state"] * counts[key["element"]] + others == 0


@pytest.mark.parametrize("name", sorted(ENTITIES["stereoisomers"]))
def test_every_stereoisomer_key_fits_the_stereocentres(name: str) -> None:
    centres = chem_coverage.stereocentres_of(compound(name))
    assert 2 <= ENTITIES["stereoisomers"][name] <= 2 ** centres


@pytest.mark.parametrize("name", sorted(ENTITIES["chiral"]))
def test_every_chirality_key_agrees_with_the_stereocentres(name: str) -> None:
    """None of these has a meso form: chiral exactly when it has a stereocentre."""
    assert (ENTITIES["chiral"][name] == "yes") == (chem_coverage.stereocentres_of(compound(name)) > 0)


@pytest.mark.parametrize("name", sorted(ENTITIES["lipinski"]))
def test_every_lipinski_key_is_far_from_the_border(name: str) -> None:
    """Drug-like keys break no rule, the others at least two, with either count of donors and acceptors."""
    from rdkit import Chem
    from rdkit.Chem import Crippen, Descriptors, Lipinski

    mol = Chem.MolFromSmiles(compound(name).smiles)
    mass, logp = Descriptors.MolWt(mol), Crippen.MolLogP(mol)
    for donors, acceptors in ((Lipinski.NumHDonors(mol), Lipinski.NumHAcceptors(mol)),
                              (Lipinski.NHOHCount(mol), Lipinski.NOCount(mol))):
        violations = sum([mass > 500, logp > 5, donors > 5, acceptors > 10])
        assert violations == 0 if ENTITIES["lipinski"][name] == "yes" else violations >= 2


# ------------------------------------------------------------------------------------------------ the scorer


def _expected(**fields: object) -> CoverageExpected:
    return CoverageExpected.model_validate(fields)


def _item(expected: CoverageExpected) -> CoverageItem:
    return CoverageItem(id="t/w/1", family="t", wording="w", split="dev", assistant="chem", source="chat", chat=True,
                        entity="e", question="q?", expected=expected)


FLASH_C = _expected(numbers=[NumberSpec(value=12.0, tol=2.0, unit="C")])


def test_a_right_number_in_the_asked_unit_passes_and_a_wrong_one_is_a_contradiction() -> None:
    right = "Answer: The flash point of ethanol is 12 °C (285.15 K, 54 °F)."
    assert missing(FLASH_C, right, Status.VERIFIED) == [] and not contradicts(FLASH_C, right)
    wrong = "Answer: The flash point of ethanol is 40 °C."
    assert missing(FLASH_C, wrong, Status.VERIFIED) != [] and contradicts(FLASH_C, wrong)
    other_unit = "Answer: The flash point of ethanol is 313 K."
    assert missing(FLASH_C, other_unit, Status.VERIFIED) != [] and not contradicts(FLASH_C, other_unit)
    fahrenheit = _expected(numbers=[NumberSpec(value=53.6, tol=4.0, unit="F")])
    assert missing(fahrenheit, right, Status.VERIFIED) == []
    assert not contradicts(FLASH_C, "Not answered: the flash point (“at 40 °C?”).\n\nFormula: C2H6O")


def test_a_figure_the_question_gives_restated_is_no_contradiction() -> None:
    pressure = _expected(numbers=[NumberSpec(value=4.618, tol=0.05)])
    question = "Suppose that 1.5 mol N2(g) is confined to 8.0 dm^3 at 300.15 K. Predict the pressure. The unit of the answer is atm."
    restated = "1.5 mol N2(g) is confined to 8.0 dm^3 at 300.15 K.\n2. The pressure is 4.618 atm."
    assert not contradicts(pressure, restated, question)
    assert contradicts(pressure, "The pressure is 3.2 atm.", question)
    oxygen = _expected(numbers=[NumberSpec(value=3.0, tol=0.01)])
    assert not contradicts(oxygen, "Burning 1 mol takes 3 mol of O2 (96 g).", "How much O2 do 1 mol of ethanol and 3 mol of methanol take?")


def test_numbers_are_read_through_ranges_words_separators_and_name_locants() -> None:
    lower_limit = _expected(numbers=[NumberSpec(value=4.4, tol=0.1, unit="%")])
    assert missing(lower_limit, "Answer: methane burns in air at 4.4–17 % by volume.", Status.VERIFIED) == []
    assert contradicts(lower_limit, "Answer: methane burns in air at 5.0-15 vol%.")
    isomers = _expected(numbers=[NumberSpec(value=3, tol=0.1, unit="stereoisomers")])
    assert missing(isomers, "Answer: 2,3-dibromobutane has three stereoisomers.", Status.VERIFIED) == []
    assert contradicts(isomers, "Answer: (2R,3S)-2,3-dibromobutane has 4 stereoisomers (2 stereocentres).")
    assert missing(isomers, "[ANSWER]3[/ANSWER]", Status.VERIFIED) == []
    heat = _expected(numbers=[NumberSpec(value=-2226.1, tol=22.3, unit="kJ/mol")])
    assert missing(heat, "Answer: ΔHf = −2,226 kJ/mol.", Status.VERIFIED) == []


def test_the_more_polar_compound_must_lead() -> None:
    polar = _expected(leads=["acetone"], rivals=["hexane"], turned=chem_coverage._LESS_POLAR)
    for text in ("Answer: Acetone is more polar: 2.88 D against 0.00 D for hexane.",
                 "Hexane is less polar than acetone."):
        assert missing(polar, text, Status.VERIFIED) == [] and not contradicts(polar, text)
    assert contradicts(polar, "Answer: Hexane is more polar than acetone.")


METHANE = Balanced.parse("CH4 + 2 O2 -> CO2 + 2 H2O")


@pytest.mark.parametrize("text", ["CH4 + 2O2 → CO2 + 2H2O", "Answer: CH₄ + 2 O₂ ⟶ CO₂ + 2 H₂O",
                                  "\\ce{CH4 + 2O2 -> CO2 + 2H2O}", "CH4(g) + 2 O2(g) = 2 H2O(l) + CO2(g)",
                                  "[1,2,1,2]"])
def test_the_balanced_equation_is_read_in_its_usual_forms(text: str) -> None:
    assert equation_reading(METHANE, text) == (True, True)


def test_an_unbalanced_equation_is_no_answer_and_a_contradiction() -> None:
    expected = _expected(equation=METHANE)
    wrong = "Answer: The balanced equation is CH4 + O2 → CO2 + H2O."
    assert missing(expected, wrong, Status.VERIFIED) == ["no 1 2 1 2 coefficients"]
    assert contradicts(expected, wrong)
    other = "Answer: The balanced equation is 4 Fe + 3 O2 → 2 Fe2O3."
    assert missing(expected, other, Status.VERIFIED) != [] and not contradicts(expected, other)


def test_an_empirical_formula_is_matched_by_element_counts() -> None:
    expected = _expected(formula="CH2O", given_formulas=["C6H12O6"])
    right = "Answer: The empirical formula of glucose (C6H12O6) is CH₂O."
    assert missing(expected, right, Status.VERIFIED) == [] and not contradicts(expected, right)
    assert contradicts(expected, "Answer: The empirical formula of glucose (C6H12O6) is C3H6O3.")


@pytest.mark.parametrize(("text", "kind", "said"), [
    ("Answer: Yes: acetone is flammable; its flash point is -20 °C.", "flammable", "yes"),
    ("No, water is not flammable.", "flammable", "no"),
    ("Water is non-flammable.", "flammable", "no"),
    ("No molecule was identified in the question, so there are no tool facts to answer from.", "flammable", None),
    ("[ANSWER]False[/ANSWER]", "flammable", "no"),
    ("Answer: Caffeine is not classified as a carcinogen (IARC Group 3: not classifiable).", "carcinogen", "no"),
    ("Benzene is carcinogenic to humans (IARC Group 1).", "carcinogen", "yes"),
    ("Glycine is achiral.", "chiral", "no"),
    ("True: 2-butanol is chiral.", "chiral", "yes"),
    ("Prediction: True", "lipinski", "yes"),
    ("Answer: Cyclosporine violates two rules (MW 1202.6, acceptors 12): not drug-like.", "lipinski", "no"),
    ("Aspirin passes Lipinski's rule of five with no violations.", "lipinski", "yes"),
])
def test_yes_and_no_are_read_from_the_answer(text: str, kind: chem_coverage.VerdictKind, said: str | None) -> None:
    assert verdict_of(text, kind) == said


def test_a_carcinogen_answer_must_name_the_group() -> None:
    expected = _expected(verdict="yes", verdict_kind="carcinogen", iarc_group="2B")
    assert missing(expected, "Answer: Yes: chloroform is possibly carcinogenic to humans (IARC Group 2B).",
                   Status.VERIFIED) == []
    assert missing(expected, "Answer: Yes, chloroform is a carcinogen.", Status.VERIFIED) == ["no IARC group 2B"]
    assert contradicts(expected, "No, chloroform is not a carcinogen.")


def _reply(text: str, status: Status) -> Reply:
    return Reply(assistant="chem", text=text, status=status)


def test_the_outcome_flags_verified_wrong_honest_and_silent_replies() -> None:
    item = _item(FLASH_C)
    wrong = judge(item, _reply("Answer: The flash point of ethanol is 40 °C.", Status.VERIFIED), 0.1)
    assert (wrong.right, wrong.verified_wrong, wrong.silent_miss, wrong.contradiction) == (False, True, True, True)
    honest = judge(item, _reply("Not answered: the flash point of ethanol: no tool here computes it.",
                                Status.UNVERIFIED), 0.1)
    assert (honest.right, honest.says_not_answered, honest.silent_miss, honest.contradiction) == (
        False, True, False, False)
    no_value = judge(_item(_expected(verdict="no", verdict_kind="flammable", computable=False)),
                     _reply("The tables list no flash point for water.", Status.UNVERIFIED), 0.1)
    assert no_value.says_not_answered and not no_value.silent_miss
    hand_key = judge(_item(_expected(verdict="no", verdict_kind="flammable", computable=False)),
                     _reply("Yes, water is flammable.", Status.VERIFIED), 0.1)
    assert hand_key.verified_wrong and not hand_key.contradiction, "a hand key is no table's to contradict"


# ------------------------------------------------------------------------------------------------ real pipelines


@pytest.mark.slow
def test_a_few_dev_items_through_the_real_pipeline_are_scored_from_the_reply_text(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dev = [i for i in ITEMS if i.split == "dev"]
    chosen = [next(i for i in dev if i.family == f) for f in ("flash_point", "balance_equation", "chiral")]
    for item, outcome in zip(chosen, understanding.run(chosen, False, judged=chem_coverage.judge), strict=True):
        assert outcome.text.strip() and outcome.status in {s.value for s in Status}
        text = without_check_notes(outcome.text)
        assert outcome.missing == missing(item.expected, text, Status(outcome.status))
        assert outcome.contradiction == contradicts(item.expected, text, item.question)
    out = tmp_path / "coverage.json"
    assert chem_coverage.main(["--family", "flash_point", "--limit", "2", "--json", str(out)]) == 0
    written = json.loads(out.read_text())
    assert [o["split"] for o in written["outcomes"]] == ["dev", "dev"]
    assert "contradictions" in written["tallies"] and "| flash_point |" in capsys.readouterr().out


def test_a_bad_selection_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert chem_coverage.main(["--family", "nonsense"]) == 2
    assert capsys.readouterr().err.startswith("error: unknown family nonsense")


def test_no_held_out_wording_is_in_the_intent_training_examples() -> None:
    families = FAMILIES
    assert any(w.split == "heldout" for f in families for w in f.wordings)
    assert heldout_in_training(families) <= IN_EXAMPLES_ALREADY


# Held-out wordings that the intent examples, written alongside this set, already ask word for word: the
# plainest ways to ask (a new leak fails here; these three are measured knowing that).
IN_EXAMPLES_ALREADY = {"ch-04", "fp-02", "gm-05"}
