"""Claims that tie two facts together: a card's lines belong to its SMILES, "the SMILES of X is Y" ties a name to a structure.

The other checks hold each SMILES, formula, mass and name of a draft against the set the tools found,
so a draft that pairs them wrongly passes them all: "SMILES: N#N / Name: ammonia / Formula: H3N", or
"The SMILES of 1,3-trimethyl-…-dione is <the given SMILES>", or "The SMILES of caffeine is C8H10N4O2".
A model that learned the tools' card layout writes exactly these. Here each bound pair is read and
both sides must be the same molecule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistants.chem.checks import _DOES_NOT_KNOW, _check, _name_key, allowed_names
from assistants.chem.facts import ChemFacts, MoleculeRecord
from assistants.chem.formulas import formula_counts, typed_formula_counts
from assistants.chem.molecule import InvalidSmiles, inchi_key
from assistants.chem.naming import checked_readings
from assistants.chem.store import CompoundStore
from assistants.chem.values import near_mass
from stages.reply import CheckResult

_CARD_LINE = re.compile(r"^\s*[-*]?\s*(?P<label>smiles|name|iupac name|common name|formula|molecular formula|molecular weight|"
                        r"monoisotopic mass)\s*:\s*(?P<value>.+?)\s*$", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# "the SMILES of caffeine is X", "The IUPAC name of CCO is ethanol", "the molecular formula of X (Y) is C2H6O"
_SENTENCE = re.compile(
    r"\bthe\s+(?P<what>(?:molecular\s+|canonical\s+)?smiles(?:\s+(?:string|representation|notation))?|(?:iupac\s+|systematic\s+|common\s+)?name|"
    r"(?:molecular\s+)?formula|molecular\s+weight|molar\s+mass)\s+(?:of|for)\s+(?P<subject>[^;\n]+?)\s+is\s+"
    r"(?P<value>[^;\n]+?)(?=\s*(?:;|\.\s|\.$|,\s|\s\(|$))", re.IGNORECASE | re.MULTILINE)
_REFERRING = re.compile(r"\s*(?:the|this|that|these|its|it|each|every|both|a|an|your|my|our|their)\b", re.IGNORECASE)


def _pieces(written: str) -> list[str]:
    """A subject or name as written, or, when it ends in an alias in parentheses, the name and the alias
    ("sarin (fluoro(isopropoxy)(methyl)phosphane oxide)": the parentheses may nest)."""
    written = written.strip().strip("`*").rstrip(".")
    if written.endswith(")"):
        depth = 0
        for at in range(len(written) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(written[at], 0)
            if depth == 0:
                if at > 0 and written[at - 1] == " ":  # an alias, not a name's own "(methyl)"
                    return [p for p in (written[:at].strip(), written[at + 1:-1].strip()) if p]
                break
    return [written] if written else []


@dataclass(frozen=True)
class _Binding:
    what: str
    subject: str
    value: str


def _kind(label: str) -> str:
    label = label.lower()
    if "smiles" in label:
        return "smiles"
    if "name" in label:
        return "name"
    if "formula" in label:
        return "formula"
    return "monoisotopic" if "monoisotopic" in label else "mass"


def _key(smiles: str) -> str | None:
    try:
        return inchi_key(smiles.strip("`*"))
    except InvalidSmiles:
        return None


def _agrees(kind: str, value: str, molecule: MoleculeRecord, names: set[str], read: dict[str, str | None]) -> bool:
    """Whether a stated value is this molecule's (a statement of not knowing agrees with anything)."""
    value = value.strip().strip("`*").rstrip(".")
    if _DOES_NOT_KNOW.search(value):
        return True
    if kind == "smiles":
        return _key(value.split()[0]) == molecule.inchikey if value else False
    if kind == "name":
        return any(_name_key(n) in names or read.get(n) == molecule.inchikey for n in _pieces(value))
    if kind == "formula":
        counts = formula_counts(molecule.formula)
        return any(counts == reading for reading in typed_formula_counts(value.split()[0] if value else ""))
    number = _NUMBER.search(value)
    known = molecule.monoisotopic_mass if kind == "monoisotopic" else molecule.average_mass
    return number is not None and near_mass(float(number.group(0)), [known])


def _subjects(subject: str, facts: ChemFacts, names: dict[str, set[str]], read: dict[str, str | None]) -> list[MoleculeRecord]:
    """The molecules a sentence's subject can mean: by name (any style), SMILES or formula, or an alias in parentheses."""
    found = []
    for molecule in facts.molecules:
        own = names.get(molecule.inchikey, set())
        for piece in _pieces(subject):
            if (_name_key(piece) in own or read.get(piece) == molecule.inchikey or _key(piece) == molecule.inchikey
                    or formula_counts(molecule.formula) in typed_formula_counts(piece)):
                found.append(molecule)
                break
    return found


def _card_bindings(raw: str, facts: ChemFacts) -> list[tuple[MoleculeRecord, str, str]]:
    """(molecule, kind, value) for each labelled line under a "SMILES:" line of a fact molecule, up to a blank line."""
    by_key = {m.inchikey: m for m in facts.molecules}
    current: MoleculeRecord | None = None
    bound = []
    for line in raw.splitlines():
        match = _CARD_LINE.match(line)
        if match is None:
            current = None if not line.strip() or line.lower().lstrip().startswith("answer") else current
            continue
        kind, value = _kind(match.group("label")), match.group("value")
        if kind == "smiles":
            current = by_key.get(_key(value.split()[0]) or "") if value.strip() else None
        elif current is not None:
            bound.append((current, kind, value))
    return bound


def _sentences(raw: str, facts: ChemFacts) -> list[_Binding]:
    """The bound sentences whose subject names a molecule: "the SMILES of the product" and "the molecular
    weight of C2H6O" are left to the other checks."""
    found = [_Binding(_kind(m.group("what")), m.group("subject"), m.group("value")) for m in _SENTENCE.finditer(raw)]
    return [b for b in found if not _REFERRING.match(b.subject)
            and not any(formula_counts(f.hill) in typed_formula_counts(b.subject.strip()) for f in facts.formulas)]


def check_bindings(raw: str, facts: ChemFacts, store: CompoundStore) -> CheckResult:
    names = allowed_names(facts, store)
    cards = _card_bindings(raw, facts)
    sentences = _sentences(raw, facts)
    written = [v for _, kind, v in cards if kind == "name"] + [b.value for b in sentences if b.what == "name"]
    written += [b.subject for b in sentences]
    to_read = {p for w in written for p in _pieces(w) if not any(_name_key(p) in own for own in names.values())}
    read = checked_readings(sorted(to_read)) if to_read else {}
    problems = []
    for molecule, kind, value in cards:
        if not _agrees(kind, value, molecule, names.get(molecule.inchikey, set()), read):
            problems.append(f"under SMILES {molecule.smiles} it gave the {kind} '{value.strip()}', which is not that molecule's")
    for binding in sentences:
        subjects = _subjects(binding.subject, facts, names, read)
        if not subjects:
            problems.append(f"it wrote '{binding.subject.strip()}', which names none of the molecules the tools found")
        elif not any(_agrees(binding.what, binding.value, m, names.get(m.inchikey, set()), read) for m in subjects):
            problems.append(f"it gave '{binding.value.strip()}' as the {binding.what} of {binding.subject.strip()}, which is not its {binding.what}")
    fixes = ["Copy each molecule's SMILES, name, formula and masses together, from that molecule's own lines of the tool facts."] if problems else []
    return _check("facts_bound", problems, found=len(cards) + len(sentences), fixes=fixes)
