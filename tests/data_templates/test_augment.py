"""LLM augmentation: the validators keep good paraphrases and drop broken or leaky ones."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from data_templates.augment import augment_pack, write_pack
from data_templates.preview import pack_examples
from data_templates.templates import get_pack, load_pack_file
from serve.cli import app
from stages.backends.scripted import ScriptedBackend

QUESTION_REWRITES = "\n".join([
    "1. Could you tell me the molecular formula of {{ subject }}?",
    "2. What formula is {{ formula }}?",  # leaks the answer-only field
    "3. Formula of {{ subjct }}, please?",  # unknown field
])
ANSWER_REWRITES = "\n".join([
    "- {{ subject }} is made up as {{ formula }}.",
    "- {{ subject }} has the formula C2H6O.",  # a hard-coded fact: fails the check on other records
    "- The formula of {{ subject }} is {{ formula }",  # broken Jinja
])


def scripted(messages) -> str:
    template = messages[-1].content
    return ANSWER_REWRITES if "{{ formula }}" in template else QUESTION_REWRITES


def test_only_valid_paraphrases_survive(compound_csv: Path, tmp_path: Path):
    pack = get_pack("chem.formula")
    examples = pack_examples(pack, 4, files=[compound_csv])
    assert len(examples) == 4
    result = augment_pack(pack, ScriptedBackend(scripted), {pack.name: examples}, per_template=3)
    assert result.added_questions == ["Could you tell me the molecular formula of {{ subject }}?"]
    assert result.added_answers == ["{{ subject }} is made up as {{ formula }}."]
    reasons = " | ".join(result.rejected)
    assert "answer-only field" in reasons and "unknown field" in reasons and "not valid Jinja" in reasons
    assert "does not state formula" in reasons
    assert result.pack.version == pack.version + 1
    path = write_pack(result.pack, tmp_path / "formula.yaml")
    again = load_pack_file(path)
    assert again.questions[-1] == result.added_questions[0] and again.version == pack.version + 1


def test_augment_command_writes_a_reviewable_pack(compound_csv: Path, tmp_path: Path, monkeypatch):
    reply = "Could you tell me the molecular formula of {{ subject }}?\n{{ subject }} is made up as {{ formula }}."
    monkeypatch.setenv("TRISTAGE_BACKEND__KIND", "scripted")
    monkeypatch.setenv("TRISTAGE_BACKEND__OPTIONS", json.dumps({"replies": [reply]}))
    from stages.config import get_settings

    get_settings.cache_clear()
    out = tmp_path / "formula.yaml"
    done = CliRunner().invoke(app, ["data", "augment", "chem.formula", "--source", str(compound_csv), "--out", str(out),
                                    "-n", "2"])
    get_settings.cache_clear()
    assert done.exit_code == 0, done.output
    body = yaml.safe_load(out.read_text())
    assert body["version"] == get_pack("chem.formula").version + 1
    assert "Could you tell me the molecular formula of {{ subject }}?" in body["questions"]
    assert "+1 questions" in done.output and "+1 answers" in done.output


def test_dialogue_followups_are_augmented_with_the_turn_tasks_validators(tmp_path: Path):
    from data_fixtures import write_footprints

    pack = get_pack("market.footprint_dialogue")
    files = [write_footprints(tmp_path / "fp.txt", count=4, bad=False)]
    examples = {turn.task: pack_examples(get_pack(turn.task), 3, files=files) for turn in pack.turns}
    replies = "And where is the level, then?\nSo the level is {{ level }}, right?\nWhich side wins {{ beyond }} it?"
    result = augment_pack(pack, ScriptedBackend([replies]), examples, per_template=2)
    turns = {turn.task: turn.followups for turn in result.pack.turns}
    assert "And where is the level, then?" in turns["market.s2_level"]
    assert "So the level is {{ level }}, right?" not in turns["market.s2_level"]  # answer-only field
    assert "Which side wins {{ beyond }} it?" in turns["market.s3_side"]
    assert any("answer-only field" in line for line in result.rejected)
    assert load_pack_file(write_pack(result.pack, tmp_path / "dialogue.yaml")).version == pack.version + 1
