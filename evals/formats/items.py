"""Items for the molecule tasks the published benchmarks share: names, formulas, reactions,
captions, text → molecule, yes/no properties. One builder per task, so ChemLLMBench, ChEBI-20 and
USPTO files of the same task ask the same question and are scored by the same rule."""

from __future__ import annotations

from evals.suite import CaptionRule, FormulaRule, Item, LabelRule, MoleculeRule, RankedRule, StructureRule

YES_NO = {"Yes": [r"yes"], "No": [r"no"]}


def smiles_to_name(item_id: str, smiles: str, inchikey: str) -> Item:
    return Item(id=item_id, task="smiles_to_iupac", question=f"What is the IUPAC name of the molecule with SMILES {smiles}?",
                rules=[StructureRule(inchikey=inchikey, via="name")])


def name_to_smiles(item_id: str, name: str, inchikey: str) -> Item:
    return Item(id=item_id, task="iupac_to_smiles", question=f"What is the SMILES of {name}?",
                rules=[StructureRule(inchikey=inchikey, via="smiles")])


def formula_of(item_id: str, task: str, given: str, formula: str) -> Item:
    return Item(id=item_id, task=task, question=f"What is the molecular formula of {given}?", rules=[FormulaRule(formula=formula)])


def forward(item_id: str, reactants: str, product: str) -> Item:
    return Item(id=item_id, task="reaction_prediction",
                question=f"Predict the main product of this reaction. Reactants and reagents: {reactants}. "
                         "Give the product as a SMILES.",
                rules=[MoleculeRule(smiles=product), RankedRule(smiles=product)])


def retro(item_id: str, product: str, reactants: str) -> Item:
    return Item(id=item_id, task="retrosynthesis",
                question=f"Suggest the reactants that make this product in one step: {product}. "
                         "Give the reactants as SMILES separated by '.'.",
                rules=[MoleculeRule(smiles=reactants), RankedRule(smiles=reactants)])


def caption(item_id: str, smiles: str, description: str) -> Item:
    return Item(id=item_id, task="molecule_captioning", question=f"Describe the molecule with SMILES {smiles}.",
                rules=[CaptionRule(reference=description)])


def design(item_id: str, description: str, smiles: str) -> Item:
    return Item(id=item_id, task="molecule_design",
                question=f"Give the SMILES of the molecule that fits this description: {description}",
                rules=[MoleculeRule(smiles=smiles)])


def yes_no(item_id: str, task: str, smiles: str, question: str, answer: bool) -> Item:
    return Item(id=item_id, task=task, question=f"{question} The molecule: {smiles}. Answer Yes or No.",
                rules=[LabelRule(field=task, value="Yes" if answer else "No", choices=YES_NO)])
