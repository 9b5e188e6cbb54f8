"""ChemLLMBench's CSV files (and ChEBI-20's TSV files) as published (Guo et al., NeurIPS 2023 datasets track), one layout each:

| suite | file | columns read |
|---|---|---|
| chemllmbench-names | name_prediction/llm_test.csv | CID, smiles, iupac, formula (four tasks per row: SMILES→IUPAC, IUPAC→SMILES, SMILES→formula, IUPAC→formula) |
| chemllmbench-reaction | reaction_prediction/uspto_test.csv | reactant, product |
| chemllmbench-retro | retro/uspto50k_retro_test.csv | products_smiles, reactants_smiles |
| chemllmbench-captioning | molecule_captioning/molecule_captioning_test.csv | SMILES, description |
| chemllmbench-design | molecule_design/molecule_design_test.csv | SMILES, description |
| chemllmbench-property | property_prediction/{BACE,BBBP,HIV,ClinTox,Tox}_test.csv | the SMILES and label column of each MoleculeNet set |

Structures are compared by InChIKey (names resolved by the compound store, then OPSIN); reactions
and designed molecules by InChI of the whole answer (all components), as ChemLLMBench's exact match.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from evals.formats import items
from evals.formats.tables import cell, read_table, require_columns, table_files
from evals.suite import Item, Suite, SuiteError

Builder = Callable[[dict[str, Any], str], list[Item]]
# MoleculeNet set -> (SMILES column, label column, what is asked)
PROPERTY_SETS: dict[str, tuple[str, str, str]] = {
    "BACE": ("mol", "Class", "Does this molecule inhibit human beta-secretase 1 (BACE-1)?"),
    "BBBP": ("smiles", "p_np", "Does this molecule penetrate the blood-brain barrier?"),
    "HIV": ("smiles", "HIV_active", "Does this molecule inhibit HIV replication?"),
    "ClinTox": ("smiles", "CT_TOX", "Did this molecule fail clinical trials for toxicity?"),
    "Tox21": ("smiles", "SR-p53", "Is this molecule active in the Tox21 SR-p53 stress-response assay?"),
}


def _key(smiles: str) -> str | None:
    from rdkit.rdBase import BlockLogs

    from assistants.chem.molecule import InvalidSmiles, inchi_key

    with BlockLogs():  # InChI warnings on thousands of published rows say nothing to the user
        try:
            return inchi_key(smiles)
        except InvalidSmiles:
            return None


def _names(row: dict[str, Any], row_id: str) -> list[Item]:
    smiles, name, formula = cell(row, "smiles"), cell(row, "iupac"), cell(row, "formula")
    key = _key(smiles)
    if key is None:
        return []
    return [items.smiles_to_name(f"s2i-{row_id}", smiles, key), items.name_to_smiles(f"i2s-{row_id}", name, key),
            items.formula_of(f"s2f-{row_id}", "smiles_to_formula", f"the molecule with SMILES {smiles}", formula),
            items.formula_of(f"i2f-{row_id}", "iupac_to_formula", name, formula)]


def _pair(build: Callable[[str, str, str], Item], given: str, expected: str) -> Builder:
    return lambda row, row_id: [build(row_id, cell(row, given), cell(row, expected))]


LAYOUTS: dict[str, tuple[list[str], Builder, str]] = {
    "chemllmbench-names": (["smiles", "iupac", "formula"], _names, "ChemLLMBench name prediction"),
    "chemllmbench-reaction": (["reactant", "product"], _pair(items.forward, "reactant", "product"),
                              "ChemLLMBench reaction prediction (USPTO-MIT)"),
    "chemllmbench-retro": (["products_smiles", "reactants_smiles"], _pair(items.retro, "products_smiles", "reactants_smiles"),
                           "ChemLLMBench retrosynthesis (USPTO-50k)"),
    "chemllmbench-captioning": (["SMILES", "description"], _pair(items.caption, "SMILES", "description"),
                                "ChemLLMBench molecule captioning (ChEBI-20)"),
    "chemllmbench-design": (["SMILES", "description"], _pair(items.design, "description", "SMILES"),
                            "ChemLLMBench text-based molecule design (ChEBI-20)"),
    # ChEBI-20 as MolT5 published it: tab-separated `CID, SMILES, description` with a header row
    "chebi20-captioning": (["CID", "SMILES", "description"], _pair(items.caption, "SMILES", "description"),
                           "ChEBI-20 molecule captioning (MolT5 split files)"),
    "chebi20-design": (["CID", "SMILES", "description"], _pair(items.design, "description", "SMILES"),
                       "ChEBI-20 text-based molecule design (MolT5 split files)"),
}


def _row_id(row: dict[str, Any], n: int) -> str:
    return cell(row, "CID") or cell(row, "cid") or f"{n:05d}"


def _property_items(path: Path, rows: list[dict[str, Any]]) -> list[Item]:
    have = set(rows[0]) if rows else set()
    for name, (smiles_col, label_col, question) in PROPERTY_SETS.items():
        if label_col in have:
            require_columns(path, rows, [smiles_col, label_col], f"ChemLLMBench {name}")
            built = []
            for n, row in enumerate(rows):
                value = cell(row, label_col)
                if value not in {"0", "1", "0.0", "1.0"}:
                    continue  # MoleculeNet leaves untested assays empty
                built.append(items.yes_no(f"{name}-{n:05d}", name, cell(row, smiles_col), question, float(value) == 1))
            return built
    labels = ", ".join(label for _, label, _ in PROPERTY_SETS.values())
    raise SuiteError(f"{path.name}: missing a MoleculeNet label column (one of {labels})")


def load_layout(name: str, path: Path) -> Suite:
    """The files under `path` read with the layout of suite `name`; rows whose SMILES RDKit cannot
    read are skipped and counted in the suite's source line."""
    built: list[Item] = []
    skipped = 0
    for file in table_files(path):
        rows = read_table(file)
        if name == "chemllmbench-property":
            built += _property_items(file, rows)
            continue
        columns, build, layout = LAYOUTS[name]
        require_columns(file, rows, columns, layout)
        for n, row in enumerate(rows):
            made = build(row, _row_id(row, n))
            skipped += not made
            built += made
    if not built:
        raise SuiteError(f"no items in {path}")
    description = LAYOUTS[name][2] if name in LAYOUTS else "ChemLLMBench MoleculeNet property prediction (Yes/No)"
    source = f"{path.name}" + (f"; {skipped} rows skipped (SMILES RDKit cannot read)" if skipped else "")
    return Suite(name=name, description=description, assistant="chem", source=source, items=_unique(built))


def _unique(built: list[Item]) -> list[Item]:
    """Item ids stay unique when several files are read into one suite (a suffix on repeats)."""
    seen: dict[str, int] = {}
    out = []
    for item in built:
        count = seen.get(item.id, 0)
        seen[item.id] = count + 1
        out.append(item if count == 0 else item.model_copy(update={"id": f"{item.id}.{count}"}))
    return out
