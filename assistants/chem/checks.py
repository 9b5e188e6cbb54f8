"""Verify for chemistry: every structure, formula, mass, property and name in a draft against the facts."""

from __future__ import annotations

import re
from functools import lru_cache

from assistants.chem.draft import ParsedDraft
from assistants.chem.facts import ChemFacts
from assistants.chem.formulas import element_counts, formula_counts, typed_formula_counts
from assistants.chem.molecule import InvalidSmiles, inchi_key, parse_smiles
from assistants.chem.naming import checked_readings
from assistants.chem.reactions.chat import reaction_checks
from assistants.chem.store import CompoundStore
from assistants.chem.values import TEMPERATURE_TOLERANCE_K, near_mass
from stages.reply import CheckKind, CheckResult

_DOES_NOT_KNOW = re.compile(
    r"not in the (compound )?store|unknown|not known|no verified|cannot|can't|don't know|do not know|not available|none|n/a",
    re.IGNORECASE,
)


def _check(name: str, problems: list[str], expected: object = None, found: object = None,
           fixes: list[str] | None = None, kind: CheckKind = "claim") -> CheckResult:
    """`problems` say what the draft got wrong; `fixes` tell the model what to write instead."""
    return CheckResult(name=name, kind=kind, passed=not problems, message="; ".join(problems),
                       feedback=" ".join(fixes or []), expected=expected, found=found)


def check_smiles(draft: ParsedDraft, facts: ChemFacts) -> list[CheckResult]:
    known = facts.known_inchikeys
    invalid, unknown = [], []
    for smiles in draft.smiles:
        try:
            key = inchi_key(smiles) if parse_smiles(smiles) is not None else ""
        except InvalidSmiles as exc:
            if smiles not in facts.question:  # a piece of a name the user wrote ("[2-(…)ethyl]") is no SMILES claim
                invalid.append(f"it wrote {smiles}, which is not valid SMILES ({exc})")
            continue
        if key not in known:
            unknown.append(smiles)
    expected = sorted(m.smiles for m in facts.molecules)
    mismatch, fixes = [], []
    if unknown:
        if expected:
            mismatch.append(f"it gave the SMILES {', '.join(unknown)}, which is not the structure the tools found")
            fixes.append(f"Use only the SMILES from the tool facts ({', '.join(expected)}).")
        else:
            mismatch.append(f"it gave the SMILES {', '.join(unknown)}, which no tool established")
            fixes.append("Do not invent structures.")
    fixes_invalid = ["Write only SMILES from the tool facts."] if invalid else []
    return [_check("smiles_valid", invalid, found=draft.smiles, fixes=fixes_invalid),
            _check("smiles_match", mismatch, expected=expected, found=draft.smiles, fixes=fixes)]


def computed_formulas(facts: ChemFacts) -> list[str]:
    """Formulas the calculators wrote (an empirical formula, the species of a balanced equation)."""
    from assistants.chem.draft import parse_draft

    written = " ".join(text for c in facts.computed for text in (c.sentence, *c.facts))
    return parse_draft(written).formulas if written else []


def check_formulas(draft: ParsedDraft, facts: ChemFacts) -> CheckResult:
    known = [m.formula for m in facts.molecules] + [f.hill for f in facts.formulas]
    known += [m.formula for r in facts.reactions for m in r.reactants + r.products]
    known += computed_formulas(facts)
    known_counts = [formula_counts(f) for f in known]
    wrong = [f for f in draft.formulas if not any(counts in known_counts for counts in typed_formula_counts(f))]
    problems = [f"it gave the formula {formula}, which matches no molecule the tools found" for formula in wrong]
    fixes = [f"The formulas from the tools are {', '.join(known) or 'none'}."] if wrong else []
    return _check("formula_match", problems, expected=known, found=draft.formulas, fixes=fixes)


def check_masses(draft: ParsedDraft, facts: ChemFacts) -> CheckResult:
    """A molecular weight must be an average mass, an exact mass a monoisotopic one; a mass the draft
    does not name may be either."""
    average = [m.average_mass for m in facts.molecules] + [f.average_mass for f in facts.formulas]
    exact = [m.monoisotopic_mass for m in facts.molecules]
    if facts.intent.difference:  # "by how much heavier": a difference of two weights is a mass claim too
        average += [abs(a - b) for i, a in enumerate(average) for b in average[i + 1:]]
    pools = {"average": ("molecular weight", average), "monoisotopic": ("monoisotopic mass", exact),
             "either": ("mass", average + exact)}
    problems, fixes = [], []
    for stated in draft.masses:
        called, known = pools[stated.kind]
        if not near_mass(stated.value, known):
            computed = ", ".join(f"{k:.3f}" for k in known) or "none"
            problems.append(f"it gave the {called} {stated.value}, which is not what RDKit computes")
            fixes.append(f"The computed {called} is {computed}.")
    return _check("mass_match", problems, expected=average + exact, found=[m.value for m in draft.masses], fixes=fixes)


def check_properties(draft: ParsedDraft, facts: ChemFacts) -> CheckResult:
    """Every temperature the draft ties to a property, on a labelled line or in prose, against the store."""
    stated = {(key, t.kelvin): t for key, t in draft.temperatures.items()}
    stated |= {(m.key, m.temperature.kelvin): m.temperature for m in draft.temperature_mentions if m.key}
    problems, fixes = [], []
    for (key, kelvin), temperature in stated.items():
        values = [p.value for m in facts.molecules for p in m.properties if p.key == key]
        # a doubtful store value, or the unlabelled parent's, may be quoted: the reply marks it unchecked
        values += [v.value for m in facts.molecules for d in m.doubtful if d.value.key == key for v in (d.value, d.parent_value)]
        words = key.replace("_", " ")
        if not values:
            problems.append(f"it gave a {words} of {temperature.text}, which no tool supplies")
            fixes.append(f"Do not state a {words}: the tool facts have none.")
        elif not any(abs(kelvin - v) <= TEMPERATURE_TOLERANCE_K for v in values):
            problems.append(f"it gave a {words} of {temperature.text}, which is not the store's value")
            fixes.append(f"The store's {words} is {', '.join(f'{v:.2f} K' for v in values)}.")
    return _check("property_match", problems, found={f"{k} {t.text}": kelvin for (k, kelvin), t in stated.items()}, fixes=fixes)


def check_names(draft: ParsedDraft, facts: ChemFacts, store: CompoundStore) -> CheckResult:
    """A stated name passes when the store lists it for the structure or OPSIN reads it back to the
    structure, whatever its style ("2-acetoxybenzoic acid" and "2-(acetyloxy)benzoic acid" alike)."""
    stated = [draft.labels[k] for k in ("name", "iupac name", "common name") if draft.labels.get(k)]
    allowed = set().union(*allowed_names(facts, store).values())
    unlisted = [name for name in stated if _name_key(name) not in allowed and not _DOES_NOT_KNOW.search(name)]
    keys = {m.inchikey for m in facts.molecules}
    readings = checked_readings(unlisted) if unlisted else {}
    reads = {name: readings.get(name) in keys for name in unlisted}
    problems, fixes = [], []
    for name in (n for n in unlisted if not reads[n]):
        names = ", ".join(m.name for m in facts.molecules if m.name) or "none: no tool has a checked name for it"
        problems.append(f"it gave the name '{name}', which is not this structure's (the store does not list it "
                        "and OPSIN does not read it as this structure)")
        fixes.append(f"The checked names: {names}.")
    return _check("name_match", problems, found=stated, fixes=fixes)


def _name_key(name: str) -> str:
    return " ".join(name.strip().strip("`*.").split()).lower()


# PubChem lists formulas among synonyms ("c2h6o" for ethanol): a formula is shared by isomers, never a name.
_FORMULA_SYNONYM = re.compile(r"(?=.*\d)(?:[a-z][a-z]?\d*)+")


@lru_cache(maxsize=256)
def _store_names(store: CompoundStore, cid: int) -> frozenset[str]:
    """Every name the store lists for a compound (read once per compound: name and coverage checks both ask)."""
    compound = store.by_cid(cid)
    return frozenset(store.names_of(compound, limit=1000)) if compound is not None else frozenset()


def allowed_names(facts: ChemFacts, store: CompoundStore) -> dict[str, set[str]]:
    """Every name the store lists for each resolved molecule (by InChIKey), plus the query as asked."""
    names: dict[str, set[str]] = {}
    for molecule in facts.molecules:
        allowed = {n.lower() for n in (molecule.name, molecule.common_name, molecule.query) if n}
        if molecule.cid is not None:
            allowed |= _store_names(store, molecule.cid)
        names.setdefault(molecule.inchikey, set()).update(n for n in allowed if not _FORMULA_SYNONYM.fullmatch(n))
    return names


def check_products(draft: ParsedDraft, facts: ChemFacts) -> CheckResult:
    """A predicted product must be valid and made only of atoms the reactants supply."""
    if facts.task != "reaction" or not draft.labels.get("product"):
        return _check("reaction_conservation", [])
    reactants = [m.smiles for m in facts.molecules] + [m.smiles for r in facts.reactions for m in r.reactants]
    reactants += facts.prediction.query + facts.prediction.reagents if facts.prediction is not None else []
    products = [s for s in draft.labels["product"].replace(" ", "").split(".") if s and s.lower() not in {"none", "unknown"}]
    problems = []
    try:
        supplied, made = element_counts(reactants), element_counts(products)
    except InvalidSmiles as exc:
        return _check("reaction_conservation", [f"its product is not valid SMILES: {exc}"], fixes=["Give a valid product SMILES."])
    extra = {e: n - supplied.get(e, 0) for e, n in made.items() if e != "H" and n > supplied.get(e, 0)}
    if extra:
        problems.append(
            "its product uses atoms the reactants do not supply (" + ", ".join(f"{e} +{n}" for e, n in extra.items()) + ")"
        )
    fixes = ["A product may contain only atoms the reactants supply."] if extra else []
    return _check("reaction_conservation", problems, expected=supplied, found=made, fixes=fixes)


_INCHIKEY = re.compile(r"\b[A-Z]{14}-[A-Z]{10}-[A-Z]\b")
_INCHI = re.compile(r"InChI=1S?/[^\s,;]+")
_CAS_NUMBER = re.compile(r"(?<![\d-])(?<!IEC )(?<!ISO )(?<!EN )\d{2,7}-\d{2}-\d(?![\d-])")  # "IEC 60079-20-1" is a standard


def check_identifiers(raw: str, facts: ChemFacts) -> CheckResult:
    """InChIKeys, InChIs and CAS numbers anywhere in the text must be the resolved molecules' own."""
    molecules = facts.molecules + [m for r in facts.reactions for m in r.reactants + r.products]
    keys, inchis = {m.inchikey for m in molecules}, {m.inchi for m in molecules}
    cas = {m.cas for m in molecules if m.cas}
    problems = [f"it gave the InChIKey {k}, which belongs to no molecule the tools found" for k in _INCHIKEY.findall(raw) if k not in keys]
    problems += [f"it gave the InChI {i}, which belongs to no molecule the tools found"
                 for i in (x.rstrip(".)") for x in _INCHI.findall(raw)) if i not in inchis]
    problems += [f"it gave the CAS number {c}, which the compound store does not list for this molecule"
                 for c in _CAS_NUMBER.findall(raw) if c not in cas and c not in facts.question]
    fixes = ["Copy identifiers exactly from the tool facts; give none that they do not list."] if problems else []
    return _check("identifiers_match", problems, found=_INCHIKEY.findall(raw) + _CAS_NUMBER.findall(raw), fixes=fixes)


def check_reaction_claims(raw: str, draft: ParsedDraft, facts: ChemFacts) -> list[CheckResult]:
    """A predicted reaction's claims against the template tools (assistants/chem/reactions)."""
    if facts.prediction is None:
        return []
    return reaction_checks(raw, draft.smiles, draft.labels.get("product", ""), facts.prediction)


def chem_checks(draft: ParsedDraft, facts: ChemFacts, store: CompoundStore, raw: str = "") -> list[CheckResult]:
    return [
        check_identifiers(raw, facts),
        *check_smiles(draft, facts),
        check_formulas(draft, facts),
        check_masses(draft, facts),
        check_properties(draft, facts),
        check_names(draft, facts, store),
        check_products(draft, facts),
    ]
