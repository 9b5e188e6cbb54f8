"""Answers written from tool facts alone: the template phrasing and the corrected reply.

The same labelled lines the model is asked for, so a template answer passes through the same
parser and checks as a model's draft.
"""

from __future__ import annotations

from assistants.chem.facts import ChemFacts
from assistants.chem.reactions.answer import compose_reaction
from assistants.chem.resolve import MoleculeRecord
from assistants.chem.store import MeasuredProperty

_TEMPERATURE_KEYS = ("boiling_point", "melting_point", "critical_temperature")


def format_property(prop: MeasuredProperty) -> str:
    if prop.unit == "K":
        value = f"{prop.value:.2f} K ({prop.value - 273.15:.2f} °C)"
    elif prop.unit:
        value = f"{prop.value:.6g} {prop.unit}"
    else:
        value = f"{prop.value:.4g}"
    return f"{value}, {prop.kind} (source: chemicals/{prop.method})"


def _label(molecule: MoleculeRecord) -> str:
    return molecule.common_name or molecule.name or molecule.query


def _identity_lines(molecule: MoleculeRecord) -> list[str]:
    lines = [f"SMILES: {molecule.smiles}"]
    if molecule.name:
        lines.append(f"Name: {molecule.name}")
    else:
        lines.append("Name: not in the compound store (no verified name)")
    lines.append(f"Formula: {molecule.formula}")
    return lines


def _molecule_block(molecule: MoleculeRecord, facts: ChemFacts) -> list[str]:
    lines = _identity_lines(molecule)
    wants_all = facts.task in ("describe", "properties") and (not facts.requested or "properties" in facts.requested)
    if facts.task not in ("name_to_smiles", "smiles_to_name") or "mass" in facts.requested:
        lines.append(f"Molecular weight: {molecule.average_mass:.3f} g/mol")
        lines.append(f"Monoisotopic mass: {molecule.monoisotopic_mass:.4f} Da")
    for prop in molecule.properties:
        if prop.key in facts.requested or wants_all:
            label = prop.label if prop.key not in _TEMPERATURE_KEYS else prop.label.replace("Normal b", "B")
            lines.append(f"{label}: {format_property(prop)}")
    missing = [key for key in facts.requested if key.endswith(("_point", "_temperature", "_pressure", "_volume", "_factor"))]
    for key in missing:
        if not any(p.key == key for p in molecule.properties):
            lines.append(f"Note: the compound store has no {key.replace('_', ' ')} for {_label(molecule)}.")
    if molecule.descriptors and (facts.task == "describe" or "descriptors" in facts.requested or wants_all):
        d = molecule.descriptors
        lines.append(
            f"Descriptors: logP {d.logp}, TPSA {d.tpsa} Å², H-bond donors {d.hbd}, acceptors {d.hba}, "
            f"rotatable bonds {d.rotatable_bonds}, rings {d.rings}, Lipinski violations {d.lipinski_violations}"
        )
    groups = facts.groups.get(molecule.smiles, [])
    if groups and (facts.task == "describe" or "functional_groups" in facts.requested):
        lines.append("Functional groups: " + ", ".join(g.name for g in groups))
    if molecule.fragments > 1:
        lines.append(f"Note: this is a mixture or salt of {molecule.fragments} components; net charge {molecule.charge:+d}.")
    elif molecule.charge:
        lines.append(f"Note: a charged species, net charge {molecule.charge:+d}.")
    if molecule.isotopes:
        lines.append("Note: isotope labels are included in the masses and identifiers.")
    if molecule.unassigned_stereocenters:
        lines.append(f"Note: {molecule.unassigned_stereocenters} stereocentre(s) are not specified.")
    if molecule.store_note:
        lines.append(f"Note: {molecule.store_note}")
    return lines


def _summary(facts: ChemFacts) -> str:
    parts = []
    for molecule in facts.molecules:
        source = {"store": "compound store", "opsin": "OPSIN name parser", "smiles": "the given SMILES", "pubchem": "PubChem"}[molecule.source]
        who = f"{molecule.query} is {molecule.name}" if molecule.name and molecule.name != molecule.query.lower() else f"{molecule.query}"
        parts.append(f"{who} ({molecule.formula}, {molecule.average_mass:.2f} g/mol; structure from {source})")
    return "; ".join(parts)


def compose(facts: ChemFacts) -> str:
    """The whole answer from tool facts, as labelled lines; says plainly what is not known."""
    blocks: list[str] = [compose_reaction(facts.prediction)] if facts.prediction is not None else []
    for molecule in facts.molecules:
        blocks.append("\n".join(_molecule_block(molecule, facts)))
    for item in facts.formulas:
        known = f"; compounds with this formula include {', '.join(item.candidates)}" if item.candidates else ""
        blocks.append(f"Formula: {item.hill}\nMolecular weight: {item.average_mass:.3f} g/mol{known}")
    for reaction in facts.reactions:
        lines = [f"Reaction: {reaction.text}"]
        if reaction.balanced is True:
            lines.append("Answer: the reaction conserves every element (balanced as written).")
        elif reaction.balanced is False:
            delta = ", ".join(f"{e} {n:+d}" for e, n in reaction.element_balance.items())
            lines.append(f"Answer: the reaction is not balanced as written (products minus reactants: {delta}).")
        elif facts.prediction is None:
            lines.append("Answer: no products were given, and I do not predict reaction products without a verified tool.")
        blocks.append("\n".join(lines))
    if facts.task == "reaction" and not facts.reactions and facts.molecules and facts.prediction is None:
        blocks.append("Answer: I can describe the reactants, but I do not predict reaction products without a verified tool.")
    for item in facts.unresolved:
        blocks.append(f"Unresolved: {item.message}")
    if facts.molecules and not any(b.startswith("Answer:") or "\nAnswer:" in b for b in blocks):
        blocks.append(f"Answer: {_summary(facts)}.")
    if not blocks:
        return "Answer: no molecule was identified in the question, so there are no tool facts to answer from."
    blocks.extend(f"Note: {note}" for note in facts.notes)
    return "\n\n".join(blocks)


def facts_for_prompt(facts: ChemFacts) -> str:
    """The facts block the model sees: the same lines as a tool-only answer, minus the summary."""
    text = compose(facts)
    return "\n".join(line for line in text.splitlines() if not line.startswith("Answer:"))
