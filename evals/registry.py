"""Suites by name: the shipped YAML files, the loaders that read a user's local copy of a published
benchmark, or a file path. A new YAML file in `evals/suites/` is a new suite without code."""

from __future__ import annotations

import difflib
import importlib
from pathlib import Path
from typing import Any, NamedTuple

from evals.suite import Suite, SuiteError, load_suite_file

SUITES_DIR = Path(__file__).parent / "suites"


class External(NamedTuple):
    """A suite read from data the user provides (--data): which loader reads it, with which fixed arguments."""

    description: str
    loader: str  # "module:function", imported only when the suite is asked for
    args: tuple[Any, ...] = ()
    shots: bool = False  # whether the loader takes few-shot examples (--shots)


_CHEMLLMBENCH = "evals.formats.chemllmbench:load_layout"
EXTERNAL: dict[str, External] = {
    "breakout-footprint": External("BreakGPT footprint chain (--data: BreakGPT's folder, its training and test samples "
                                   "reported apart, or a JSONL file of test-format samples)",
                                   "evals.footprint:load_footprint_suite"),
    "chembench": External("ChemBench4K multiple choice from a local copy (--data: folder with test/ and dev/, or one file)",
                          "evals.chembench:load_chembench", shots=True),
    "chembench-lamalab": External("ChemBench (lamalab) task JSON files, scored as ChemBench does (--data: data/ folder or a file)",
                                  "evals.formats.lamalab:load_lamalab"),
    "mmlu": External("MMLU-style question,A,B,C,D,answer CSV/JSONL, few-shot from dev files (--data: folder or file)",
                     "evals.formats.mmlu:load_mmlu", shots=True),
    "chemllmbench-names": External("ChemLLMBench name prediction CSV (CID, smiles, iupac, formula): 4 tasks per row",
                                   _CHEMLLMBENCH, ("chemllmbench-names",)),
    "chemllmbench-reaction": External("ChemLLMBench reaction prediction CSV (reactant, product)", _CHEMLLMBENCH,
                                      ("chemllmbench-reaction",)),
    "chemllmbench-retro": External("ChemLLMBench retrosynthesis CSV (products_smiles, reactants_smiles)", _CHEMLLMBENCH,
                                   ("chemllmbench-retro",)),
    "chemllmbench-captioning": External("ChemLLMBench molecule captioning CSV (SMILES, description): BLEU, ROUGE, METEOR",
                                        _CHEMLLMBENCH, ("chemllmbench-captioning",)),
    "chemllmbench-design": External("ChemLLMBench text-based molecule design CSV (SMILES, description): exact, validity, "
                                    "fingerprints", _CHEMLLMBENCH, ("chemllmbench-design",)),
    "chemllmbench-property": External("ChemLLMBench MoleculeNet CSVs (BACE, BBBP, HIV, ClinTox, Tox21): Yes/No",
                                      _CHEMLLMBENCH, ("chemllmbench-property",)),
    "chebi20-captioning": External("ChEBI-20 TSV (CID, SMILES, description): captioning", _CHEMLLMBENCH,
                                   ("chebi20-captioning",)),
    "chebi20-design": External("ChEBI-20 TSV (CID, SMILES, description): text → molecule", _CHEMLLMBENCH,
                               ("chebi20-design",)),
    "uspto-forward": External("USPTO reaction SMILES (reactants>>product): predict the product",
                              "evals.formats.uspto:load_uspto", ("forward",)),
    "uspto-retro": External("USPTO reaction SMILES (reactants>>product): predict the reactants",
                            "evals.formats.uspto:load_uspto", ("retro",)),
}


def shipped() -> dict[str, Path]:
    return {p.stem: p for p in sorted(SUITES_DIR.glob("*.yaml"))}


def suite_names() -> dict[str, str]:
    """Every suite name with its one-line description."""
    names = {name: load_suite_file(path).description for name, path in shipped().items()}
    return {**names, **{name: external.description for name, external in EXTERNAL.items()}}


def _load_external(name: str, data: Path, shots: int) -> Suite:
    external = EXTERNAL[name]
    if shots and not external.shots:
        raise SuiteError(f"the {name} suite is zero-shot: --shots applies to {', '.join(n for n, e in EXTERNAL.items() if e.shots)}")
    module_name, attr = external.loader.split(":")
    loader = getattr(importlib.import_module(module_name), attr)
    return loader(*external.args, data, shots=shots) if external.shots else loader(*external.args, data)


def load_suite(name: str, data: Path | None = None, shots: int = 0) -> Suite:
    """A suite by name or YAML path; external suites need `data`. SuiteError says what is missing."""
    if name in EXTERNAL:
        if data is None:
            raise SuiteError(f"the {name} suite reads your local copy: give its location with --data")
        return _load_external(name, data.expanduser(), shots)
    files = shipped()
    if name in files:
        return load_suite_file(files[name])
    path = Path(name).expanduser()
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return load_suite_file(path)
    close = difflib.get_close_matches(name, [*files, *EXTERNAL], n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise SuiteError(f"unknown suite {name!r}{hint} (see `tristage eval --list`)")
