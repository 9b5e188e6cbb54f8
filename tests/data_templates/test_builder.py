"""The builder core on generated compound files: counts, skips, determinism, resume, refusal, exports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import pytest
from data_fixtures import COMPOUNDS, write_compound_csv, write_compound_jsonl

from data_templates.builder import BuildOptions, build
from data_templates.chem import ChemDomain
from data_templates.shards import OutputDirError, iter_samples, read_manifest
from data_templates.splits import scaffold_key


def shard_bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "shards").iterdir())}


def test_build_counts_skips_and_writes_every_export(tmp_path: Path, compound_csv: Path):
    out = tmp_path / "ds"
    manifest = build(ChemDomain(files=[compound_csv]), out, BuildOptions(formats=["openai", "sharegpt", "alpaca"]))
    assert manifest.status == "complete"
    assert manifest.records == len(COMPOUNDS) + 3
    assert manifest.skipped["bad SMILES"] == 1
    assert manifest.skipped["missing SMILES"] == 1
    assert manifest.skipped["formula disagrees with structure"] == 1
    kept_records = len(COMPOUNDS) - manifest.skipped.get("held out for evaluation", 0)
    assert kept_records >= 5
    assert manifest.invalid == 0
    assert set(manifest.counts) >= {"chem.formula", "chem.iupac_to_smiles", "chem.dialogue", "chem.description"}
    assert sum(c.get("train", 0) + c.get("validation", 0) + c.get("test", 0) for c in manifest.counts.values()) == \
        sum(s.samples for s in manifest.shards)
    for fmt in ("openai", "sharegpt", "alpaca"):
        assert manifest.exports[fmt]
        for name in manifest.exports[fmt]:
            rows = [json.loads(line) for line in (out / name).read_text().splitlines()]
            assert rows
    card = (out / "README.md").read_text()
    assert "chem.formula" in card and "| task |" in card and "formula disagrees with structure: 1" in card


def test_every_sample_carries_its_metadata_and_checks_pass(tmp_path: Path, compound_csv: Path):
    out = tmp_path / "ds"
    manifest = build(ChemDomain(files=[compound_csv]), out, BuildOptions(seed=7))
    samples = list(iter_samples(out, manifest))
    assert samples
    for sample in samples:
        meta = sample.meta
        assert meta.source == "compounds.csv" and meta.source_id and meta.seed == 7
        assert meta.template_version >= 1 and meta.templates and meta.split in {"train", "validation", "test"}
        assert sample.messages[-1].role == "assistant"
    assert len({s.id for s in samples}) == len(samples)


def test_same_seed_same_bytes_other_seed_other_text(tmp_path: Path, compound_csv: Path):
    first = build(ChemDomain(files=[compound_csv]), tmp_path / "a", BuildOptions(seed=3, chunk_records=4))
    build(ChemDomain(files=[compound_csv]), tmp_path / "b", BuildOptions(seed=3, chunk_records=4))
    build(ChemDomain(files=[compound_csv]), tmp_path / "c", BuildOptions(seed=4, chunk_records=4))
    assert shard_bytes(tmp_path / "a") == shard_bytes(tmp_path / "b")
    assert shard_bytes(tmp_path / "a") != shard_bytes(tmp_path / "c")
    assert first.chunks_done == 3


@pytest.mark.slow
def test_two_workers_give_the_same_dataset(tmp_path: Path, compound_csv: Path):
    build(ChemDomain(files=[compound_csv]), tmp_path / "one", BuildOptions(chunk_records=2))
    build(ChemDomain(files=[compound_csv]), tmp_path / "two", BuildOptions(chunk_records=2, workers=2))
    assert shard_bytes(tmp_path / "one") == shard_bytes(tmp_path / "two")


def test_duplicates_by_structure_and_task_are_removed(tmp_path: Path):
    path = write_compound_csv(tmp_path / "twice.csv", bad_rows=False)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, *(line.replace(",", "0,", 1) for line in lines[1:])]) + "\n")
    manifest = build(ChemDomain(files=[path]), tmp_path / "ds", BuildOptions())
    single = build(ChemDomain(files=[write_compound_csv(tmp_path / "once.csv", bad_rows=False)]), tmp_path / "one",
                   BuildOptions())
    assert manifest.duplicates > 0
    keys = [s.meta.key for s in iter_samples(tmp_path / "ds", manifest)]
    assert len(keys) == len(set(keys))
    assert {s.meta.key for s in iter_samples(tmp_path / "one", single)} <= set(keys)


def test_molecules_sharing_a_scaffold_share_a_split(tmp_path: Path, compound_csv: Path):
    from assistants.chem import molecule

    out = tmp_path / "ds"
    manifest = build(ChemDomain(files=[compound_csv]), out, BuildOptions())
    by_id = {cid: smiles for cid, _name, smiles, _f, _s in COMPOUNDS}
    split_of: dict[str, set[str]] = {}
    molecules_of: dict[str, set[str]] = {}
    for sample in iter_samples(out, manifest):
        smiles = by_id[sample.meta.source_id]
        key = scaffold_key(molecule.canonical_smiles(smiles))
        split_of.setdefault(key, set()).add(sample.meta.split)
        molecules_of.setdefault(key, set()).add(smiles)
    assert all(len(splits) == 1 for splits in split_of.values())
    assert molecules_of["c1ccccc1"] == {"C1=CC=CC=C1", "CC1=CC=CC=C1"}  # benzene and toluene share one


def test_heldout_scaffolds_go_to_test(tmp_path: Path, compound_csv: Path):
    out = tmp_path / "ds"
    domain = ChemDomain(files=[compound_csv], heldout_scaffolds=frozenset({"c1ccccc1"}))
    manifest = build(domain, out, BuildOptions())
    benzene_like = [s for s in iter_samples(out, manifest) if s.meta.source_id in {"241", "1140"}]
    assert benzene_like and {s.meta.split for s in benzene_like} == {"test"}


def test_an_output_dir_holding_a_build_is_refused(tmp_path: Path, compound_csv: Path):
    out = tmp_path / "ds"
    domain = ChemDomain(files=[compound_csv])
    build(domain, out, BuildOptions())
    with pytest.raises(OutputDirError, match="holds another build"):
        build(domain, out, BuildOptions())
    assert build(domain, out, BuildOptions(overwrite=True)).status == "complete"
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    with pytest.raises(OutputDirError, match="not empty"):
        build(domain, stranger, BuildOptions(overwrite=True))
    assert (stranger / "notes.txt").read_text() == "mine"


class Interrupted(ChemDomain):
    """Stops the record stream after `stop_after` rows, as a killed process would."""

    stop_after: int = 5

    def records(self) -> Iterator:
        for index, record in enumerate(super().records()):
            if index == self.stop_after:
                raise KeyboardInterrupt
            yield record


def test_an_interrupted_build_resumes_to_the_same_dataset(tmp_path: Path, compound_csv: Path):
    clean = tmp_path / "clean"
    build(ChemDomain(files=[compound_csv]), clean, BuildOptions(chunk_records=2))
    out = tmp_path / "ds"
    with pytest.raises(KeyboardInterrupt):
        build(Interrupted(files=[compound_csv]), out, BuildOptions(chunk_records=2))
    partial = read_manifest(out)
    assert partial is not None and partial.status == "building" and partial.chunks_done == 2
    (out / "shards" / ".train-00002.jsonl.123.tmp").write_text("half a line")
    with pytest.raises(OutputDirError, match="holds another build"):
        build(ChemDomain(files=[compound_csv]), out, BuildOptions(chunk_records=2))
    with pytest.raises(OutputDirError, match="other settings"):
        build(ChemDomain(files=[compound_csv]), out, BuildOptions(chunk_records=3, resume=True))
    done = build(ChemDomain(files=[compound_csv]), out, BuildOptions(chunk_records=2, resume=True))
    assert done.status == "complete"
    assert shard_bytes(out) == shard_bytes(clean)
    assert done.counts == read_manifest(clean).counts


def test_jsonl_source_counts_unreadable_rows(tmp_path: Path):
    path = write_compound_jsonl(tmp_path / "compounds.jsonl")
    manifest = build(ChemDomain(files=[path]), tmp_path / "ds", BuildOptions())
    assert manifest.skipped["unreadable row"] == 2


def test_sdf_source(tmp_path: Path):
    from rdkit import Chem

    path = tmp_path / "compounds.sdf"
    writer = Chem.SDWriter(str(path))
    for cid, name, smiles, formula, _syn in COMPOUNDS[:4]:
        mol = Chem.MolFromSmiles(smiles)
        mol.SetProp("PUBCHEM_COMPOUND_CID", cid)
        mol.SetProp("PUBCHEM_IUPAC_NAME", name)
        mol.SetProp("PUBCHEM_MOLECULAR_FORMULA", formula)
        writer.write(mol)
    writer.close()
    with path.open("a") as handle:
        handle.write("garbage\n  no atoms here\n\nM  END\n$$$$\n")
    manifest = build(ChemDomain(files=[path]), tmp_path / "ds", BuildOptions())
    assert manifest.skipped.get("unreadable structure", 0) == 1
    assert sum(sum(c.values()) for c in manifest.counts.values()) > 0


def test_alpaca_keeps_the_dialogue_history(tmp_path: Path, compound_csv: Path):
    out = tmp_path / "ds"
    manifest = build(ChemDomain(files=[compound_csv], tasks=["chem.dialogue"]), out, BuildOptions(formats=["alpaca", "sharegpt"]))
    rows = [json.loads(line) for name in manifest.exports["alpaca"] for line in (out / name).read_text().splitlines()]
    assert rows and all(len(row["history"]) >= 1 and row["instruction"] and row["output"] for row in rows)
    shared = [json.loads(line) for name in manifest.exports["sharegpt"] for line in (out / name).read_text().splitlines()]
    assert {turn["from"] for row in shared for turn in row["conversations"]} == {"human", "gpt"}


def test_parquet_export_through_datasets(tmp_path: Path, compound_csv: Path):
    import pyarrow.parquet as pq

    out = tmp_path / "ds"
    manifest = build(ChemDomain(files=[compound_csv]), out, BuildOptions(formats=["parquet"]))
    total = sum(pq.read_table(out / name).num_rows for name in manifest.exports["parquet"])
    assert total == sum(s.samples for s in manifest.shards)
    table = pq.read_table(out / manifest.exports["parquet"][0])
    assert {"messages", "task", "split", "source_id", "template_version"} <= set(table.column_names)
    assert not [p for p in out.iterdir() if p.name.startswith(".parquet-")]


def test_registry_codes_are_not_used_as_names():
    from data_templates.chem import looks_like_identifier

    for code in ("64-17-5", "unii-3k9958v90m", "ec 200-578-6", "chembl545", "nsc 85228", "dtxsid9020584"):
        assert looks_like_identifier(code), code
    for name in ("ethyl alcohol", "2-propanol", "1,4-dioxane", "ascorbic acid", "cis-2-butene", "n-butanol"):
        assert not looks_like_identifier(name), name


def test_pick_draws_uniformly_among_usable_items_only():
    import random
    from collections import Counter

    from data_templates.chem import pick

    items = ["64-17-5", "ethanol", "chembl545", "ethyl alcohol", "nsc 85228", "alcohol"]
    usable = lambda s: s.isalpha() or " " in s and not s[-1].isdigit()  # noqa: E731
    rng = random.Random(7)
    drawn = Counter(pick(items, usable, rng) for _ in range(3000))
    assert set(drawn) == {"ethanol", "ethyl alcohol", "alcohol"}
    assert min(drawn.values()) > 900
    assert pick(["64-17-5", "chembl545"], usable, rng) is None
    assert pick(items, usable, random.Random(1)) == pick(items, usable, random.Random(1))


@pytest.mark.slow
def test_store_build_skips_heldout_compounds(tmp_path: Path):
    from assistants.chem.split import heldout
    from assistants.chem.store import get_store

    manifest = build(ChemDomain(), tmp_path / "ds", BuildOptions(limit=120, formats=["openai"]))
    assert manifest.records == 120 and manifest.invalid == 0
    held = sum(heldout(c.inchikey) for c in islice(get_store().iter_compounds(), 120))
    assert manifest.skipped.get("held out for evaluation", 0) == held > 0
    built = {s.meta.source_id for s in iter_samples(tmp_path / "ds", manifest)}
    assert not {str(c.cid) for c in islice(get_store().iter_compounds(), 120) if heldout(c.inchikey)} & built


def test_an_isotope_labelled_formula_gets_no_amount_questions(tmp_path: Path):
    """Heavy water's formula (D2O) is no formula the element tables read: its amount and solution
    questions are left out, the rest of its samples are built (the build once stopped with a traceback)."""
    path = tmp_path / "heavy.csv"
    path.write_text("CID,IUPACName,SMILES,MolecularFormula,Synonyms\n"
                    "24602,deuterium oxide,[2H]O[2H],D2O,heavy water\n702,ethanol,CCO,C2H6O,ethyl alcohol\n",
                    encoding="utf-8")
    manifest = build(ChemDomain(files=[path]), tmp_path / "ds", BuildOptions())
    from data_templates.shards import iter_samples

    tasks: dict[str, set[str]] = {}
    for sample in iter_samples(tmp_path / "ds", manifest):
        tasks.setdefault(sample.meta.source_id, set()).add(sample.meta.task)
    assert {"chem.grams_moles", "chem.solution"} <= tasks["702"]
    assert "chem.formula" in tasks["24602"] and not tasks["24602"] & {"chem.grams_moles", "chem.solution"}
