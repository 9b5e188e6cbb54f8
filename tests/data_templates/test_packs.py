"""The generic test over every template pack: loads, renders with no unfilled field, answers verify,
and text changes are pinned by the version lock."""

from __future__ import annotations

import random
from pathlib import Path

import jinja2
import pytest
from data_fixtures import fixture_records, footprint_text, shipped_reactions

from assistants.market.footprint import parse_footprint_text
from assistants.market.samples import sample_ohlcv
from data_templates.checks import answer_problems
from data_templates.chem import ChemDomain, task_facts
from data_templates.chem_reactions import reaction_facts
from data_templates.market import MarketDomain, SeriesRecord, footprint_facts
from data_templates.templates import (
    MIN_ANSWERS,
    MIN_QUESTIONS,
    PACKS_DIR,
    Pack,
    TemplateError,
    all_packs,
    get_pack,
    load_pack_file,
    lock_problems,
    pack_paths,
    read_lock,
    render,
    render_with_jinja,
)

PACKS = all_packs()


def facts_by_task(records: list) -> dict[str, list[dict]]:
    """Facts for every task from the fixture records under several seeds (both validity verdicts)."""
    found: dict[str, list[dict]] = {}
    domain = ChemDomain()
    for seed in range(6):
        for record in records:
            base = domain.base_facts(record)
            for task, facts in task_facts(base, random.Random(seed)).items():
                found.setdefault(task, []).append(facts)
    for seed in range(8):
        for task, facts in footprint_facts(parse_footprint_text(footprint_text(seed))).items():
            found.setdefault(task, []).append(facts)
    for reaction in shipped_reactions("uspto15k_train.txt.gz", 6) + shipped_reactions("uspto50k_valid.csv.gz", 6):
        found_reaction = reaction_facts(reaction)
        for task, facts in ({} if isinstance(found_reaction, str) else found_reaction.facts).items():
            found.setdefault(task, []).append(facts)
    ibm = SeriesRecord(source="bundled", source_id="IBM", bars=sample_ohlcv("bokeh/IBM").head(1200))
    for by_task in MarketDomain(bundled=False).facts(ibm, seed=0):
        for task, facts in by_task.items():
            found.setdefault(task, []).append(facts)
    return found


@pytest.fixture(scope="module")
def all_facts() -> dict[str, list[dict]]:
    return facts_by_task(fixture_records(properties_for_all=True))


def test_every_pack_file_loads_and_names_are_unique():
    assert len(pack_paths()) == len(PACKS) >= 10
    for path in pack_paths():
        assert load_pack_file(path).name in PACKS


@pytest.mark.parametrize("name", sorted(n for n, p in PACKS.items() if p.kind == "task"))
def test_task_pack_renders_and_every_answer_verifies(name: str, all_facts):
    pack = PACKS[name]
    assert len(set(pack.questions)) >= MIN_QUESTIONS and len(set(pack.answers)) >= MIN_ANSWERS
    examples = all_facts.get(name)
    assert examples, f"no fixture record yields facts for {name}"
    for facts in examples:
        for question in pack.questions:
            text = render(question, facts)
            assert text and "{{" not in text and "{%" not in text
            assert text == render_with_jinja(question, facts)
        for index, answer in enumerate(pack.answers):
            text = render(answer, facts)
            assert text == render_with_jinja(answer, facts)
            assert answer_problems(pack.checks, text, facts) == [], f"{name} answer a{index}: {text}"


def test_choice_checks_see_both_values(all_facts):
    verdicts = {f["verdict"] for f in all_facts["chem.smiles_validity"]}
    assert verdicts == {"valid", "invalid"}
    assert {f["relation"] for f in all_facts["chem.compare_mass"]} == {"heavier", "lighter"}
    assert {(f["direction"], f["verdict"]) for f in all_facts["market.report"]} == {
        ("upward", "true"), ("upward", "false"), ("downward", "true"), ("downward", "false")}
    judged = all_facts["market.ohlcv_judgment"]
    assert {f["verdict"] == f["evidence_verdict"] for f in judged} == {True, False}


@pytest.mark.parametrize("name", sorted(n for n, p in PACKS.items() if p.kind == "dialogue"))
def test_dialogue_followups_render(name: str, all_facts):
    pack = PACKS[name]
    for turn in pack.turns[1:]:
        for facts in all_facts[turn.task][:3]:
            for followup in turn.followups:
                assert render(followup, facts)


def test_answers_that_miss_a_fact_fail_their_checks(all_facts):
    pack = get_pack("chem.molecular_weight")
    facts = dict(all_facts["chem.molecular_weight"][0])
    wrong = {**facts, "mw": facts["mw"] + 1.0}
    assert answer_problems(pack.checks, render(pack.answers[0], wrong), facts)
    smiles_pack = get_pack("chem.iupac_to_smiles")
    text = "The SMILES of ethanol is `CCC`."
    assert answer_problems(smiles_pack.checks, text, {"name": "ethanol", "smiles": "CCO"})


def test_numbers_are_read_at_the_precision_they_were_printed(all_facts):
    pack = get_pack("chem.property")
    facts = {"subject": "methanol", "property": "critical pressure", "value": 8215800.0, "quantity": "8215800 Pa",
             "method": "IUPAC"}
    assert answer_problems(pack.checks, "It is 8215800 Pa (IUPAC).", facts) == []
    assert answer_problems(pack.checks, "It is 8.2158e+06 Pa (IUPAC).", {**facts, "quantity": "8.2158e+06 Pa"}) == []
    assert answer_problems(pack.checks, "It is 8.3e+06 Pa.", {**facts, "quantity": "8.3e+06 Pa"})
    assert {f["quantity"] for f in all_facts["chem.property"]} >= {"351.39 K", "8215800 Pa"}


def test_missing_field_is_an_error_not_a_blank():
    with pytest.raises(jinja2.UndefinedError):
        render("What is {{ name }}?", {})


def test_unknown_template_field_fails_at_load(tmp_path: Path):
    body = Path(pack_paths()[0]).read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(body.replace("{{ subject }}", "{{ subjcet }}", 1).replace("{{ name }}", "{{ nmae }}", 1), encoding="utf-8")
    with pytest.raises(TemplateError, match="unknown template field"):
        load_pack_file(bad)


def test_a_question_may_not_use_an_answer_only_field(tmp_path: Path):
    body = (PACKS_DIR / "market" / "ohlcv_judgment.yaml").read_text(encoding="utf-8")
    leaky = tmp_path / "leaky.yaml"
    leaky.write_text(body.replace("Is it a true or a false breakout?", "It is a {{ verdict }} one, right?"), encoding="utf-8")
    with pytest.raises(TemplateError, match="answer-only field"):
        load_pack_file(leaky)


def test_too_few_paraphrases_are_refused(tmp_path: Path):
    pack = PACKS["chem.formula"]
    thin = pack.model_dump() | {"questions": pack.questions[:3]}
    with pytest.raises(ValueError, match="≥ 10 questions"):
        Pack.model_validate(thin)


def test_lock_matches_every_pack():
    assert lock_problems(PACKS, read_lock()) == []


def test_changing_text_without_a_version_bump_is_refused():
    pack = PACKS["chem.formula"]
    edited = pack.model_copy(update={"questions": [*pack.questions[:-1], "What's the formula of {{ subject }}, then?"]})
    lock = read_lock()
    assert "bump `version`" in lock_problems({pack.name: edited}, lock)[0]
    bumped = edited.model_copy(update={"version": pack.version + 1})
    assert "run `tristage data lock`" in lock_problems({pack.name: bumped}, lock)[0]
    assert "restore" in lock_problems({pack.name: pack.model_copy(update={"version": 9})}, lock)[0]


def test_pack_names_resolve_short_and_suggest_on_typos():
    assert get_pack("formula").name == "chem.formula"
    with pytest.raises(TemplateError, match="did you mean 'chem.formula'"):
        get_pack("chem.fromula")
