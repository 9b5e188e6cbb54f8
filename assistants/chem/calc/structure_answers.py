"""Calculators of structure by RDKit: atom, ring, bond and stereo counts, chirality, hybridisation,
descriptors and drug-likeness rules, each for every molecule the part names."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistants.chem.calc import structure
from assistants.chem.calc.parts import ELEMENT_NAMES, Calculator, Outcome, Part, Subjects
from assistants.chem.calc.results import Computed, Value
from assistants.chem.molecule import InvalidSmiles
from assistants.chem.resolve import MoleculeRecord, label

def _structure(family: str, answer: Callable[[MoleculeRecord, Part], tuple[str, list[Value]] | None]) -> Calculator:
    def calculate(part: Part, subjects: Subjects) -> Outcome:
        out: Outcome = []
        for m in subjects.molecules:
            try:
                found = answer(m, part)
            except InvalidSmiles:
                continue
            if found is not None:
                out.append(Computed(family=family, subject=label(m), sentence=found[0], values=found[1],
                                    source=f"RDKit on the structure {m.smiles}", part=part.index))
        return out

    return calculate


_ELEMENT_WORD = re.compile(r"\b(" + "|".join(ELEMENT_NAMES) + r")s?\b", re.IGNORECASE)
_ELEMENT_SYMBOL = re.compile(r"\b([A-Z][a-z]?)\s+atoms?\b|\batoms?\s+of\s+(?:the\s+)?(?:element\s+)?([A-Z][a-z]?)\b")


def _asked_element(text: str) -> str | None:
    """The element a count asks for: a name ("carbons", "oxygen atoms") or a symbol ("N atoms", "atoms of element O")."""
    from chemicals.elements import periodic_table

    if (word := _ELEMENT_WORD.search(text)) is not None:
        return ELEMENT_NAMES[word.group(1).lower()]
    for match in _ELEMENT_SYMBOL.finditer(text):
        symbol = match.group(1) or match.group(2)
        if symbol in periodic_table:
            return symbol
    return None


def _atom_count(m: MoleculeRecord, part: Part) -> tuple[str, list[Value]] | None:
    counts = structure.element_counts(m.smiles)
    if re.search(r"\bheavy atoms?\b|\bnon-?hydrogen atoms?\b", part.text, re.IGNORECASE):
        heavy = sum(n for e, n in counts.items() if e != "H")
        return f"{label(m)} ({m.formula}) has {heavy} heavy atoms (atoms other than hydrogen).", [Value(kind="number", number=heavy, unit="atoms")]
    element = _asked_element(part.text.replace(m.query, " "))
    if element is not None:
        n = counts.get(element, 0)
        names = [element, *(name for name, symbol in ELEMENT_NAMES.items() if symbol == element)]
        return (f"{label(m)} ({m.formula}) has {n} {element} atom{'s' if n != 1 else ''}.",
                [Value(kind="number", number=n, unit="atoms", named=names)])
    total = sum(counts.values())
    each = ", ".join(f"{n} {e}" for e, n in counts.items())
    return f"{label(m)} ({m.formula}) has {total} atoms: {each}.", [Value(kind="number", number=total, unit="atoms")]


_DESCRIPTORS = (("hbd", "hydrogen-bond donors", r"(?:hydrogen|h)[- ]?bond donors?|\bhbd\b"),
                ("hba", "hydrogen-bond acceptors", r"(?:hydrogen|h)[- ]?bond acceptors?|\bhba\b"),
                ("rotatable_bonds", "rotatable bonds", r"rotatable bonds?"),
                ("tpsa", "topological polar surface area (Å²)", r"\btpsa\b|polar surface area"),
                ("logp", "logP (Crippen)", r"\blogp\b|\blog p\b|octanol[- ]water partition"))


def _descriptor(m: MoleculeRecord, part: Part) -> tuple[str, list[Value]] | None:
    if m.descriptors is None:
        return None
    for key, words, pattern in _DESCRIPTORS:
        if re.search(pattern, part.text, re.IGNORECASE):
            value = getattr(m.descriptors, key)
            unit = {"hbd": "donors", "hba": "acceptors", "rotatable_bonds": "bonds"}.get(key, "")
            tolerance = {"tpsa": 0.5, "logp": 0.05}.get(key, 0.0)
            said = f"{label(m)} has {value} {words}" if unit else f"The {words} of {label(m)} is {value}"
            return f"{said}.", [Value(kind="number", number=float(value), unit=unit, tolerance=tolerance)]
    return None


def _rings(m: MoleculeRecord, part: Part) -> tuple[str, list[Value]] | None:
    rings = structure.ring_counts(m.smiles)
    if re.search(r"aromatic", part.text, re.IGNORECASE):
        n = rings["aromatic_rings"]
        if part.yes_no and not re.search(r"how many|number", part.text, re.IGNORECASE):
            return (f"{'Yes' if n else 'No'}: {label(m)} has {n} aromatic ring{'s' if n != 1 else ''}.",
                    [Value(kind="yes_no", yes=n > 0, text=r"aromatic")])
        return f"{label(m)} has {n} aromatic ring{'s' if n != 1 else ''} ({rings['rings']} rings in all).", [Value(kind="number", number=n, unit="rings")]
    n = rings["rings"]
    return f"{label(m)} has {n} ring{'s' if n != 1 else ''} ({rings['aromatic_rings']} aromatic).", [Value(kind="number", number=n, unit="rings")]


def _stereocentres(m: MoleculeRecord, part: Part) -> tuple[str, list[Value]] | None:
    n = structure.stereo_facts(m.smiles).stereocentres
    return f"{label(m)} has {n} stereocentre{'s' if n != 1 else ''} (chiral centres).", [Value(kind="number", number=n, unit="stereocentres")]


def _stereoisomers(m: MoleculeRecord, part: Part) -> tuple[str, list[Value]] | None:
    facts = structure.stereo_facts(m.smiles)
    if not facts.counted:
        return (f"{label(m)} has {facts.stereocentres} stereocentres and {facts.stereo_bonds} stereogenic double bonds: at most "
                f"{facts.stereoisomers} stereoisomers (too many to enumerate here).", [Value(kind="number", number=facts.stereoisomers, unit="stereoisomers")])
    meso = f", {facts.meso_or_achiral_isomers} of them achiral (meso forms counted once)" if facts.meso_or_achiral_isomers and facts.stereocentres else ""
    return (f"{label(m)} has {facts.stereoisomers} stereoisomer{'s' if facts.stereoisomers != 1 else ''} "
            f"({facts.stereocentres} stereocentres, {facts.stereo_bonds} stereogenic double bonds{meso}).",
            [Value(kind="number", number=facts.stereoisomers, unit="stereoisomers")])


def _chiral(m: MoleculeRecord, part: Part) -> tuple[str, list[Value]] | None:
    facts = structure.stereo_facts(m.smiles)
    if facts.chiral is None:
        return (f"{label(m)} as written leaves its stereochemistry open: {facts.chiral_isomers} of its {facts.stereoisomers} "
                f"stereoisomers are chiral and {facts.meso_or_achiral_isomers} (meso) are not.", [])
    centres = f"{facts.stereocentres} stereocentre{'s' if facts.stereocentres != 1 else ''}"
    if facts.chiral:
        return f"Yes: {label(m)} is chiral ({centres}; it is not superimposable on its mirror image).", [Value(kind="yes_no", yes=True, text=r"chiral|enantiomer|optical")]
    why = "it is a meso form" if facts.stereocentres else "it is superimposable on its mirror image"
    return f"No: {label(m)} is not chiral ({centres}; {why}).", [Value(kind="yes_no", yes=False, text=r"chiral|enantiomer|optical")]


_HYBRIDISED_SYMBOL = re.compile(r"hybridi[sz]\w*\s+(?:of\s+)?(?:the\s+)?(?:atom\s+)?([A-Z][a-z]?)\b(?!\w)")


def _hybridisation(m: MoleculeRecord, part: Part) -> tuple[str, list[Value]] | None:
    symbol = _HYBRIDISED_SYMBOL.search(part.text)
    element = _asked_element(part.text.replace(m.query, " ")) or (symbol.group(1) if symbol else "C")
    found = structure.hybridisations(m.smiles, element)
    if not found:
        return None
    atoms = {h: f"{n} atom{'s' if n != 1 else ''}" for h, n in found.items()}
    if len(found) == 1:
        (kind, many), = atoms.items()
        return f"The {element} atoms of {label(m)} are {kind}-hybridised ({many}).", [Value(kind="text", text=kind)]
    return f"The {element} atoms of {label(m)} are " + " and ".join(f"{h} ({n})" for h, n in atoms.items()) + ".", []


def _bonds(m: MoleculeRecord, part: Part) -> tuple[str, list[Value]] | None:
    counts = structure.bond_counts(m.smiles)
    kind = re.search(r"\b(sigma|σ|pi|π|double|triple|single)\b", part.text, re.IGNORECASE)
    key = {"σ": "sigma", "π": "pi"}.get(kind.group(1), kind.group(1).lower()) if kind else None
    said = f"{counts['sigma']} sigma and {counts['pi']} pi bonds ({counts['single']} single, {counts['double']} double, {counts['triple']} triple, H included)"
    if key is None:
        return f"{label(m)} has {said}.", []
    return f"{label(m)} has {counts[key]} {key} bond{'s' if counts[key] != 1 else ''}: {said}.", [
        Value(kind="number", number=counts[key], unit="bonds")]


def _drug_likeness(m: MoleculeRecord, part: Part) -> tuple[str, list[Value]] | None:
    rules = structure.drug_likeness(m.smiles)
    asked = [r for r in rules if re.search(r.rule.split("'")[0], part.text, re.IGNORECASE)] or rules[:1]
    bits, values = [], []
    for rule in asked:
        judged = ", ".join(f"{k} {v:g}" for k, v in rule.values.items())
        broken = f"; violations: {', '.join(rule.violations)}" if rule.violations else "; no violations"
        bits.append(f"{'passes' if rule.passed else 'fails'} {rule.rule} ({judged}{broken})")
        values.append(Value(kind="yes_no", yes=rule.passed, text=r"lipinski|veber|ghose|rule|drug|pass|fail|violat"))
    lead = "Yes" if all(r.passed for r in asked) else "No"
    return f"{lead}: {label(m)} {'; '.join(bits)}.", values


atom_count = _structure("atom_count", _atom_count)
descriptor = _structure("descriptor", _descriptor)
ring_count = _structure("ring_count", _rings)
stereocentres = _structure("stereocentres", _stereocentres)
stereoisomers = _structure("stereoisomers", _stereoisomers)
chiral = _structure("chiral", _chiral)
hybridisation = _structure("hybridisation", _hybridisation)
bonds = _structure("bonds", _bonds)
drug_likeness = _structure("lipinski", _drug_likeness)
