"""Whether a reply states what the calculators computed: every value within its tolerance, the right
yes or no, the balanced equation, the molecule a ranking puts first. A draft that leaves one out or
contradicts it fails, so it never reaches the user as written."""

from __future__ import annotations

import re

from assistants.chem.calc.asked import calculator_name, compute
from assistants.chem.calc.hazards import COMBUSTIBLE_LIQUID_MAX_C, FLAMMABLE_LIQUID_MAX_C
from assistants.chem.calc.numbers import number_value
from assistants.chem.calc.parts import Part, Subjects
from assistants.chem.calc.results import Computed, Value
from assistants.chem.calc.thermo import NONPOLAR_DEBYE, POLAR_DEBYE
from assistants.chem.resolve import MoleculeRecord
from stages.reply import CheckResult

_NUMBER = re.compile(r"(?<![\w.])[-−]?\d+(?:,\d{3})*(?:\.\d+)?(?:\s*(?:[x×]\s*10\^?\s*|[eE])[-−+]?\d+)?")
_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "01234567890123456789+-")
_NO = re.compile(r"\b(?:no|not|non|isn't|aren't|doesn't|don't|cannot|never|neither)\b|\bnon-", re.IGNORECASE)
_YES_NO_FIRST = re.compile(r"^\W*(?:(?:the\s+)?answer(?:\s+is)?\s*:\s*)?(yes|no|true|false)\b", re.IGNORECASE)
_LOWER = re.compile(r"\b(?:less|lower|smaller|fewer|least|lowest)\b", re.IGNORECASE)
_COMPARING = re.compile(r"\b(?:more|less|higher|lower|greater|smaller|larger|most|least|highest|lowest|fewer)\b|\w+er than\b",
                        re.IGNORECASE)


def numbers(text: str) -> list[float]:
    """Every number a text writes, "1.2 × 10^24" and "6.02e23" included."""
    return [v for m in _NUMBER.finditer(text.translate(_SUBSCRIPTS)) if (v := number_value(m.group(0))) is not None]


# What a family's value is called where its name does not say it: "the ideal gas of 10 L, 2 mol" says nothing.
_ASKED_WORDS = {"ideal_gas": "quantity the ideal-gas law gives", "ph": "pH", "solution": "amount or molarity",
                "dilution": "volume or concentration"}
_ANSWER_LABEL = re.compile(r"^\W*(?:the\s+)?(?:final\s+)?answer(?:\s+is)?\s*:\s*", re.IGNORECASE)


def answer_sentence(text: str) -> str:
    """What a reader takes as the answer: the first "Answer:" (or "The answer is:") line, else the first two sentences."""
    for line in text.splitlines():
        if (label := _ANSWER_LABEL.match(line)) is not None and line[label.end():].strip():
            return line[label.end():].strip()
    return " ".join(re.split(r"(?<=[.!?])\s+", text.strip())[:2])


def polarity(text: str) -> bool:
    """The yes or no an answer gives: a leading yes/no, else whether its first sentence negates."""
    sentence = answer_sentence(text)
    if (match := _YES_NO_FIRST.search(sentence)) is not None:
        return match.group(1).lower() in ("yes", "true")
    first = re.split(r"(?<=[.!?])\s+", sentence)[0]
    return not _NO.search(first)


def _normal(text: str) -> str:
    text = text.translate(_SUBSCRIPTS).lower()
    text = re.sub(r"<?-+>|→|⟶|=", ">", text)
    return re.sub(r"[\s^{}]", "", text).replace("e-", "e")


def _first_named(sentence: str, value: Value) -> str | None:
    lowered = sentence.lower()
    spots = sorted((at, name) for name in value.among if (at := lowered.find(name.lower())) >= 0)
    if len(spots) < 2:
        return spots[0][1] if spots else None
    turned = bool(_LOWER.search(sentence)) == bool(value.yes)  # "hexane is less polar than acetone" answers "more polar?"
    return spots[1][1] if turned else spots[0][1]


# How replies write each unit a computed value carries (after the number, lower-cased).
_UNIT_WORDS: dict[str, tuple[str, ...]] = {
    "°C": ("°c", "° c", "ºc", "c", "degrees c", "celsius", "deg c"), "K": ("k", "kelvin"), "°F": ("°f", "° f", "f", "fahrenheit"),
    "kPa": ("kpa",), "mmHg": ("mmhg", "mm hg", "torr"), "Pa": ("pa",), "D": ("d", "debye"), "kJ/mol": ("kj/mol", "kj mol", "kj"), "kcal/mol": ("kcal/mol", "kcal mol", "kcal"),
    "%": ("%", "percent"), "g": ("g", "grams", "gram"), "mol": ("mol", "moles", "mole"), "molecules": ("molecules",),
    "ppm": ("ppm",), "mg/m3": ("mg/m3", "mg/m³"),
    "g/mL": ("g/ml", "g/cm3", "g/cm³", "g cm-3", "g/cc"), "kg/m3": ("kg/m3", "kg/m³"),
    "atm": ("atm", "atmospheres", "atmosphere"), "bar": ("bar",), "mbar": ("mbar",), "MPa": ("mpa",), "psi": ("psi",), "torr": ("torr",),
    "L": ("l", "litres", "liters", "litre", "liter", "dm3", "dm³", "dm^3"), "mL": ("ml", "millilitres", "milliliters", "cm3", "cm³", "cc"),
    "dm³": ("dm3", "dm³", "dm^3", "l"), "cm³": ("cm3", "cm³", "cm^3", "ml"), "m³": ("m3", "m³", "m^3"),
    "cm³/mol": ("cm3/mol", "cm³/mol", "cm^3/mol", "ml/mol", "cm3 mol-1"), "m³/mol": ("m3/mol", "m³/mol", "m^3/mol"),
    "M": ("m", "molar", "mol/l", "mol l-1", "mol/dm3", "mol dm-3"), "mol/L": ("mol/l", "mol l-1", "mol/dm3", "mol dm-3", "m", "molar"),
}
# Counted things, named a word or two after the number ("8 carbon atoms", "3 possible stereoisomers").
_COUNTED: dict[str, tuple[str, ...]] = {
    "atoms": ("atom",), "rings": ("ring",), "bonds": ("bond",), "stereoisomers": ("stereoisomer", "isomer"),
    "donors": ("donor",), "acceptors": ("acceptor",),
    "stereocentres": ("stereocent", "chiral cent", "stereogenic", "asymmetric", "chiral carbon"),
}


def _unit_of(text: str, end: int, units: tuple[str, ...]) -> str | None:
    """The unit (of `units`) written right after a number ending at `end`; a counted noun may come a word or two later."""
    after = text[end:end + 40].lower()
    for unit in units:
        if any(re.match(rf"\s*{re.escape(word)}(?![a-z/])", after) for word in _UNIT_WORDS.get(unit, ())):
            return unit
        if any(re.match(rf"\s*(?:[a-z-]+\s+){{0,2}}{re.escape(word)}", after) for word in _COUNTED.get(unit, ())):
            return unit
    return None


def _written(text: str, units: tuple[str, ...]) -> list[tuple[float, str]]:
    """(number, unit) for every number the text writes in one of the units."""
    plain = text.translate(_SUBSCRIPTS)
    found = []
    for match in _NUMBER.finditer(plain):
        value = number_value(match.group(0))
        unit = _unit_of(plain, match.end(), units)
        if value is not None and unit is not None:
            found.append((value, unit))
    return found


def _targets(value: Value) -> list[tuple[float, str, float]]:
    return [(value.number, value.unit, value.tolerance), *value.alternatives] if value.number is not None else []


def _names_one(sentence: str, words: list[str]) -> bool:
    """Whether a sentence uses one of the words (symbols as written, "O"; names in any case); none to find: yes."""
    return not words or any(re.search(rf"(?<![A-Za-z0-9]){re.escape(w)}s?(?![a-z])", sentence, 0 if len(w) <= 2 else re.IGNORECASE)
                            for w in words)


def stated(value: Value, text: str) -> bool:
    if value.kind == "number":
        targets = _targets(value)
        if not value.unit:
            return any(abs(found - n) <= t + 1e-9 for found in numbers(answer_sentence(text)) for n, _, t in targets)
        sentences = _CLAIM_SENTENCE.split(text) if value.named else [text]
        return any(any(u == unit and abs(found - n) <= t + 1e-9 for found, u in _written(sentence, tuple(u for _, u, _ in targets))
                       for n, unit, t in targets) and _names_one(sentence, value.named)
                   for sentence in sentences)
    if value.kind == "yes_no":  # a yes or no, said outright or about what was asked ("C7H8" says neither)
        sentence = answer_sentence(text)
        said = _YES_NO_FIRST.search(sentence) or value.text and re.search(value.text, sentence, re.IGNORECASE)
        return bool(said) and polarity(text) == value.yes
    if value.kind == "text":  # whole: "N2 + 3 H2 → 2 NH3" is not inside "2N2 + 3H2 → 2NH3"
        return re.search(rf"(?<![0-9]){re.escape(_normal(value.text))}(?![0-9])", _normal(text)) is not None
    sentence = answer_sentence(text)  # a ranking is said with a comparing word, the first named first
    return bool(_COMPARING.search(sentence) or _YES_NO_FIRST.search(sentence)) and _first_named(sentence, value) == value.text


# Limits a reply may quote beside a value: the GHS flash-point limits and the polarity thresholds.
CRITERIA = [(FLAMMABLE_LIQUID_MAX_C, "°C", 0.5), (COMBUSTIBLE_LIQUID_MAX_C, "°C", 0.5), (POLAR_DEBYE, "D", 0.01), (NONPOLAR_DEBYE, "D", 0.01)]


def contradicted(text: str, computed: list[Computed], question: str) -> list[str]:
    """Numbers the text writes in a computed value's unit that match no computed value (nor the question's own)."""
    targets = [t for c in computed for v in c.values if v.kind == "number" and v.unit for t in _targets(v)]
    units = tuple(dict.fromkeys(u for _, u, _ in targets))
    targets += CRITERIA
    targets += [(n, u, 1e-6) for c in computed for n, u in _written(" ".join((c.sentence, *c.facts)), units)]
    given = numbers(question)
    wrong = []
    for found, unit in _written(text, units):
        if not any(u == unit and abs(found - n) <= t + 1e-9 for n, u, t in targets) and found not in given:
            wrong.append(f"{found:g} {unit}")
    return wrong


def computed_check(text: str, computed: list[Computed], question: str) -> CheckResult | None:
    """Fails when the text leaves out or contradicts a computed answer; None when nothing was computed."""
    if not computed:
        return None
    missed = [c for c in computed if not all(stated(v, text) for v in c.values)]
    wrong = contradicted(text, computed, question)
    problems = [f"it does not give the {_ASKED_WORDS.get(c.family, c.family.replace('_', ' '))} of {c.subject}" for c in missed]
    problems += [f"it gives {w}, which no tool computed" for w in wrong]
    return CheckResult(name="computed_answers", kind="coverage", passed=not problems, message="; ".join(problems),
                       feedback=" ".join(f"Give: {c.sentence}" for c in missed),
                       expected=[c.sentence for c in computed])


# Claims a draft may make in passing about the question's molecules that a calculator can check.
CHECKED_CLAIMS = frozenset({"flash_point", "autoignition", "flammability_limits", "flammable", "carcinogen", "toxic", "dipole_moment",
                            "enthalpy_formation", "enthalpy_combustion", "stereoisomers", "stereocentres", "chiral"})
_CLAIM_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_PRONOUN = re.compile(r"^\W*(?:answer\s*:\s*)?(?:it|its|this (?:compound|molecule|substance|chemical))\b", re.IGNORECASE)


def claims_check(text: str, molecules: list[MoleculeRecord], question: str, asked: list[Computed]) -> CheckResult | None:
    """Every sentence of a reply that states a hazard, a thermochemical value or a stereo count of a
    molecule the question names, held to what the tools compute for it ("methanol is not toxic",
    "benzene's flash point is 50 °C"), whether or not the question asked for it."""
    problems = []
    for sentence in (s.strip() for s in _CLAIM_SENTENCE.split(text)):
        if calculator_name(sentence) not in CHECKED_CLAIMS:
            continue
        named = [m for m in molecules if any(n and n.lower() in sentence.lower() for n in (m.query, m.common_name, m.name))]
        if not named and len(molecules) == 1 and _PRONOUN.match(sentence):  # "It is not toxic." about the one molecule asked
            named = molecules
        if not named:
            continue
        computed = [c for c in compute(Part(text=sentence, index=0), Subjects(molecules=named, formulas=[])) if isinstance(c, Computed)]
        for c in computed:
            for value in c.values:
                if value.kind == "yes_no" and (not _NO.search(sentence)) != value.yes:
                    problems.append(f"“{sentence}” contradicts the tools: {c.sentence}")
        if wrong := contradicted(sentence, computed + asked, question):
            problems.append(f"“{sentence}” gives {', '.join(wrong)}; the tools give: {' '.join(c.sentence for c in computed)}")
    if not problems:
        return None
    return CheckResult(name="tool_fact_claims", kind="claim", passed=False, message="; ".join(problems),
                       feedback="State only values the tools give.")
