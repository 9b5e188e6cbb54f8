"""Answers written from tool facts alone: the template phrasing and the corrected reply.

The answer to what was asked comes first, in one sentence; then the same labelled lines the model
is asked for, so a template answer passes through the same parser and checks as a model's draft.
"""

from __future__ import annotations

from assistants.chem.calc.results import Value
from assistants.chem.coverage import (
    TEMPERATURE_KEYS, asked_unit, difference, label, shown_difference, wanted, winner,
)
from assistants.chem.facts import ChemFacts
from assistants.chem.reactions.answer import compose_reaction
from assistants.chem.reactions.chat import asks_reagent
from assistants.chem.relations import verdict
from assistants.chem.resolve import MoleculeRecord
from assistants.chem.store import MeasuredProperty
from assistants.chem.values import shown_value, value_of
from stages.choices import answer_tag

_TEMPERATURE_KEYS = TEMPERATURE_KEYS
_SENTENCE_WORDS = {"smiles": "SMILES", "name": "IUPAC name", "inchikey": "InChIKey", "inchi": "InChI",
                   "cas": "CAS number", "formula": "molecular formula", "mass": "molecular weight",
                   "boiling_point": "boiling point", "melting_point": "melting point",
                   "critical_temperature": "critical temperature", "hbd": "hydrogen-bond donors",
                   "hba": "hydrogen-bond acceptors", "logp": "logP", "tpsa": "polar surface area",
                   "rotatable_bonds": "rotatable bonds"}
_VERBS = {("boiling_point", "higher"): "boils higher", ("boiling_point", "lower"): "boils lower",
          ("melting_point", "higher"): "melts higher", ("melting_point", "lower"): "melts lower",
          ("mass", "higher"): "is heavier", ("mass", "lower"): "is lighter",
          ("hbd", "higher"): "has more hydrogen-bond donors", ("hbd", "lower"): "has fewer hydrogen-bond donors",
          ("hba", "higher"): "has more hydrogen-bond acceptors", ("hba", "lower"): "has fewer hydrogen-bond acceptors"}


def format_property(prop: MeasuredProperty) -> str:
    if prop.unit == "K":
        value = f"{prop.value:.2f} K ({prop.value - 273.15:.2f} °C)"
    elif prop.unit:
        value = f"{prop.value:.6g} {prop.unit}"
    else:
        value = f"{prop.value:.4g}"
    return f"{value}, {prop.kind} (source: chemicals/{prop.method})"


_label = label


def _identity_lines(molecule: MoleculeRecord, facts: ChemFacts) -> list[str]:
    """SMILES, name and formula; a missing name is said only when a name was asked for."""
    lines = [f"SMILES: {molecule.smiles}"]
    if molecule.name:
        lines.append(f"Name: {molecule.name}")
    elif "name" in wanted(facts):
        why = molecule.name_note.removeprefix("no checked name: ") or "the compound store has none for it"
        lines.append(f"Name: no verified name ({why})")
    lines.append(f"Formula: {molecule.formula}")
    for key, words in (("inchikey", "InChIKey"), ("inchi", "InChI"), ("cas", "CAS")):
        if key in facts.requested:
            value = getattr(molecule, key)
            lines.append(f"{words}: {value}" if value else f"{words}: not in the compound store")
    return lines


def _chosen_option(facts: ChemFacts) -> str:
    """The tools' choice among a question's options, first, in the form harnesses read."""
    if facts.choice is None or not facts.choice.chosen:
        return ""
    picked = [o for o in facts.choice.options if o.label in facts.choice.chosen]
    if facts.request is not None and not facts.request.choices.lettered:
        return f"{', '.join(o.text for o in picked)}: {facts.choice.basis}."
    said = ", ".join(f"{o.label} ({o.text})" for o in picked)
    return f"{said}: {facts.choice.basis}. {answer_tag(facts.choice.chosen)}"


def lead(facts: ChemFacts) -> str:
    """The answer to the question itself, in a sentence, from the tool facts (empty when they give none):
    the tools' option, else what the calculators computed, then the looked-up values."""
    if option := _chosen_option(facts):
        return option
    said = " ".join(s for s in (*(c.sentence for c in facts.computed), _looked_up(facts)) if s)
    return f"{said} {number_tag(tagged[1])}" if said and (tagged := tagged_value(facts)) is not None else said


def tagged_value(facts: ChemFacts) -> tuple[Value, float] | None:
    """The one computed number of a question that wants its answer inside [ANSWER]…[/ANSWER] tags, in the
    unit it asked for: a value given in several units (55.9 °C, 329.04 K) is tagged only when the asked
    unit says which, since a harness reads the bare number."""
    if facts.request is None or not facts.request.tagged:
        return None
    values = [v for c in facts.computed for v in c.values if v.kind == "number" and v.number is not None]
    if len(values) != 1:
        return None
    value = values[0]
    units = {value.unit: value.number, **{unit: number for number, unit, _ in value.alternatives}}
    if len(units) == 1:
        return value, value.number  # type: ignore[return-value]
    asked = {"C": "°C", "K": "K", "F": "°F"}.get(facts.request.unit or "")
    return (value, units[asked]) if asked in units else None  # type: ignore[return-value]


def number_tag(number: float) -> str:
    """The number as harnesses read it: "[ANSWER]-2[/ANSWER]", an ASCII minus, no unit."""
    return f"[ANSWER]{number:.6g}[/ANSWER]"


def _looked_up(facts: ChemFacts) -> str:
    """The answer from the store's and RDKit's values: a comparison, a sameness verdict, validity, values asked."""
    comparison = facts.intent.comparison
    unit = asked_unit(facts)
    if comparison is not None and (ranked := winner(facts, comparison)) is not None:
        best, rest = ranked
        verb = _VERBS.get((comparison.quantity, comparison.direction),
                          f"has the {comparison.direction} {_SENTENCE_WORDS.get(comparison.quantity, comparison.quantity)}")
        others = ", ".join(f"{shown_value(comparison.quantity, value_of(m, comparison.quantity), unit)} for {_named(m)}" for m in rest)  # type: ignore[arg-type]
        sentence = f"{label(best)} {verb}: {shown_value(comparison.quantity, value_of(best, comparison.quantity), unit)} against {others}"  # type: ignore[arg-type]
        delta = difference(facts, comparison)
        if facts.intent.difference and delta is not None:
            sentence += f", a difference of {shown_difference(comparison.quantity, delta)}"
        if facts.intent.yes_no:
            subject = min(facts.molecules, key=lambda m: _mentioned_at(facts.question, m))
            sentence = f"{'yes' if subject.inchikey == best.inchikey else 'no'}: {sentence}"
        return f"{sentence[:1].upper()}{sentence[1:]}."
    said = verdict(facts.intent, facts.molecules, [label(m) for m in facts.molecules])
    if said is not None:
        return said.sentence
    if facts.task == "validity":
        invalid = [u for u in facts.unresolved if u.kind == "smiles"]
        if invalid:
            return f"No: {invalid[0].message}"
        if facts.molecules:
            m = facts.molecules[0]
            return f"Yes: {m.query} is a valid SMILES ({_named(m)}, {m.formula})."
    parts = []
    for molecule in facts.molecules:
        for quantity in wanted(facts):
            value = value_of(molecule, quantity)
            if value is not None:
                # the name asked for is the answer: the subject is the molecule as the user wrote it
                subject = (molecule.common_name or molecule.query) if quantity == "name" else _named(molecule)
                parts.append(f"the {_SENTENCE_WORDS[quantity]} of {subject} is {shown_value(quantity, value, unit)}")
        if "functional_groups" in facts.requested:
            groups = facts.groups.get(molecule.smiles, [])
            several = len(groups) > 1
            parts.append(f"the functional group{'s' if several else ''} of {_named(molecule)} {'are' if several else 'is'} "
                         f"{', '.join(g.name for g in groups)}" if groups
                         else f"{_named(molecule)} has none of the functional groups the tools look for")
    for item in facts.formulas:
        if "mass" in facts.requested:
            parts.append(f"the molecular weight of {item.hill} is {item.average_mass:.2f} g/mol")
    if not parts:
        return ""
    sentence = "; ".join(parts)
    return f"{sentence[:1].upper()}{sentence[1:]}."


def _mentioned_at(question: str, molecule: MoleculeRecord) -> int:
    """Where the question first names a molecule (its end when it does not), to find its subject."""
    at = question.lower().find(molecule.query.lower())
    return at if at >= 0 else len(question)


def _named(molecule: MoleculeRecord) -> str:
    """The molecule as the user named it, with the store's IUPAC name when that differs."""
    shown = label(molecule)
    if molecule.name and molecule.name.lower() != shown.lower():
        return f"{shown} ({molecule.name})"
    return shown


def why_facts(facts: ChemFacts) -> str:
    """What the tools know that bears on a "why" question: hydrogen bonding, polarity, charge, groups."""
    parts = []
    for molecule in facts.molecules:
        d = molecule.descriptors
        bits = [f"{d.hbd} H-bond donor(s), {d.hba} acceptor(s), logP {d.logp}, TPSA {d.tpsa} Å²"] if d else []
        if molecule.charge:
            bits.append(f"net charge {molecule.charge:+d}")
        groups = facts.groups.get(molecule.smiles, [])
        if groups:
            bits.append("groups: " + ", ".join(g.name for g in groups))
        if bits:
            parts.append(f"{label(molecule)}: " + "; ".join(bits))
    return "Relevant tool facts: " + ". ".join(parts) + "." if parts else ""


def _molecule_block(molecule: MoleculeRecord, facts: ChemFacts) -> list[str]:
    lines = _identity_lines(molecule, facts)
    if facts.task == "computed":  # the calculation's own lines say what it used
        return lines
    wants_all = facts.task in ("describe", "properties") and (not facts.requested or "properties" in facts.requested)
    if facts.task not in ("name_to_smiles", "smiles_to_name") or "mass" in facts.requested:
        lines.append(f"Molecular weight: {molecule.average_mass:.3f} g/mol")
        lines.append(f"Monoisotopic mass: {molecule.monoisotopic_mass:.4f} Da")
    for prop in molecule.properties:
        if prop.key in facts.requested or wants_all:
            label = prop.label if prop.key not in _TEMPERATURE_KEYS else prop.label.replace("Normal b", "B")
            lines.append(f"{label}: {format_property(prop)}")
    missing = [key for key in facts.requested if key.endswith(("_point", "_temperature", "_pressure", "_volume", "_factor"))]
    doubtful = {d.value.key: d for d in molecule.doubtful}
    for d in doubtful.values():
        if d.value.key in facts.requested or wants_all:
            words = d.value.label.lower().replace("normal b", "b")
            lines.append(f"Note: the compound store gives a {words} of {format_property(d.value)} for this isotopologue, but "
                         f"{format_property(d.parent_value)} for unlabelled {d.parent}; isotopologues differ by a few kelvin at "
                         "most, so the store's value for this one is doubtful.")
    for key in missing:
        if key not in doubtful and not any(p.key == key for p in molecule.properties):
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
        names = [n for n in dict.fromkeys((molecule.common_name, molecule.name)) if n and n.lower() != molecule.query.lower()]
        who = molecule.query + (f" is {names[0]}" if names else "") + (f", IUPAC name {names[1]}" if len(names) > 1 else "")
        parts.append(f"{who} ({molecule.formula}, {molecule.average_mass:.2f} g/mol; structure from {source})")
    return "; ".join(parts)


def compose(facts: ChemFacts) -> str:
    """The whole answer from tool facts: the answer first, then labelled lines; says plainly what is not known."""
    blocks: list[str] = [compose_reaction(facts.prediction)] if facts.prediction is not None else []
    first = lead(facts)
    if first:
        blocks.append(f"Answer: {first}")
    if facts.intent.why and (explained := why_facts(facts)):
        blocks.append(explained)
    if facts.computed:
        blocks.append("\n".join(line for c in facts.computed for line in c.facts or [f"Computed by: {c.source}"]))
    for molecule in facts.molecules:
        blocks.append("\n".join(_molecule_block(molecule, facts)))
    for item in [] if facts.task == "computed" else facts.formulas:
        known = f"; compounds with this formula include {', '.join(item.candidates)}" if item.candidates else ""
        blocks.append(f"Formula: {item.hill}\nMolecular weight: {item.average_mass:.3f} g/mol{known}")
    for reaction in [] if facts.task == "computed" else facts.reactions:
        lines = [f"Reaction: {reaction.text}"]
        if reaction.balanced is True:
            lines.append("Answer: the reaction conserves every element (balanced as written).")
        elif reaction.balanced is False:
            delta = ", ".join(f"{e} {n:+d}" for e, n in reaction.element_balance.items())
            lines.append(f"Answer: the reaction is not balanced as written (products minus reactants: {delta}).")
        elif facts.prediction is None:
            lines.append("Answer: no products were given, and I do not predict reaction products without a verified tool.")
        blocks.append("\n".join(lines))
    if asks_reagent(facts.question):
        blocks.append("Answer: the reaction tools do not name reagents, catalysts or conditions (the precedent reactions "
                      "record none), so I cannot tell which one this needs.")
    elif facts.task == "reaction" and not facts.reactions and facts.molecules and facts.prediction is None:
        blocks.append("Answer: I can describe the reactants, but I do not predict reaction products without a verified tool.")
    for item in facts.unresolved:
        blocks.append(f"Unresolved: {item.message}")
    if facts.molecules and not any(b.startswith("Answer:") or "\nAnswer:" in b for b in blocks):
        blocks.insert(0, f"{'What the tools know' if facts.unanswered else 'Answer'}: {_summary(facts)}.")
    if not blocks:
        blocks.append("No molecule was identified in the question, so there are no tool facts to answer from."
                      if facts.unanswered else
                      "Answer: no molecule was identified in the question, so there are no tool facts to answer from.")
    if facts.unanswered:
        blocks.insert(0, "Not answered: " + "; ".join(facts.unanswered) + ".")
    blocks.extend(f"Note: {note}" for note in facts.notes)
    return "\n\n".join(blocks)


_NOT_FACTS = ("Answer:", "Not answered:", "What the tools know:")


def facts_for_prompt(facts: ChemFacts) -> str:
    """The facts block the model sees: the same lines as a tool-only answer, minus the summary, and
    what the calculators computed, to be given as is."""
    text = compose(facts)
    lines = [line for line in text.splitlines() if not line.startswith(_NOT_FACTS)]
    return "\n".join([*(f"Computed answer (give it as is): {c.sentence}" for c in facts.computed), *lines])
