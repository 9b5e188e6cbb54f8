"""Reaction tasks in the chem build: forward, retro, class and reagents from a user's mapped reactions
or the shipped ones, every sample's reaction passing the chat's reaction checks, and no product of a
held-out evaluation reaction anywhere in the build."""

from __future__ import annotations

import json
import re
from itertools import islice
from pathlib import Path

import pytest
from data_fixtures import shipped_reactions, write_compound_csv, write_reaction_csv
from typer.testing import CliRunner

from assistants.chem.reactions.chemistry import canonical
from assistants.chem.reactions.sources import MappedReaction
from data_templates.builder import BuildOptions, build
from data_templates.chem import HELDOUT, ChemDomain
from data_templates.chem_reactions import (
    REACTION_TASKS,
    SHIPPED,
    ReactionRecord,
    banned_products,
    distinctive_products,
    reaction_facts,
)
from data_templates.shards import iter_samples, read_manifest
from serve.cli import app

pytestmark = pytest.mark.slow
_CODE = re.compile(r"`([^`\s]+)`|(\S*>\S*>\S*)|of (\S+) in one step|make (\S+)\?")


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("reactions")
    training = shipped_reactions("uspto15k_train.txt.gz", 8) + shipped_reactions("uspto50k_valid.csv.gz", 8)
    heldout = (shipped_reactions("uspto15k_valid.txt.gz", 3, heldout=True)
               + shipped_reactions("uspto50k_valid.csv.gz", 3, heldout=True))
    # a reaction whose product is new but that names a held-out product among its molecules is held out too
    uses_heldout = f"{canonical(heldout[0].product)}.[CH3:90][I:91]>>[CH3:90][OH:92]"
    path = write_reaction_csv(folder / "mine.csv", training + heldout, extra_rows=["CCO>>CC=O", uses_heldout])
    return {"path": path, "training": training, "heldout": heldout}


def _mentioned(text: str) -> set[str]:
    """Every canonical molecule a sample's text names in backticks or in reaction SMILES."""
    found = set()
    for match in _CODE.finditer(text):
        for token in filter(None, match.groups()):
            for part in re.split(r"[.>]", token.strip("`?.,")):
                if part and (smiles := canonical(part)):
                    found.add(smiles)
    return found


def test_a_users_reactions_give_every_reaction_task_checked_and_held_out_products_never_appear(
        tmp_path: Path, sources: dict[str, object]) -> None:
    compounds = write_compound_csv(tmp_path / "compounds.csv", bad_rows=False)
    heldout_product = canonical(sources["heldout"][0].product)
    with compounds.open("a", encoding="utf-8") as handle:
        handle.write(f'99999,held-out product,{heldout_product},,\n')
    domain = ChemDomain(files=[compounds], reactions=[sources["path"]])
    manifest = build(domain, tmp_path / "out", BuildOptions(chunk_records=7))
    counts = {task: sum(by_split.values()) for task, by_split in manifest.counts.items()}
    assert all(counts.get(task, 0) > 0 for task in REACTION_TASKS), counts
    assert manifest.skipped[HELDOUT] >= len(sources["heldout"]) + 2  # the held-out rows, the reaction using one, the compound
    samples = list(iter_samples(tmp_path / "out", read_manifest(tmp_path / "out")))
    banned, distinctive = banned_products(), distinctive_products()
    assert "Cl" in banned and "Cl" not in distinctive and heldout_product in distinctive
    for sample in samples:
        text = " ".join(m.content for m in sample.messages)
        assert not (_mentioned(text) & distinctive), sample.meta.source_id
        if sample.meta.task in REACTION_TASKS:
            assert sample.meta.key.rsplit(">", 1)[1] not in banned  # the reaction's product
        assert heldout_product not in text
    forward = [s for s in samples if s.meta.task == "chem.reaction_forward"]
    assert {s.meta.source for s in forward} == {"mine.csv"}
    for sample in forward:
        question, answer = sample.messages[-2].content, sample.messages[-1].content
        reaction = next(r for r in sources["training"] if r.id == sample.meta.source_id)
        assert f"`{canonical(reaction.product)}`" in answer and canonical(reaction.product) not in question
    classes = [s for s in samples if s.meta.task == "chem.reaction_class"]
    assert classes and all(re.search(r"class \d+", s.messages[-1].content, re.IGNORECASE) for s in classes)


def test_a_reaction_the_chat_checks_reject_gives_no_sample() -> None:
    chlorine_from_nowhere = MappedReaction("made-up", "[CH3:1][OH:2]", "[CH3:1][Cl:2]")
    found = reaction_facts(chlorine_from_nowhere)
    assert not isinstance(found, str) and found.facts == {}
    assert found.failed == ("forward: reaction_supported, reaction_atoms_supplied",
                            "retro: reaction_supported, reaction_atoms_supplied")
    outcome = ChemDomain(tasks=list(REACTION_TASKS)).process(ReactionRecord("made-up.csv", chlorine_from_nowhere), 0)
    assert outcome.skipped == "reaction failed its checks" and not outcome.rows


def test_the_shipped_reactions_are_the_default_reaction_source() -> None:
    domain = ChemDomain(tasks=["chem.reaction_forward"])
    first = list(islice(domain.records(), 3))
    assert first and all(isinstance(r, ReactionRecord) and r.source == SHIPPED for r in first)
    assert all(canonical(r.reaction.product) not in banned_products() for r in first)
    assert not [r for r in islice(ChemDomain(tasks=["chem.formula"]).records(), 3) if isinstance(r, ReactionRecord)]
    assert domain.describe()["reactions"] == ["shipped"]
    assert ChemDomain(files=[Path("x.csv")], tasks=["chem.reaction_forward"]).describe()["reactions"] == []


def test_the_cli_refuses_a_reaction_file_without_atom_maps_before_writing(tmp_path: Path) -> None:
    unmapped = tmp_path / "plain.txt"
    unmapped.write_text("".join(f"CC(=O)Cl.{'C' * n}N>>CC(=O)N{'C' * n}\n" for n in range(1, 60)))
    out = tmp_path / "out"
    done = CliRunner().invoke(app, ["data", "build", "chem", "--reactions", str(unmapped), "--task", "chem.reaction_forward",
                                    "--out", str(out)])
    assert done.exit_code == 2 and "no atom maps" in done.output and "Traceback" not in done.output
    assert not out.exists() or not any(out.iterdir())


def test_the_cli_builds_reaction_tasks_from_a_file(tmp_path: Path, sources: dict[str, object]) -> None:
    out = tmp_path / "out"
    done = CliRunner().invoke(app, ["data", "build", "chem", "--reactions", str(sources["path"]), "--task", "reaction_retro",
                                    "--out", str(out)])
    assert done.exit_code == 0, done.output
    stats = json.loads(CliRunner().invoke(app, ["data", "stats", str(out), "--json"]).output)
    assert set(stats["counts"]) == {"chem.reaction_retro"} and stats["skipped"][HELDOUT] >= len(sources["heldout"])
