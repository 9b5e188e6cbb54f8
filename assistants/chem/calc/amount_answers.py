"""Calculators of amounts and equations: grams ↔ moles ↔ molecules, limiting reagent and yield, mass
percent, empirical formulas, oxygen for combustion, balancing, reaction enthalpies, oxidation states."""

from __future__ import annotations

import re
from fractions import Fraction

from assistants.chem.calc.equations import EQUATION, EquationError, balance_equation
from assistants.chem.calc.numbers import number_value
from assistants.chem.calc.parts import ELEMENT, ELEMENT_NAMES, Outcome, Part, Subjects, molecule_counts
from assistants.chem.calc.property_answers import energy_text, formation_enthalpy
from assistants.chem.calc.results import Computed, NotComputed, Value
from assistants.chem.calc.stoichiometry import (
    AVOGADRO, FormulaError, combustion_oxygen, combustion_products, composition, counts_of, empirical, empirical_from_percent, hill, molar_mass,
    oxidation_states, shown_state,
)
from assistants.chem.resolve import label

_AMOUNT = re.compile(r"(?P<value>\d+(?:\.\d+)?(?:\s*[x×]\s*10\^?\s*[-−]?\d+|e[-−]?\d+)?)\s*-?\s*"
                     r"(?P<unit>mmol|moles?|mols?|kg|mg|grams?|gms?|g|molecules)\b", re.IGNORECASE)
_PERCENT = re.compile(r"(?P<value>\d+(?:\.\d+)?)\s*%\s*(?:of\s+)?" + ELEMENT + r"|" + ELEMENT.replace("element", "element2") +
                      r"\s*[:=]?\s*(?P<value2>\d+(?:\.\d+)?)\s*%")
_MASS_UNITS = frozenset({"g", "gram", "grams", "gm", "gms", "kg", "mg"})


def formula_subjects(subjects: Subjects) -> list[tuple[str, dict[str, int], str]]:
    """(label, element counts, the text the question wrote it as) for every molecule and formula."""
    found = []
    for m in subjects.molecules:
        try:
            found.append((label(m), molecule_counts(m), m.query))
        except FormulaError:
            continue
    for written in subjects.formulas:
        try:
            counts = counts_of(written)
        except FormulaError:
            continue
        if all(counts != known for _, known, _ in found):  # "water (H2O)" is one substance
            found.append((written, counts, written))
    return found


def _with_formula(written: str, counts: dict[str, int]) -> str:
    """"phosphoric acid (H3O4P)"; a formula the user wrote stays as written."""
    return written if written_as_formula(written) else f"{written} ({hill(counts)})"


def written_as_formula(text: str) -> bool:
    return bool(re.fullmatch(r"(?:[A-Z][a-z]?\d*|\(|\)\d*)+", text))


def given_amounts(text: str, subjects: list[tuple[str, dict[str, int], str]]) -> list[tuple[float, str, tuple[str, dict[str, int], str]]]:
    """Each amount the text gives ("2 moles of NaCl", "10 g water") with the substance written after it."""
    found = []
    lowered = text.lower()
    for match in _AMOUNT.finditer(text):
        after = lowered[match.end():]
        positions = [(after.find(w.lower()), s) for s in subjects for w in (s[2], s[0]) if after.find(w.lower()) >= 0]
        if positions:
            found.append((number_value(match.group("value")), match.group("unit").lower(), min(positions, key=lambda p: p[0])[1]))
        elif len(subjects) == 1:  # "the number of moles of water in 10 g"
            found.append((number_value(match.group("value")), match.group("unit").lower(), subjects[0]))
    return found


def in_moles(value: float, unit: str, counts: dict[str, int]) -> float:
    if unit.startswith("mol") and unit != "molecules":  # mol, mols, mole, moles
        return value
    if unit == "mmol":
        return value / 1000
    if unit == "molecules":
        return value / AVOGADRO
    grams = value * {"kg": 1000, "mg": 0.001}.get(unit, 1)
    return grams / molar_mass(counts)


WANTS_GRAMS = re.compile(r"\bhow many (?:grams|g|kilograms|milligrams)\b|\b(?:what is|calculate|find|determine) the mass\b|"
                          r"\bwhat mass\b|\bmass in grams\b|\bweigh|\bin grams\b|(?<![\d.]\s)\bgrams\?|\bhow much (?:does|do|would)\b|"
                          r"\bunit of the answer is g\b", re.IGNORECASE)
# "moles?" or "grams?" after a number is the amount given ("how many grams are there in 2 moles?"), not the one asked
WANTS_MOLES = re.compile(r"\bhow many (?:moles|mol|mmol)\b|\bnumber of moles\b|\bamount of substance\b|\bin moles\b|(?<![\d.]\s)\bmoles\?|"
                          r"\bunit of the answer is mol\b", re.IGNORECASE)
_WANTS_MOLECULES = re.compile(r"\bhow many (?:molecules|particles|formula units)\b|\bnumber of molecules\b", re.IGNORECASE)


# What a conversion is asked as; without one of these an amount in a question asks something else.
_CONVERSION = re.compile(r"\bconvert|\bto (?:grams?|g|moles?|mols?|molecules)\b|\bin (?:grams?|g|moles?|mols?)\b|"
                         r"\bis how many\b|\bequals?\b", re.IGNORECASE)
# Other quantities a problem with an amount asks for (ideal-gas pressure, pH, heat …): not a conversion.
_ASKS_AMOUNT = re.compile(r"\bmass\b|\bmoles?\b|\bmols?\b|\bgrams?\b|\bamount\b|\bmolecules\b|\bweigh", re.IGNORECASE)
_OTHER_QUANTITY = re.compile(r"\b(?:pressure|atm|volume|litres?|liters?|temperature|ph|concentration|molarity|heat|energy|"
                             r"enthalpy|yield|kpa|density)\b", re.IGNORECASE)
_ASKED_SUBSTANCE = re.compile(r"\b(?:how many|how much|mass|grams?|moles?|mols?|amount|number of moles)\s+(?:\w+\s+)?of\s+"
                              r"(?:the\s+)?([A-Za-z][\w()]*)|\bhow (?:many|much)\s+(?!(?:grams?|g|moles?|mols?|molecules)\b)"
                              r"([A-Za-z][\w()]*)", re.IGNORECASE)
_NOT_A_SUBSTANCE = frozenset({"is", "are", "do", "does", "would", "will", "should", "can", "it", "that", "there", "in", "of", "substance",
                              "a", "sample", "this", "the"})


def _converts(text: str, name: str, written: str) -> bool:
    """Whether the part asks to convert the given amount of this substance (not to find another's)."""
    asks = _CONVERSION.search(text) or _ASKS_AMOUNT.search(text)
    if not asks or _OTHER_QUANTITY.search(text):
        return False
    other = [w.lower() for m in _ASKED_SUBSTANCE.finditer(text) if (w := m.group(1) or m.group(2)) and w.lower() not in _NOT_A_SUBSTANCE]
    return all(word in (name.lower(), written.lower()) or word in name.lower().split() or word in written.lower().split()
               for word in other)


def grams_moles(part: Part, subjects: Subjects) -> Outcome:
    items = formula_subjects(subjects)
    amounts = given_amounts(part.text, items)
    if not amounts or not _converts(part.text, amounts[0][2][0], amounts[0][2][2]):
        return []
    value, unit, (name, counts, _) = amounts[0]
    moles = in_moles(value, unit, counts)
    mass = molar_mass(counts)
    given = f"{value:g} {unit} of {name}"
    # a mass given asks for moles ("I weighed 10 g, how many moles"), never for itself
    wants_grams = bool(WANTS_GRAMS.search(part.text)) and not WANTS_MOLES.search(part.text) and unit not in _MASS_UNITS
    if _WANTS_MOLECULES.search(part.text):
        n = moles * AVOGADRO
        said = f"{n:.4g} molecules"
        values = [Value(kind="number", number=n, unit="molecules", tolerance=0.005 * n)]
    elif wants_grams or (unit.startswith("mol") and not WANTS_MOLES.search(part.text)):
        grams = moles * mass
        said = f"{grams:.4g} g"
        values = [Value(kind="number", number=round(grams, 6), unit="g", tolerance=max(0.005 * grams, 0.01))]
    else:
        said = f"{moles:.4g} mol"
        values = [Value(kind="number", number=round(moles, 8), unit="mol", tolerance=max(0.005 * moles, 1e-6))]
    return [Computed(family="grams_moles", subject=name, sentence=f"{given} is {said} (molar mass of {hill(counts)}: {mass:.3f} g/mol).",
                     facts=[f"Molar mass of {hill(counts)}: {mass:.3f} g/mol (standard atomic weights)"], values=values,
                     source="stoichiometry with standard atomic weights", part=part.index)]


_PRODUCT_WORD = re.compile(r"\b(?:to form|forms?|forming|to produce|produces?|producing|to give|gives?|to make|makes?|yields?)\b", re.IGNORECASE)


def limiting_reagent(part: Part, subjects: Subjects) -> Outcome:
    """Which reactant runs out first, and the theoretical yield: from the equation the text writes, or
    from the reactants it gives amounts of and the product(s) it names after "to form"."""
    items = formula_subjects(subjects)
    amounts = given_amounts(part.text, items)
    reactant_labels = {s[0] for _, _, s in amounts}
    if len(reactant_labels) == 1:
        return _yield_with_excess(part, items, amounts[0])
    if len(reactant_labels) < 2:
        return []
    if (match := EQUATION.search(part.text)) is not None:
        written = match.group(0).rstrip(". ")
    else:
        after = _PRODUCT_WORD.search(part.text)
        tail = part.text[after.end():].lower() if after else ""
        asked = [w.lower() for m in _ASKED_SUBSTANCE.finditer(part.text) if (w := m.group(1) or m.group(2))]
        products = [s for s in items if s[0] not in reactant_labels and (
            s[2].lower() in tail or s[0].lower() in tail or any(w in (s[0].lower(), s[2].lower()) or w in s[2].lower().split()
                                                                for w in asked))]  # "How many grams of ammonia can be made from …"
        if not products:
            return [NotComputed(family="limiting_reagent", subject=", ".join(sorted(reactant_labels)), part=part.index,
                                reason="the question names no product and writes no equation, so the reaction is not known")]
        reactants = list({s[0]: s for _, _, s in amounts}.values())
        written = " + ".join(hill(s[1]) for s in reactants) + " -> " + " + ".join(hill(s[1]) for s in products)
    try:
        balanced = balance_equation(written)
    except EquationError as exc:
        return [NotComputed(family="limiting_reagent", subject=written, reason=str(exc), part=part.index)]
    coefficient = {hill(s.counts): c for s, c in zip(balanced.reactants + balanced.products, balanced.coefficients)}
    runs: list[tuple[float, str, dict[str, int]]] = []
    for value, unit, (name, counts, _) in amounts:
        if hill(counts) in coefficient and any(hill(r.counts) == hill(counts) for r in balanced.reactants):
            runs.append((in_moles(value, unit, counts) / coefficient[hill(counts)], name, counts))
    if len(runs) < 2:
        return []
    extent, limiting, _ = min(runs, key=lambda r: r[0])
    yields = [(p, extent * c * molar_mass(p.counts)) for p, c in zip(balanced.products, balanced.coefficients[len(balanced.reactants):])]
    said_yield = ", ".join(f"{grams:.4g} g of {p.written}" for p, grams in yields)
    values = [Value(kind="text", text=limiting)]
    if re.search(r"\byield|\bhow (?:many|much)\b[^?]*\b(?:form|produc|obtain|made|make)", part.text, re.IGNORECASE):
        values += [Value(kind="number", number=round(grams, 5), unit="g", tolerance=0.01 * grams) for _, grams in yields[:1]]
    moles = "; ".join(f"{r[1]}: {r[0] * coefficient[hill(r[2])]:.4g} mol" for r in runs)
    return [Computed(family="limiting_reagent", subject=", ".join(r[1] for r in runs),
                     sentence=f"{limiting[:1].upper()}{limiting[1:]} is the limiting reagent; the theoretical yield is {said_yield} "
                              f"({balanced.text()}).",
                     facts=[f"Reaction: {balanced.text()}", f"Moles given: {moles}"], values=values,
                     source="the balanced equation and standard atomic weights", part=part.index)]


_EXCESS = re.compile(r"\bexcess(?:\s+of)?\s+(?:the\s+)?(.{1,40}?)(?=[,.?;]|\s+(?:and|to|is|are|react)\b|$)|"
                     r"\b(.{1,40}?)\s+(?:is|are|being)\s+(?:in|used in)\s+excess\b", re.IGNORECASE)


def _mentions(text: str, item: tuple[str, dict[str, int], str]) -> bool:
    lowered = text.lower()
    return item[2].lower() in lowered or item[0].lower() in lowered


def _yield_with_excess(part: Part, items: list[tuple[str, dict[str, int], str]],
                       given: tuple[float, str, tuple[str, dict[str, int], str]]) -> Outcome:
    """The theoretical yield from one reactant's amount when the others are in excess ("How many grams of
    ammonia can be made from 5.0 g of N2 with excess hydrogen?"): the equation is balanced from the given
    reactant, the excess ones and the asked product; no equation that balances, no answer."""
    value, unit, reactant = given
    excess_words = " ".join(g for m in _EXCESS.finditer(part.text) for g in m.groups() if g)
    excess = [s for s in items if s[0] != reactant[0] and _mentions(excess_words, s)]
    asked = [w.lower() for m in _ASKED_SUBSTANCE.finditer(part.text) if (w := m.group(1) or m.group(2)) and w.lower() not in _NOT_A_SUBSTANCE]
    products = [s for s in items if s[0] != reactant[0] and s not in excess and any(w in (s[0].lower(), s[2].lower()) or
                                                                                       w in s[2].lower().split() for w in asked)]
    if not excess or len(products) != 1:
        return []
    product = products[0]
    written = " + ".join(hill(s[1]) for s in [reactant, *excess]) + " -> " + hill(product[1])
    try:
        balanced = balance_equation(written)
    except EquationError as exc:
        return [NotComputed(family="limiting_reagent", subject=written, part=part.index,
                            reason=f"no balanced equation makes only {product[0]} from these reactants ({exc})")]
    coefficients = dict(zip([hill(s.counts) for s in balanced.reactants + balanced.products], balanced.coefficients))
    moles = in_moles(value, unit, reactant[1]) / coefficients[hill(reactant[1])] * coefficients[hill(product[1])]
    grams = moles * molar_mass(product[1])
    wants_moles = bool(WANTS_MOLES.search(part.text))
    said = f"{moles:.4g} mol of {product[0]} ({grams:.4g} g)" if wants_moles else f"{grams:.4g} g of {product[0]} ({moles:.4g} mol)"
    number, unit_said = (moles, "mol") if wants_moles else (grams, "g")
    return [Computed(family="limiting_reagent", subject=reactant[0],
                     sentence=f"{value:g} {unit} of {reactant[0]} with the rest in excess gives at most {said}: {balanced.text()}.",
                     facts=[f"Reaction: {balanced.text()}"], values=[Value(kind="number", number=round(number, 6), unit=unit_said,
                                                                            tolerance=0.005 * number)],
                     source="the balanced equation and standard atomic weights", part=part.index)]


def mass_percent(part: Part, subjects: Subjects) -> Outcome:
    element_match = (re.search(rf"(?:of|is)\s+{ELEMENT}\s+(?:\w+\s+)?(?:in|of|by)\b", part.text)
                     or re.search(rf"\b(?P<element>{'|'.join(ELEMENT_NAMES)})\b", part.text, re.IGNORECASE))
    out: Outcome = []
    asked_element = element_match.group("element").lower() if element_match else ""
    for name, counts, _ in [s for s in formula_subjects(subjects) if s[0].lower() != asked_element and s[2].lower() != asked_element]:
        found = composition(counts)
        element = ELEMENT_NAMES.get(element_match.group("element").lower(), element_match.group("element")) if element_match else None
        if element is not None and element in found.mass_percent:
            share = found.mass_percent[element]
            out.append(Computed(family="mass_percent", subject=name,
                                sentence=f"{element} is {share:.2f} % of {name} ({hill(counts)}) by mass.",
                                facts=[f"Mass composition of {hill(counts)}: " + ", ".join(f"{e} {p:.2f} %" for e, p in found.mass_percent.items())],
                                values=[Value(kind="number", number=share, unit="%", tolerance=0.1)],
                                source="stoichiometry with standard atomic weights", part=part.index))
        elif element is None:
            said = ", ".join(f"{e} {p:.2f} %" for e, p in found.mass_percent.items())
            out.append(Computed(family="mass_percent", subject=name, sentence=f"The mass composition of {name} ({hill(counts)}) is {said}.",
                                values=[Value(kind="number", number=p, unit="%", tolerance=0.1) for p in found.mass_percent.values()],
                                source="stoichiometry with standard atomic weights", part=part.index))
    return out


def empirical_formula(part: Part, subjects: Subjects) -> Outcome:
    percents = {}
    for match in _PERCENT.finditer(part.text):
        element = match.group("element") or match.group("element2")
        value = match.group("value") or match.group("value2")
        percents[ELEMENT_NAMES.get(element.lower(), element)] = float(value)
    if len(percents) >= 2:
        try:
            formula = hill(empirical_from_percent(percents))
        except FormulaError as exc:
            return [NotComputed(family="empirical_formula", subject="the composition", reason=str(exc), part=part.index)]
        given = ", ".join(f"{e} {p:g} %" for e, p in percents.items())
        return [Computed(family="empirical_formula", subject=given, sentence=f"The empirical formula for {given} by mass is {formula}.",
                         values=[Value(kind="text", text=formula)], source="mole ratios from standard atomic weights", part=part.index)]
    out: Outcome = []
    for name, counts, _ in formula_subjects(subjects):
        formula = hill(empirical(counts))
        out.append(Computed(family="empirical_formula", subject=name,
                            sentence=f"The empirical formula of {name} ({hill(counts)}) is {formula}.",
                            values=[Value(kind="text", text=formula)], source="the molecular formula divided by its greatest common divisor",
                            part=part.index))
    return out


_ASKED_PRODUCT = re.compile(r"\b(co2|carbon dioxide|h2o|water)\b", re.IGNORECASE)
_OXYGEN = re.compile(r"\b(?:oxygen|o2)\b", re.IGNORECASE)
_BURNT = frozenset({"CO2", "H2O", "O2"})  # already burnt, or the oxidant: never the fuel


_ASKED_SPECIES = re.compile(r"\b(?:mass|grams?|moles?|mols?|amount|volume)\s+(?:\w+\s+)?of\s+(?:the\s+)?(co2|carbon dioxide|water|h2o|oxygen|o2)\b|"
                            r"\bhow (?:much|many)\s+(?:(?:grams?|g|moles?|mol)\s+(?:of\s+)?)?(co2|carbon dioxide|water|h2o|oxygen|o2)\b",
                            re.IGNORECASE)
_SPECIES_FORMULA = {"co2": "CO2", "carbon dioxide": "CO2", "water": "H2O", "h2o": "H2O", "oxygen": None, "o2": None}


def _combustion_target(text: str) -> str | None:
    """What a combustion question asks the amount of: CO2 or H2O formed, or (None) the oxygen it takes.
    The species named after "mass of" / "how much" decides; else a product named and no oxygen."""
    if (asked := _ASKED_SPECIES.search(text)) is not None:
        return _SPECIES_FORMULA[(asked.group(1) or asked.group(2)).lower()]
    product = _ASKED_PRODUCT.search(text)
    return _SPECIES_FORMULA[product.group(1).lower()] if product and not _OXYGEN.search(text) else None


def combustion(part: Part, subjects: Subjects) -> Outcome:
    """The oxygen a complete combustion takes, or the CO2 or water it gives, per mole or for the amount given."""
    asked = _combustion_target(part.text)
    items = [s for s in formula_subjects(subjects) if hill(s[1]) not in _BURNT]
    amounts = {s[0]: (v, u) for v, u, s in given_amounts(part.text, items)}
    out: Outcome = []
    for name, counts, _ in items:
        if "C" not in counts and "H" not in counts:
            continue
        products = combustion_products(counts)
        equation = balance_equation(f"{hill(counts)} + O2 -> " + " + ".join(products)).text()
        formula, per_mole = (asked, products.get(asked, 0.0)) if asked else ("O2", combustion_oxygen(counts))
        verb = "gives" if asked else "takes"
        if name in amounts:
            value, unit = amounts[name]
            moles = in_moles(value, unit, counts) * per_mole
            grams = moles * molar_mass(counts_of(formula))
            wants_grams = bool(WANTS_GRAMS.search(part.text)) or asked is not None and not WANTS_MOLES.search(part.text)
            said = f"{grams:.4g} g of {formula} ({moles:.4g} mol)" if wants_grams else f"{moles:.4g} mol of {formula} ({grams:.4g} g)"
            values = [Value(kind="number", number=grams if wants_grams else moles, unit="g" if wants_grams else "mol",
                            tolerance=0.005 * (grams if wants_grams else moles))]
            sentence = f"Burning {value:g} {unit} of {name} completely {verb} {said}: {equation}."
        else:
            values = [Value(kind="number", number=per_mole, unit="mol", tolerance=0.01)]
            sentence = f"Complete combustion of {name} {verb} {per_mole:g} mol of {formula} per mole: {equation}."
        out.append(Computed(family="combustion_oxygen", subject=name, sentence=sentence, values=values,
                            facts=[f"Combustion of {name}: {equation}"], source="the balanced combustion equation",
                            part=part.index))
    return out


_TIGHT_EQUALS = re.compile(r"(?<=[A-Za-z0-9)\]])=(?=[A-Z(\d])")
_WORD_ARROW = re.compile(r"<?-+>|→|⟶|\s=\s|\byields?\b|\bgives?\b|\bproduces?\b|\bforms?\b")


def _word_equation(text: str, subjects: Subjects) -> tuple[str, str] | None:
    """An equation written in names ("methane + oxygen -> carbon dioxide + water"): the molecules before
    the arrow are the reactants, those after it the products, as formulas; and the names as written."""
    arrow = _WORD_ARROW.search(text)
    if arrow is None:
        return None
    lowered = text.lower()
    placed = sorted((at, m) for m in subjects.molecules if (at := lowered.find(m.query.lower())) >= 0)
    left = [m for at, m in placed if at < arrow.start()]
    right = [m for at, m in placed if at >= arrow.end()]
    if not left or not right:
        return None
    formulas = " -> ".join(" + ".join(hill(molecule_counts(m)) for m in side) for side in (left, right))
    names = " → ".join(" + ".join(m.query for m in side) for side in (left, right))
    return formulas, names


def balance(part: Part, subjects: Subjects) -> Outcome:
    if ">>" in part.text:  # a reaction SMILES: the reaction tools check its element balance
        return []
    text = _TIGHT_EQUALS.sub(" = ", part.text) if "+" in part.text else part.text  # "Al+HCl=AlCl3+H2"
    match = next(reversed(list(EQUATION.finditer(text))), None)  # a prompt's worked example comes before the asked one
    words = _word_equation(part.text, subjects) if match is None else None
    if match is None and words is None:
        return []
    written = match.group(0).rstrip(". ") if match is not None else words[0]  # type: ignore[index]
    try:
        balanced = balance_equation(written)
    except EquationError as exc:
        return [NotComputed(family="balance_equation", subject=written, reason=str(exc), part=part.index)]
    coefficients = ", ".join(str(c) for c in balanced.coefficients)
    named = f" ({words[1]})" if words is not None else ""
    return [Computed(family="balance_equation", subject=written, sentence=f"The balanced equation is {balanced.text()}{named}.",
                     facts=[f"Balanced: {balanced.text()} (coefficients {coefficients}; atoms and charge conserved)"],
                     values=[Value(kind="text", text=balanced.text())], source="a linear solve for the coefficients",
                     part=part.index)]


def reaction_enthalpy(part: Part, subjects: Subjects) -> Outcome:
    """ΔH of a written equation from enthalpies of formation (each species in its state at 25 °C; an
    element in its standard state counts zero)."""
    match = next(reversed(list(EQUATION.finditer(part.text))), None)
    if match is None:
        return []
    written = match.group(0).rstrip(". ")
    try:
        balanced = balance_equation(written)
    except EquationError as exc:
        return [NotComputed(family="reaction_enthalpy", subject=written, reason=str(exc), part=part.index)]
    by_counts = {hill(molecule_counts(m)): m for m in subjects.molecules}
    total, missing, lines = 0.0, [], []
    sign = [-1] * len(balanced.reactants) + [1] * len(balanced.products)
    for species, coefficient, direction in zip(balanced.reactants + balanced.products, balanced.coefficients, sign):
        formula = hill(species.counts)
        if len(species.counts) == 1 and not species.charge:
            lines.append(f"{formula}: 0 kJ/mol (an element in its standard state)")
            continue
        molecule = by_counts.get(formula)
        found = formation_enthalpy(molecule, Part(text="", index=part.index)) if molecule is not None and molecule.cas else None
        if found is None:
            missing.append(formula)
            continue
        total += direction * coefficient * found[0]
        lines.append(f"{formula}: {found[0]:.1f} kJ/mol ({found[1]})")
    if missing:
        return [NotComputed(family="reaction_enthalpy", subject=written, part=part.index,
                            reason=f"the tables give no enthalpy of formation for {', '.join(missing)} as one known compound")]
    said, checked = energy_text(total, part)
    return [Computed(family="reaction_enthalpy", subject=written,
                     sentence=f"The enthalpy change of {balanced.text()} is {said} (from enthalpies of formation).",
                     facts=[f"Enthalpies of formation: {'; '.join(lines)}"], values=[checked],
                     source="enthalpies of formation from the chemicals tables", part=part.index)]


def oxidation_state(part: Part, subjects: Subjects) -> Outcome:
    asked = re.search(rf"\b(?:of|for)\s+(?:the\s+)?{ELEMENT}\b(?:\s+atoms?)?\s+(?:in|of)\b", part.text)
    element = ELEMENT_NAMES.get(asked.group("element").lower(), asked.group("element")) if asked else None
    out: Outcome = []
    ion = re.search(r"\b([A-Z][A-Za-z0-9()]*?)\s*(?:\^\s*)?\(?(\d?)([+-])\)?(?=\s|\?|$|,)", part.text)
    for name, counts, written in formula_subjects(subjects) or ([(ion.group(1), counts_of(ion.group(1)), ion.group(1))] if ion else []):
        charge = 0
        if ion and ion.group(1) == written:
            charge = (int(ion.group(2)) if ion.group(2) else 1) * (1 if ion.group(3) == "+" else -1)
        try:
            states = oxidation_states(counts, charge)
        except FormulaError as exc:
            out.append(NotComputed(family="oxidation_state", subject=name, reason=str(exc), part=part.index))
            continue
        if element is not None and element not in states:
            continue
        shown = {e: shown_state(s) for e, s in states.items()}
        if element is not None:
            state = states[element]
            average = " (an average over its atoms)" if state.denominator != 1 else ""
            sentence = f"The oxidation state of {element} in {_with_formula(name, counts)} is {shown[element]}{average}."
            values = [Value(kind="number", number=float(state), unit="", tolerance=0.01)]
        else:
            sentence = f"The oxidation states in {_with_formula(name, counts)} are " + ", ".join(f"{e} {s}" for e, s in shown.items()) + "."
            values = [Value(kind="number", number=float(s), unit="", tolerance=0.01) for s in states.values() if s != Fraction(0)]
        out.append(Computed(family="oxidation_state", subject=name, sentence=sentence, values=values,
                            facts=["Oxidation states in " + hill(counts) + ": " + ", ".join(f"{e} {s}" for e, s in shown.items())],
                            source="the oxidation-state rules, the last element balancing the charge", part=part.index))
    return out
