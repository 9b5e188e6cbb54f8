"""Does the answer answer what was asked? Every requested item, for every molecule, and the comparison.

A draft can pass every claim check by saying nothing ("The InChIKey of acetone is 12-13."); the
coverage check is what lets a reply be `verified`. Items the tools cannot supply (a property the store
lacks, a name for a structure outside it) are not demanded here: they are the reply's unchecked parts.
"""

from __future__ import annotations

import re

from assistants.chem.checks import allowed_names
from assistants.chem.draft import ParsedDraft
from assistants.chem.facts import ChemFacts
from assistants.chem.formulas import formula_counts, typed_formula_counts
from assistants.chem.intent import Comparison
from assistants.chem.molecule import InvalidSmiles, inchi_key
from assistants.chem.names import ratio_unstated
from assistants.chem.naming import checked_readings
from assistants.chem.reactions.chat import asks_reagent
from assistants.chem.relations import stated_verdict, verdict as sameness_verdict
from assistants.chem.request import Unit
from assistants.chem.resolve import MoleculeRecord, label
from assistants.chem.store import TEMPERATURE_KEYS, CompoundStore
from assistants.chem.values import TEMPERATURE_TOLERANCE_K, near_mass, shown_value, value_of
from stages.choices import answer_tag, chosen, stated_options
from stages.reply import CheckResult

_CHECKABLE = ("smiles", "name", "inchikey", "inchi", "cas", "formula", "mass", *TEMPERATURE_KEYS)
_TASK_DEFAULTS = {"name_to_smiles": ["smiles"], "smiles_to_name": ["name"]}
_UNCOVERED_TASKS = ("general", "out_of_scope", "reaction")
_WORDS = {"smiles": "SMILES", "name": "name", "inchikey": "InChIKey", "inchi": "InChI", "cas": "CAS number",
          "formula": "molecular formula", "mass": "molecular weight", "hbd": "hydrogen-bond donors",
          "hba": "hydrogen-bond acceptors", "logp": "logP", "tpsa": "polar surface area", "rotatable_bonds": "rotatable bonds"}
_NO = re.compile(r"\b(?:no|not|invalid|isn't|is not)\b", re.IGNORECASE)
_YES = re.compile(r"\b(?:yes|valid)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")
_DIFFERENCE_TOLERANCE = {"mass": 0.05}
_HIGHER = re.compile(r"\b(?:higher|larger|greater|bigger|heavier|more|highest|hotter)\b", re.IGNORECASE)
_LOWER = re.compile(r"\b(?:lower|smaller|less|lighter|lowest|colder)\b", re.IGNORECASE)


def wanted(facts: ChemFacts) -> list[str]:
    """The per-molecule items an answer must give, in the order asked."""
    asked = [q for q in facts.requested if q in _CHECKABLE]
    items = list(dict.fromkeys(_TASK_DEFAULTS.get(facts.task, []) + asked))
    if "formula" in items and "smiles" not in items and any(m.isotopes for m in facts.molecules):
        items.append("smiles")  # a Hill formula cannot show an isotope label: "CH4" is unlabelled methane's too
    return items


def _given(quantity: str, molecule: MoleculeRecord, draft: ParsedDraft, raw: str, names: set[str],
           unit: Unit | None = None) -> bool:
    lowered = raw.lower()
    if quantity == "smiles":  # a short SMILES in prose ("BrCBr") is no SMILES the draft parser picks out
        written = {w.strip(".,;:!?\"'`*") for w in raw.split()}
        return molecule.smiles in written or any(_key(s) == molecule.inchikey for s in draft.smiles)
    if quantity == "name":
        if any(re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", lowered) for n in names if len(n) >= 3):
            return True
        labelled = [draft.labels[k] for k in ("name", "iupac name") if draft.labels.get(k)]
        return molecule.inchikey in checked_readings(labelled).values()  # another style of its name
    if quantity in ("inchikey", "inchi", "cas"):
        return str(getattr(molecule, quantity)) in raw
    if quantity == "formula":
        return any(formula_counts(molecule.formula) in typed_formula_counts(f) for f in draft.formulas)
    if quantity == "mass":
        return any(m.kind != "monoisotopic" and near_mass(m.value, [molecule.average_mass]) for m in draft.masses)
    value = value_of(molecule, quantity)
    stated = [t for k, t in draft.temperatures.items() if k == quantity]
    stated += [m.temperature for m in draft.temperature_mentions if m.key == quantity]
    stated += [m.temperature for m in draft.temperature_mentions if unit is not None and m.key is None]
    right = [t for t in stated if value is not None and abs(t.kelvin - float(value)) <= TEMPERATURE_TOLERANCE_K]
    return any(_in_unit(t.text, unit) for t in right)


def _in_unit(text: str, unit: Unit | None) -> bool:
    """Whether a stated temperature is written in the unit the user asked for (any unit when none was)."""
    if unit is None:
        return True
    written = text.lower().replace(" ", "")
    return {"F": "f" in written, "C": "c" in written, "K": written.endswith("k") or "kelvin" in written}[unit]


def _key(smiles: str) -> str:
    try:
        return inchi_key(smiles)
    except InvalidSmiles:
        return ""


def asked_unit(facts: ChemFacts) -> Unit | None:
    return facts.request.unit if facts.request is not None else None


def difference(facts: ChemFacts, comparison: Comparison) -> float | None:
    """How far apart the compared molecules' values are (the first against the next), when known."""
    if (ranked := winner(facts, comparison)) is None:
        return None
    best, rest = ranked
    return abs(float(value_of(best, comparison.quantity)) - float(value_of(rest[0], comparison.quantity)))  # type: ignore[arg-type]


def shown_difference(quantity: str, delta: float) -> str:
    return f"{delta:.3f} g/mol" if quantity == "mass" else f"{delta:.2f} K"


def _gives_difference(quantity: str, delta: float, raw: str) -> bool:
    tolerance = _DIFFERENCE_TOLERANCE.get(quantity, TEMPERATURE_TOLERANCE_K)
    return any(abs(abs(float(n)) - delta) <= tolerance for n in _NUMBER.findall(raw))


def winner(facts: ChemFacts, comparison: Comparison) -> tuple[MoleculeRecord, list[MoleculeRecord]] | None:
    """The molecule the comparison asks for, by the tools' values, and the others; None when a value is missing."""
    valued = [(m, value_of(m, comparison.quantity)) for m in facts.molecules]
    if len(valued) < 2 or any(v is None for _, v in valued):
        return None
    ordered = sorted(valued, key=lambda mv: float(mv[1]), reverse=comparison.direction == "higher")  # type: ignore[arg-type]
    return ordered[0][0], [m for m, _ in ordered[1:]]


def _claimed_winner(raw: str, comparison: Comparison, names: dict[str, set[str]], facts: ChemFacts) -> MoleculeRecord | None:
    """The molecule the answer's comparing sentence puts first (or second, when it turns the comparison round)."""
    for sentence in _SENTENCE_END.split(raw):
        lowered = sentence.lower()
        higher, lower = _HIGHER.search(sentence), _LOWER.search(sentence)
        if not (higher or lower):
            continue
        found = []
        for molecule in facts.molecules:
            spots = [m.start() for n in names.get(molecule.inchikey, set()) if len(n) >= 3
                     for m in re.finditer(rf"(?<![\w-]){re.escape(n)}(?![\w-])", lowered)]
            if spots:
                found.append((min(spots), molecule))
        if len(found) < 2:
            continue
        found.sort(key=lambda item: item[0])
        said = "higher" if higher and (not lower or higher.start() < lower.start()) else "lower"
        return found[0][1] if said == comparison.direction else found[1][1]
    return None


def _names_beyond_the_question(molecule: MoleculeRecord, names: dict[str, set[str]]) -> set[str]:
    """A molecule's names, less the SMILES the question gave it by: repeating that says nothing of it."""
    given = {molecule.query.lower()} if molecule.source == "smiles" else set()
    return names.get(molecule.inchikey, set()) - given


def check_coverage(draft: ParsedDraft, raw: str, facts: ChemFacts, store: CompoundStore) -> CheckResult | None:
    """Fails when an asked item the tools can supply is missing; None when no tool can say what an
    answer must contain (general chemistry, reactions without a tool): such replies stay unchecked."""
    if facts.task in _UNCOVERED_TASKS or not (facts.molecules or facts.formulas or facts.unresolved):
        return None
    names = allowed_names(facts, store)
    missing: list[tuple[str, str]] = []
    if facts.task == "validity":
        invalid = [u for u in facts.unresolved if u.kind == "smiles"]
        verdict = draft.labels.get("valid", "") or raw
        right = bool(_NO.search(verdict)) if invalid else bool(_YES.search(verdict)) and not _NO.search(verdict)
        if not right:
            answer = "not valid: " + invalid[0].message if invalid else "valid"
            missing.append(("whether the SMILES is valid", answer))
    elif not facts.molecules and not facts.formulas:
        return None
    unit = asked_unit(facts)
    settled_by_option = facts.choice is not None and bool(facts.choice.chosen)  # the option check judges it
    for molecule in [] if settled_by_option else facts.molecules:
        for quantity in wanted(facts):
            value = value_of(molecule, quantity)
            if value is not None and not _given(quantity, molecule, draft, raw, names.get(molecule.inchikey, set()), unit):
                words = _WORDS.get(quantity, quantity.replace("_", " "))
                missing.append((f"the {words} of {label(molecule)}", shown_value(quantity, value, unit)))
    for item in facts.formulas:
        if "mass" in facts.requested and not any(near_mass(m.value, [item.average_mass]) for m in draft.masses):
            missing.append((f"the molecular weight of {item.hill}", f"{item.average_mass:.3f} g/mol"))
    if facts.task == "describe" and facts.molecules and not any(
        _given("formula", m, draft, raw, set()) or _given("name", m, draft, raw, _names_beyond_the_question(m, names))
        for m in facts.molecules
    ):
        missing.append(("which molecule it describes", ", ".join(f"{label(m)} ({m.formula})" for m in facts.molecules)))
    comparison = facts.intent.comparison
    if comparison is not None and not settled_by_option and (ranked := winner(facts, comparison)) is not None:
        best, _ = ranked
        claimed = _claimed_winner(raw, comparison, names, facts)
        if claimed is None or claimed.inchikey != best.inchikey:
            words = _WORDS.get(comparison.quantity, comparison.quantity.replace("_", " "))
            missing.append((f"which has the {comparison.direction} {words}", label(best)))
        delta = difference(facts, comparison)
        if facts.intent.difference and delta is not None and not _gives_difference(comparison.quantity, delta, raw):
            missing.append(("by how much they differ", shown_difference(comparison.quantity, delta)))
    said = sameness_verdict(facts.intent, facts.molecules, [label(m) for m in facts.molecules])
    if said is not None and stated_verdict(raw) != said.yes:
        missing.append(("the right yes or no", said.sentence))
    problems = [f"it did not give {what}" for what, _ in missing]
    fixes = [f"Give {what}: {value}." for what, value in missing]
    return CheckResult(name="answers_question", kind="coverage", passed=not missing, message="; ".join(problems),
                       feedback=" ".join(fixes), expected=[what for what, _ in missing] or wanted(facts))


def unchecked_parts(facts: ChemFacts, author: str) -> list[str]:
    """What a reply to these facts says that no tool checked, in words for the user."""
    parts = []
    if author == "model":  # a text the tools wrote says "Not answered: …" itself
        request = facts.request
        if request is not None and request.options and not (facts.choice and facts.choice.chosen):
            parts.append("the option chosen: the model's choice, no tool evaluated the options")
        parts += [part for part in facts.unanswered if not part.startswith("which option")]
    if facts.task == "general" and not facts.unanswered:
        parts.append("the whole answer: no tool checks general chemistry explanations")
    if facts.task == "reaction" and facts.prediction is None and not facts.reactions:
        parts.append("the reaction: no tool predicted or checked its products")
    if asks_reagent(facts.question):
        parts.append("the reagent or conditions: the reaction tools do not name them")
    if facts.intent.why:
        parts.append("the explanation of why: the tools supply the facts, not the reasoning")
    for molecule in facts.molecules:
        doubtful = {d.value.key: d for d in molecule.doubtful}
        for quantity in wanted(facts):
            words = _WORDS.get(quantity, quantity.replace("_", " "))
            if quantity in doubtful:
                d = doubtful[quantity]
                parts.append(f"the {words} of {label(molecule)}: the store's {shown_value(quantity, d.value.value)} is far from "
                             f"{shown_value(quantity, d.parent_value.value)} for unlabelled {d.parent}, so no value is vouched for")
            elif value_of(molecule, quantity) is None:
                parts.append(f"the {words} of {label(molecule)}: not in the compound store")
    parts += [f"the number of each component of {label(m)}: a name written 'A;B' does not state it (one of each is assumed)"
              for m in facts.molecules if m.source == "opsin" and ratio_unstated(m.query, m.smiles)]
    parts += [f"'{item.query}': not resolved to a structure" for item in facts.unresolved if facts.task != "validity"]
    if author == "model":
        if facts.task == "describe":
            parts.append("the description beyond the listed identifiers and properties")
        if any(q in facts.requested for q in ("descriptors", "functional_groups")):
            parts.append("descriptor and functional-group statements")
    return parts


def choice_check(raw: str, facts: ChemFacts) -> CheckResult | None:
    """A multiple-choice reply names its option first: the tools' choice where they made one (checked),
    else any one option (the model's, unchecked), or says plainly that it cannot choose."""
    request = facts.request
    if request is None or not request.options:
        return None
    named = chosen(raw, request.choices)
    first_line = next((line for line in raw.strip().splitlines() if line.strip()), "")
    stated = stated_options(raw, request.choices)
    wavers = len(named) == 1 and len(stated) > 1  # "The answer is C … The answer is D"
    right = facts.choice.chosen if facts.choice is not None else []
    declined = "not answered: which option" in raw.lower()
    if right:
        passed = sorted(named) == sorted(right) and not wavers
        feedback = f"Start the answer with the option the tools choose: Answer: {', '.join(right)}. {answer_tag(right)}"
    else:
        passed = declined or (len(named) == 1 and not wavers and bool(chosen(first_line, request.choices)))
        feedback = "Start the answer with the letter of the one option you choose, e.g. 'Answer: B'."
    if passed:
        message = ""
    elif wavers:
        message = f"it states options {', '.join(stated)} in turn"
    elif right:
        message = f"it names option(s) {', '.join(named) or 'none'}, not {', '.join(right)}"
    elif len(named) == 1:
        message = "its first line names no option (the chosen option must come first)"
    else:
        message = f"it names {len(named)} options instead of one"
    return CheckResult(name="option_chosen", kind="coverage", passed=passed, message=message,
                       feedback="" if passed else feedback, expected=right, found=named)


def _as_given(molecule: MoleculeRecord, quantity: str) -> bool:
    """The item is how the user wrote the molecule ("the mass of the molecule with SMILES CCO"): echoing
    it back answers nothing when something else was asked."""
    if quantity == "smiles":
        return molecule.source == "smiles"
    if quantity == "name":  # named by the user: any name of it, restyled or not ("2-aminoacetic acid"), is an echo
        return molecule.source != "smiles"
    value = value_of(molecule, quantity)
    return isinstance(value, str) and value.casefold() == molecule.query.casefold()


def states_an_asked_value(text: str, facts: ChemFacts) -> bool | None:
    """Whether a sentence gives at least one asked item the tools know (None: nothing is asked that
    the tools can supply); the sentence is what a user reads first, so it must carry the answer."""
    from assistants.chem.draft import parse_draft

    comparison = facts.intent.comparison
    if comparison is not None and (ranked := winner(facts, comparison)) is not None:  # the winner is the answer
        names = {m.inchikey: {n.lower() for n in (m.query, m.name, m.common_name) if n} for m in facts.molecules}
        claimed = _claimed_winner(text, comparison, names, facts)
        if claimed is not None:
            return claimed.inchikey == ranked[0].inchikey
    known = [(m, q) for m in facts.molecules for q in wanted(facts) if value_of(m, q) is not None]
    asked = [(m, q) for m, q in known if not _as_given(m, q)] or known
    if not asked:
        return None
    parsed, unit = parse_draft(text), asked_unit(facts)
    return any(_given(q, m, parsed, text, {n.lower() for n in (m.name, m.common_name) if n}, unit) for m, q in asked)
