"""Verify for chemistry: every structure, formula, mass, property and name in a draft against the facts."""

from __future__ import annotations

import re

from assistants.chem.draft import ParsedDraft
from assistants.chem.facts import ChemFacts, element_counts, formula_counts, typed_formula_counts
from assistants.chem.molecule import InvalidSmiles, inchi_key, parse_smiles
from assistants.chem.reactions.chat import reaction_checks
from assistants.chem.store import CompoundStore
from stages.reply import CheckResult

MASS_TOLERANCE = 0.05  # g/mol, or 0.05% of the mass when larger
TEMPERATURE_TOLERANCE_K = 1.0
_DOES_NOT_KNOW = re.compile(
    r"not in the (compound )?store|unknown|not known|no verified|cannot|can't|don't know|do not know|not available|none|n/a",
    re.IGNORECASE,
)


def _check(name: str, problems: list[str], expected: object = None, found: object = None) -> CheckResult:
    return CheckResult(name=name, passed=not problems, message=" ".join(problems), expected=expected, found=found)


def check_smiles(draft: ParsedDraft, facts: ChemFacts) -> list[CheckResult]:
    known = facts.known_inchikeys
    invalid, unknown = [], []
    for smiles in draft.smiles:
        try:
            key = inchi_key(smiles) if parse_smiles(smiles) is not None else ""
        except InvalidSmiles as exc:
            invalid.append(f"The SMILES {smiles} is invalid: {exc}")
            continue
        if key not in known:
            unknown.append(smiles)
    expected = sorted(m.smiles for m in facts.molecules)
    mismatch = []
    if unknown:
        if expected:
            mismatch.append(f"The SMILES {', '.join(unknown)} do not match the tool result ({', '.join(expected)}).")
        else:
            mismatch.append(f"The SMILES {', '.join(unknown)} are not established by any tool; do not invent structures.")
    if facts.task == "name_to_smiles" and facts.molecules:
        found_keys = set()
        for smiles in draft.smiles:
            try:
                found_keys.add(inchi_key(smiles))
            except InvalidSmiles:
                continue
        missing = [m for m in facts.molecules if m.inchikey not in found_keys]
        if missing:
            mismatch.append("Give the SMILES: " + ", ".join(f"{m.query}: {m.smiles}" for m in missing) + ".")
    return [_check("smiles_valid", invalid, found=draft.smiles), _check("smiles_match", mismatch, expected=expected, found=draft.smiles)]


def check_formulas(draft: ParsedDraft, facts: ChemFacts) -> CheckResult:
    known = [m.formula for m in facts.molecules] + [f.hill for f in facts.formulas]
    known += [m.formula for r in facts.reactions for m in r.reactants + r.products]
    known_counts = [formula_counts(f) for f in known]
    problems = [
        f"The formula {formula} does not match the tool result ({', '.join(known) or 'none'})."
        for formula in draft.formulas
        if not any(counts in known_counts for counts in typed_formula_counts(formula))
    ]
    if "formula" in facts.requested and facts.molecules and not draft.formulas:
        problems.append("Give the molecular formula: " + ", ".join(f"{m.query}: {m.formula}" for m in facts.molecules) + ".")
    return _check("formula_match", problems, expected=known, found=draft.formulas)


def check_masses(draft: ParsedDraft, facts: ChemFacts) -> CheckResult:
    """A molecular weight must be an average mass, an exact mass a monoisotopic one; a mass the draft
    does not name may be either."""
    average = [m.average_mass for m in facts.molecules] + [f.average_mass for f in facts.formulas]
    exact = [m.monoisotopic_mass for m in facts.molecules]
    pools = {"average": ("molecular weight", average), "monoisotopic": ("monoisotopic mass", exact),
             "either": ("mass", average + exact)}
    problems = []
    for stated in draft.masses:
        called, known = pools[stated.kind]
        if not any(abs(stated.value - k) <= max(MASS_TOLERANCE, k * 0.0005) for k in known):
            computed = ", ".join(f"{k:.3f}" for k in known) or "none"
            problems.append(f"The {called} {stated.value} does not match the computed {called} ({computed}).")
    if "mass" in facts.requested and facts.molecules and not any(m.kind != "monoisotopic" for m in draft.masses):
        problems.append("Give the molecular weight: " + ", ".join(f"{m.query}: {m.average_mass:.3f} g/mol" for m in facts.molecules) + ".")
    return _check("mass_match", problems, expected=average + exact, found=[m.value for m in draft.masses])


def check_properties(draft: ParsedDraft, facts: ChemFacts) -> CheckResult:
    """Every temperature the draft ties to a property, on a labelled line or in prose, against the store."""
    stated = {(key, t.kelvin): t for key, t in draft.temperatures.items()}
    stated |= {(m.key, m.temperature.kelvin): m.temperature for m in draft.temperature_mentions if m.key}
    problems = []
    for (key, kelvin), temperature in stated.items():
        values = [p.value for m in facts.molecules for p in m.properties if p.key == key]
        if not values:
            problems.append(f"The {key.replace('_', ' ')} {temperature.text} is not in the tool facts; do not state it.")
        elif not any(abs(kelvin - v) <= TEMPERATURE_TOLERANCE_K for v in values):
            problems.append(f"The {key.replace('_', ' ')} {temperature.text} does not match the store ({', '.join(f'{v:.2f} K' for v in values)}).")
    return _check("property_match", problems, found={f"{k} {t.text}": kelvin for (k, kelvin), t in stated.items()})


def check_names(draft: ParsedDraft, facts: ChemFacts, store: CompoundStore) -> CheckResult:
    stated = [draft.labels[k] for k in ("name", "iupac name", "common name") if draft.labels.get(k)]
    allowed: set[str] = set()
    for molecule in facts.molecules:
        if molecule.cid is not None:
            compound = store.by_cid(molecule.cid)
            if compound is not None:
                allowed |= set(store.names_of(compound, limit=1000))
        allowed |= {n.lower() for n in (molecule.name, molecule.common_name, molecule.query) if n}
    problems = []
    for name in stated:
        key = " ".join(name.strip().strip("`*.").split()).lower()
        if key in allowed or _DOES_NOT_KNOW.search(name):
            continue
        names = ", ".join(m.name for m in facts.molecules if m.name) or "none: the structure is not in the compound store"
        problems.append(f"The name '{name}' does not match the compound store ({names}).")
    if facts.task == "smiles_to_name":
        for molecule in facts.molecules:
            if molecule.name and not any(" ".join(n.strip().strip("`*.").split()).lower() in allowed for n in stated):
                problems.append(f"Give the IUPAC name from the store: {molecule.name}.")
    return _check("name_match", problems, found=stated)


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
        return _check("reaction_conservation", [f"The product is not valid SMILES: {exc}"])
    extra = {e: n - supplied.get(e, 0) for e, n in made.items() if e != "H" and n > supplied.get(e, 0)}
    if extra:
        problems.append(
            "The product uses atoms the reactants do not supply (" + ", ".join(f"{e} +{n}" for e, n in extra.items()) + ")."
        )
    return _check("reaction_conservation", problems, expected=supplied, found=made)


def check_reaction_claims(raw: str, draft: ParsedDraft, facts: ChemFacts) -> list[CheckResult]:
    """A predicted reaction's claims against the template tools (assistants/chem/reactions)."""
    if facts.prediction is None:
        return []
    return reaction_checks(raw, draft.smiles, draft.labels.get("product", ""), facts.prediction)


def chem_checks(draft: ParsedDraft, facts: ChemFacts, store: CompoundStore) -> list[CheckResult]:
    return [
        *check_smiles(draft, facts),
        check_formulas(draft, facts),
        check_masses(draft, facts),
        check_properties(draft, facts),
        check_names(draft, facts, store),
        check_products(draft, facts),
    ]
