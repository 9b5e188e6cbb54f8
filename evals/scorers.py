"""Deterministic scorers: one function per rule kind, each reading a free-text answer leniently.

Every scorer says whether the answer could be read at all (`parsed`) and what it found, so a
report can tell "wrong" from "unparsable". Chemistry and market facts come from the assistants'
own functions (SMILES reading, InChIKeys, formulas, temperatures, answer markers): an eval never
re-implements a domain fact, so the judge and the assistant cannot disagree on what a SMILES means.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from stages.choices import extract_choice, extract_letters
from assistants.market.answers import answer_part, last_label, parse_numbers, to_float
from evals.suite import (
    CaptionRule,
    ChoiceRule,
    ClaimsRule,
    FormulaRule,
    Item,
    LabelRule,
    LettersRule,
    MoleculeRule,
    NumericRule,
    RankedRule,
    Rule,
    StructureRule,
)

_NAME_INTRO = re.compile(r"\b(?:is|are|called|named|name|known as)\b\s*[:\-]?\s*", re.IGNORECASE)
_ARTICLE = re.compile(r"^(?:the|a|an)\s+(?:compound|molecule|name|iupac name)?\s*(?:is\s+)?", re.IGNORECASE)
_MAX_NAME_CHARS = 120


class RuleVerdict(BaseModel):
    kind: str
    passed: bool | None = Field(description="None for graded rules (captions), which have no pass or fail")
    parsed: bool = Field(description="Whether the answer gave something this rule could read")
    expected: Any = None
    found: Any = None
    detail: str = ""
    metrics: dict[str, float | None] = Field(default_factory=dict)


class ItemScore(BaseModel):
    passed: bool | None = Field(description="None when every rule of the item is graded, not judged")
    score: float = Field(description="Share of the item's judged rules that passed")
    parsed: bool = Field(description="Every rule could read the answer")
    verdicts: list[RuleVerdict]


# ---------------------------------------------------------------- chemistry


def _first_key(smiles_list: list[str]) -> tuple[str | None, str | None]:
    """The InChIKey of the first parsable SMILES, with that SMILES."""
    from assistants.chem.molecule import InvalidSmiles, inchi_key

    for smiles in smiles_list:
        try:
            return inchi_key(smiles), smiles
        except InvalidSmiles:
            continue
    return None, None


def name_candidates(text: str) -> list[str]:
    """Phrases that may be a compound name: labelled Name lines first, then what follows 'is'/'called'."""
    from assistants.chem.draft import parse_draft

    labels = parse_draft(text).labels
    found = [labels[k] for k in ("name", "iupac name", "common name") if labels.get(k)]
    body = answer_part(text)
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", body):
        pieces = _NAME_INTRO.split(sentence)
        tail = pieces[-1] if len(pieces) > 1 else sentence
        found.append(tail)
    cleaned: list[str] = []
    for phrase in found:
        phrase = _ARTICLE.sub("", phrase.strip().strip("`*\"'").rstrip(".,;:!?").strip())
        phrase = re.split(r"\s+\(|,\s+(?:which|with|a|an|also)\b", phrase)[0].strip().strip("`*\"'")
        if phrase and len(phrase) <= _MAX_NAME_CHARS and phrase not in cleaned:
            cleaned.append(phrase)
    return cleaned


def name_keys(names: list[str]) -> dict[str, str]:
    """InChIKeys of the names the tools resolve: the compound store, then OPSIN in one batch for
    the rest (skipped when the first name is already known to the store), read as the assistant
    reads names (`assistants.chem.naming`)."""
    from assistants.chem.naming import name_structures
    from assistants.chem.store import get_store

    store = get_store()
    keys: dict[str, str] = {}
    for name in names:
        compound = store.by_name(name)
        if compound is not None:
            keys[name] = compound.inchikey
    rest = [n for n in names if n not in keys]
    if not rest or (names and names[0] in keys):
        return keys
    return keys | name_structures(rest)


_NO_STEREO = "UHFFFAOYSA"  # the second InChIKey block of a structure with no stereo or isotope layer


def _same(expected: str, found: str, skeleton: bool) -> bool:
    """Same molecule by InChIKey. A reference written without stereo (many published SMILES drop it)
    says nothing about it, so an answer's stereo cannot be wrong against it: connectivity and
    protonation decide."""
    expected, found = expected.strip().upper(), found.strip().upper()
    if skeleton:
        return expected[:14] == found[:14]
    if expected[15:25] == _NO_STEREO:
        return expected[:14] == found[:14] and expected[-1:] == found[-1:]
    return expected == found


def score_structure(rule: StructureRule, text: str) -> RuleVerdict:
    from assistants.chem.draft import parse_draft

    if rule.via == "smiles":
        key, smiles = _first_key(parse_draft(text).smiles)
        if key is None:
            return RuleVerdict(kind=rule.kind, passed=False, parsed=False, expected=rule.inchikey, detail="no parsable SMILES")
        ok = _same(rule.inchikey, key, rule.skeleton)
        return RuleVerdict(kind=rule.kind, passed=ok, parsed=True, expected=rule.inchikey, found={"smiles": smiles, "inchikey": key})
    candidates = name_candidates(text)
    keys = name_keys(candidates) if candidates else {}
    if not keys:
        return RuleVerdict(kind=rule.kind, passed=False, parsed=False, expected=rule.inchikey,
                           found=candidates[:5], detail="no name in the answer resolves to a structure")
    name = next(c for c in candidates if c in keys)
    ok = _same(rule.inchikey, keys[name], rule.skeleton)
    return RuleVerdict(kind=rule.kind, passed=ok, parsed=True, expected=rule.inchikey, found={"name": name, "inchikey": keys[name]})


def score_formula(rule: FormulaRule, text: str) -> RuleVerdict:
    from assistants.chem.draft import parse_draft
    from assistants.chem.formulas import formula_counts

    expected = formula_counts(rule.formula)
    for candidate in parse_draft(text).formulas:
        counts = formula_counts(candidate)
        if counts:
            return RuleVerdict(kind=rule.kind, passed=counts == expected, parsed=True, expected=rule.formula, found=candidate)
    return RuleVerdict(kind=rule.kind, passed=False, parsed=False, expected=rule.formula, detail="no formula in the answer")


# ---------------------------------------------------------------- numbers, labels, claims


def _segment(text: str, label: str | None) -> str:
    """The text right after the label (the answer part when there is no label or it is absent)."""
    if label:
        match = re.search(label, text, re.IGNORECASE)
        if match:
            return text[match.end() : match.end() + 80]
    return answer_part(text)


def read_number(rule: NumericRule, text: str) -> float | None:
    segment = _segment(text, rule.label)
    if rule.unit == "K":
        from assistants.chem.draft import temperature

        found = temperature(segment)
        return found.kelvin if found is not None else None
    numbers = parse_numbers(segment)
    return to_float(numbers[0]) if numbers else None


def score_numeric(rule: NumericRule, text: str) -> RuleVerdict:
    value = read_number(rule, text)
    if value is None:
        return RuleVerdict(kind=rule.kind, passed=False, parsed=False, expected=rule.value, detail="no number found")
    allowed = max(rule.tolerance, rule.rel_tolerance * abs(rule.value))
    ok = abs(value - rule.value) <= allowed
    return RuleVerdict(kind=rule.kind, passed=ok, parsed=True, expected=rule.value, found=value,
                       detail=f"|{value:g} - {rule.value:g}| {'<=' if ok else '>'} {allowed:g}")


def score_label(rule: LabelRule, text: str) -> RuleVerdict:
    found = last_label(text, rule.choices)
    return RuleVerdict(kind=rule.kind, passed=found == rule.value, parsed=found is not None,
                       expected={rule.field: rule.value}, found={rule.field: found})


def score_claims(rule: ClaimsRule, text: str) -> RuleVerdict:
    missing = [p for p in rule.required if not re.search(p, text, re.IGNORECASE)]
    present = [p for p in rule.forbidden if re.search(p, text, re.IGNORECASE)]
    problems = [f"missing: {p}" for p in missing] + [f"forbidden: {p}" for p in present]
    return RuleVerdict(kind=rule.kind, passed=not problems, parsed=bool(text.strip()),
                       expected={"required": rule.required, "forbidden": rule.forbidden},
                       found={"missing": missing, "forbidden": present}, detail="; ".join(problems))


def score_choice(rule: ChoiceRule, text: str) -> RuleVerdict:
    found = extract_choice(text)
    return RuleVerdict(kind=rule.kind, passed=found == rule.answer, parsed=found is not None, expected=rule.answer, found=found)


def score_letters(rule: LettersRule, text: str) -> RuleVerdict:
    found, how = extract_letters(text, rule.options)
    ok = found is not None and set(found) == set(rule.answers)
    return RuleVerdict(kind=rule.kind, passed=ok, parsed=found is not None, expected=sorted(rule.answers), found=found,
                       detail=f"read: {how}")


_LABEL_PREFIX = re.compile(r"^\s*[A-Za-z][\w ]{0,24}:\s*", re.MULTILINE)


def caption_text(text: str) -> str:
    """The description in an answer: the whole text with line labels ("Name:", "Answer:") dropped."""
    return " ".join(_LABEL_PREFIX.sub("", text).split())


def _wordnet() -> tuple[Any | None, str]:
    from evals.wordnet import WordNetUnavailable, load_wordnet
    from stages.config import get_settings

    try:
        return load_wordnet(get_settings().cache_dir), ""
    except WordNetUnavailable as exc:
        return None, f"METEOR unavailable: {exc}"


def score_caption(rule: CaptionRule, text: str) -> RuleVerdict:
    from evals.text_metrics import caption_scores

    hypothesis = caption_text(text)
    wordnet, why = _wordnet()
    scores = caption_scores(rule.reference, hypothesis, wordnet)
    return RuleVerdict(kind=rule.kind, passed=None, parsed=bool(hypothesis), expected=rule.reference, found=hypothesis,
                       detail=why, metrics=scores.model_dump())


def answer_smiles(text: str) -> str | None:
    """The SMILES an answer gives: the first one the draft parser finds, else a bare answer that
    RDKit reads as a whole (a model asked for "only the SMILES" often writes just "CCO")."""
    from assistants.chem.draft import parse_draft
    from assistants.chem.molecule import InvalidSmiles, canonical_smiles

    found = parse_draft(text).smiles
    if found:
        return found[0]
    bare = answer_part(text).strip().strip("`*.\"'")
    if not bare or " " in bare:
        return None
    try:
        canonical_smiles(bare)
    except InvalidSmiles:
        return None
    return bare


def score_molecule(rule: MoleculeRule, text: str) -> RuleVerdict:
    from evals.molecule_metrics import molecule_scores

    answer = answer_smiles(text)
    scores = molecule_scores(rule.smiles, answer)
    return RuleVerdict(kind=rule.kind, passed=scores.exact, parsed=answer is not None, expected=rule.smiles,
                       found=answer, detail="" if scores.valid else "no valid SMILES in the answer",
                       metrics={k: float(v) if v is not None else None for k, v in scores.model_dump().items()})


def _set_key(smiles: str) -> str | None:
    from assistants.chem.molecule import InvalidSmiles, inchi_key

    try:
        return inchi_key(smiles)
    except InvalidSmiles:
        return None


def ranked_candidates(text: str, offered: list[str], asked: str = "") -> list[str]:
    """The candidates a reply puts forward, best first: the SMILES its text gives (the claim first),
    then the tool's ranked candidates the reply carries, each molecule (or set) once; a molecule the
    question `asked` gives (a retrosynthesis target, restated in the answer) is no candidate."""
    from assistants.chem.draft import parse_draft

    bare = answer_smiles(text)
    found = [*parse_draft(text).smiles, *([bare] if bare else []), *offered]
    seen: set[str] = {key for smiles in parse_draft(asked).smiles if (key := _set_key(smiles)) is not None}
    ranked = []
    for smiles in found:
        key = _set_key(smiles)
        if key is not None and key not in seen:
            seen.add(key)
            ranked.append(smiles)
    return ranked


def score_ranked(rule: RankedRule, text: str, offered: list[str], asked: str = "") -> RuleVerdict:
    ranked = ranked_candidates(text, offered, asked)
    expected = _set_key(rule.smiles)
    keys = [_set_key(s) for s in ranked]
    position = keys.index(expected) + 1 if expected is not None and expected in keys else None
    metrics: dict[str, float | None] = {f"top{k}": float(position is not None and position <= k) for k in rule.ks}
    metrics["candidates"] = float(len(ranked))
    return RuleVerdict(kind=rule.kind, passed=position == 1 if rule.judged else None, parsed=bool(ranked), expected=rule.smiles,
                       found={"rank": position, "candidates": ranked[: max(rule.ks)]},
                       detail="" if ranked else "no candidate in the reply", metrics=metrics)


SCORERS: dict[str, Callable[[Any, str], RuleVerdict]] = {
    "structure": score_structure, "formula": score_formula, "numeric": score_numeric, "label": score_label,
    "claims": score_claims, "choice": score_choice, "letters": score_letters, "caption": score_caption,
    "molecule": score_molecule,
}


def score_rule(rule: Rule, text: str, offered: list[str] | None = None, asked: str = "") -> RuleVerdict:
    """The verdict of one rule, by the scorer of its kind; `offered`: the ranked candidates the
    reply carries beside its text, and `asked`: the question (only the `ranked` rule reads them)."""
    if isinstance(rule, RankedRule):
        return score_ranked(rule, text, offered or [], asked)
    return SCORERS[rule.kind](rule, text)


def score_item(item: Item, text: str, offered: list[str] | None = None) -> ItemScore:
    """Every rule of the item against one answer; the item passes when all of its judged rules pass."""
    verdicts = [score_rule(rule, text, offered, item.question) for rule in item.rules]
    judged = [v for v in verdicts if v.passed is not None]
    passed = sum(bool(v.passed) for v in judged)
    return ItemScore(passed=passed == len(judged) if judged else None, score=passed / len(judged) if judged else 0.0,
                     parsed=all(v.parsed for v in verdicts), verdicts=verdicts)
