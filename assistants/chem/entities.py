"""Chemical entities in free text: SMILES, names, CAS numbers, formulas and reaction SMILES.

Ordinary words must not become molecules: "CO" is a formula (carbon monoxide), never SMILES
unless marked as SMILES; "Co", "I", "NO" are words unless marked; bare letter strings count as
SMILES only with at least two carbons ("CCO"). Names are runs of words between stop words,
matched against the store (longest first) or, when they look systematic, left for OPSIN.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

from assistants.chem.molecule import InvalidSmiles, parse_smiles
from assistants.chem.store import CompoundStore

MAX_ENTITIES = 12
MAX_SPAN_WORDS = 6
_BRACKET_ATOM = r"\[\d*(?:[A-Z][a-z]?|[bcnops]|se|as)(?:@{1,2})?(?:H\d?)?(?:[+-]\d*)*(?::\d+)?\]"
_SMILES_CHARS = re.compile(r"(?:" + _BRACKET_ATOM + r"|Br|Cl|[BCNOPSFI]|[bcnops]|[=#\-+\\/().%0-9@:~*$])+")
_STRUCTURAL = re.compile(r"[=#()\[\]@/\\]|[A-Za-z\]]\d")
_CAS = re.compile(r"^\d{2,7}-\d{2}-\d$")
_FORMULA = re.compile(r"^(?:(?:[A-Z][a-z]?|\((?:[A-Z][a-z]?\d*)+\))\d*)+(?:\d*[+-])?$")
_FORMULA_ELEMENT = re.compile(r"[A-Z][a-z]?")
_EXPLICIT_SMILES = re.compile(r"\bSMILES\s*(?:string)?\s*[:=]?\s*[`\"']?([^\s`\"']+)", re.IGNORECASE)
_BACKTICKED = re.compile(r"`([^`\n]{1,400})`")
_QUOTED = re.compile(r"[\"“']([^\"”'\n]{2,200})[\"”']")
_PHRASE = r"\s*(?:(?:the|an?)\s+)?(?:compound\s+|molecule\s+)?([^?!\n]{2,120}?)\s*(?:[?!]|\.\s|\.$|$)"
# After these words the phrase must be a compound: an unknown phrase there is reported, not ignored.
_STRONG_SLOT = re.compile(
    r"\b(?:smiles|structure|formula|weight|mass|mw|name|names|point|properties|property|logp|tpsa)\s+(?:of|for)\b" + _PHRASE
    + r"|\b(?:draw|depict)\s" + _PHRASE,
    re.IGNORECASE,
)
_WEAK_SLOT = re.compile(r"\b(?:describe|caption|about|is|are)\s" + _PHRASE, re.IGNORECASE)
_SYSTEMATIC = re.compile(
    r"\d[\d,']*-|-\d|\b[NOS],|(?:ane|ene|yne|anol|enol|ol|one|al|oic acid|ic acid|amine|amide|imide|ide|ate|ite|"
    r"nitrile|yl|oxy|ium|ose|ine|ole|idine|azole|benzene|phenol|ether|ester|ketone|aldehyde)\b",
    re.IGNORECASE,
)
_STRIP = ",;:?!\"'“”‘’`"
_WORD_BREAKS = re.compile(r"[,;:?!]+$|\.$")
_UPPER_WORDS = frozenset("I A NO IN ON SO AS AT BE BY HE IS IT OF OR US WE HI OK TO AN AM DO GO IF ME MY UP CAN".split())
_STOPWORDS_FILE = Path(__file__).with_name("stopwords.txt")


class Reaction(BaseModel):
    text: str
    reactants: list[str]
    agents: list[str] = Field(default_factory=list)
    products: list[str] = Field(default_factory=list)


class Entities(BaseModel):
    """What the text mentions; `names_systematic` go to OPSIN when the store does not know them."""

    smiles: list[str] = Field(default_factory=list)
    invalid_smiles: list[str] = Field(default_factory=list)
    names: list[str] = Field(default_factory=list)
    cas: list[str] = Field(default_factory=list)
    formulas: list[str] = Field(default_factory=list)
    reactions: list[Reaction] = Field(default_factory=list)
    truncated: bool = False

    @property
    def count(self) -> int:
        return sum(len(x) for x in (self.smiles, self.invalid_smiles, self.names, self.cas, self.formulas, self.reactions))


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    lines = _STOPWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w for line in lines if not line.startswith("#") for w in line.split())


@lru_cache(maxsize=1)
def _element_symbols() -> frozenset[str]:
    from chemicals.elements import periodic_table

    return frozenset(element.symbol for element in periodic_table)


def valid_cas(text: str) -> bool:
    """CAS registry number shape and check digit."""
    if not _CAS.match(text):
        return False
    digits = text.replace("-", "")
    body, check = digits[:-1], int(digits[-1])
    return sum(int(d) * (i + 1) for i, d in enumerate(reversed(body))) % 10 == check


def looks_like_formula(token: str) -> bool:
    """Element symbols with counts; letters SMILES could also read (no H) must not repeat an element."""
    if token in _UPPER_WORDS or not _FORMULA.match(token):
        return False
    symbols = _FORMULA_ELEMENT.findall(token)
    if not symbols or any(s not in _element_symbols() for s in symbols):
        return False
    if _SMILES_CHARS.fullmatch(token) and len(set(symbols)) != len(symbols):
        return False
    return any(ch.isdigit() for ch in token) or len(symbols) >= 2


def _smiles_candidate(token: str, explicit: bool) -> tuple[bool, bool]:
    """(is a SMILES candidate, parses). Bare letters need two carbons unless marked as SMILES."""
    if not token or not _SMILES_CHARS.fullmatch(token):
        return False, False
    structural = bool(_STRUCTURAL.search(token))
    if not explicit and not structural:
        if token in _UPPER_WORDS or len(token) < 3 or token.upper().count("C") < 2 or not token.isalpha():
            return False, False
    try:
        parse_smiles(token)
    except InvalidSmiles:
        # letters and digits alone ("nsc626548", a registry code) are reported only with an atom in capitals
        strong = bool(re.search(r"[=#()\[\]@/\\]", token)) or bool(re.search(r"[A-Z]", token))
        return explicit or (structural and strong), False
    return True, True


def _clean(token: str) -> str:
    token = token.strip(_STRIP)
    token = token[:-1] if token.endswith(".") and not token.endswith("..") else token
    return token[1:-1] if token.startswith("(") and token.endswith(")") else token


def _split_reaction(token: str) -> Reaction:
    parts = token.split(">")
    if len(parts) == 3:
        reactants, agents, products = parts
    else:
        reactants, agents, products = parts[0], "", parts[-1]
    return Reaction(
        text=token,
        reactants=[s for s in reactants.split(".") if s],
        agents=[s for s in agents.split(".") if s],
        products=[s for s in products.split(".") if s],
    )


def _named_ion(token: str, store: CompoundStore) -> bool:
    """An ion written the way people name it ("Ce3+", "Fe2+", "NH4+") that the store knows: read it as
    that compound's name, not as a formula ("Ce3+" is cerium(3+), not three cerium atoms)."""
    return token[-1] in "+-" and store.by_name(token) is not None


def _add(items: list[str], value: str) -> None:
    if value not in items:
        items.append(value)


def extract_entities(text: str, store: CompoundStore) -> Entities:
    found = Entities()
    explicit = {m.group(1).rstrip(".,;?!") for m in _EXPLICIT_SMILES.finditer(text)}
    explicit |= {m.group(1).strip() for m in _BACKTICKED.finditer(text) if " " not in m.group(1).strip()}
    consumed: set[int] = set()
    words: list[tuple[int, str]] = []
    for index, match in enumerate(re.finditer(r"\S+", text)):
        raw = match.group(0)
        token = _clean(raw)
        words.append((index, raw))
        if not token:
            continue
        if ">" in token and _SMILES_CHARS.fullmatch(token.replace(">", "")):
            found.reactions.append(_split_reaction(token))
            consumed.add(index)
        elif valid_cas(token):
            _add(found.cas, token)
            consumed.add(index)
        else:
            is_explicit = token in explicit
            candidate, parses = _smiles_candidate(token, is_explicit)
            if candidate and parses:
                _add(found.smiles, token)
                consumed.add(index)
            elif not is_explicit and _named_ion(token, store):
                _add(found.names, token)
                consumed.add(index)
            elif looks_like_formula(token) and not (is_explicit and candidate):
                _add(found.formulas, token)
                consumed.add(index)
            elif candidate:
                _add(found.invalid_smiles, token)
                consumed.add(index)
    for name in _names(text, words, consumed, store):
        _add(found.names, name)
    return _capped(found)


def _capped(found: Entities) -> Entities:
    if found.count <= MAX_ENTITIES:
        return found
    budget = MAX_ENTITIES
    data = found.model_dump()
    for key in ("smiles", "invalid_smiles", "cas", "formulas", "names", "reactions"):
        data[key] = data[key][:budget]
        budget -= len(data[key])
    return Entities(**{**data, "truncated": True})


def _runs(words: list[tuple[int, str]], consumed: set[int]) -> list[list[str]]:
    """Maximal runs of candidate words, broken at stop words, consumed tokens and punctuation."""
    stop = stopwords()
    runs: list[list[str]] = []
    current: list[str] = []
    for index, raw in words:
        word = raw.strip("\"'“”‘’`")
        ends_clause = bool(_WORD_BREAKS.search(word)) and not re.search(r"\d[,.]$", word)
        word = _WORD_BREAKS.sub("", word)
        if index in consumed or not word or word.lower() in stop:
            if current:
                runs.append(current)
            current = []
            continue
        current.append(word)
        if ends_clause:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _slot_phrases(text: str) -> list[tuple[str, str, bool]]:
    """Phrases in the "SMILES of X" slot: (whole phrase, phrase cut at its first stop word,
    whether the slot demands a compound)."""
    strong = [m.group(1) or m.group(2) for m in _STRONG_SLOT.finditer(text)]
    weak = [] if strong else [m.group(1) for m in _WEAK_SLOT.finditer(text)]
    stop = stopwords()
    phrases = []
    for phrase, is_strong in [(p, True) for p in strong] + [(p, False) for p in weak]:
        phrase = phrase.strip().strip(_STRIP)
        parts = re.split(r",\s+|\s+and\s+|\s+vs\.?\s+|\s+or\s+", phrase)
        if len(parts) > 1 and any(p.rstrip().endswith("-") for p in parts):
            phrases.append((phrase, phrase, is_strong))  # an inverted CAS name: "cyclohexanone, 2,3,6-trimethyl-"
            continue
        if len(parts) > 1:
            phrases.append((phrase, "", is_strong))  # the whole may still be one name: "mercury, diphenyl"
        for part in parts:
            part = part.strip().strip(_STRIP)
            if part and not _only_stopwords(part):
                words = part.split()
                cut = next((i for i, w in enumerate(words) if w.lower().strip(_STRIP) in stop), len(words))
                phrases.append((part, " ".join(words[:cut]), is_strong))
    return phrases


def _only_stopwords(phrase: str) -> bool:
    return all(w.lower().strip(_STRIP) in stopwords() for w in phrase.split())


def _names(text: str, words: list[tuple[int, str]], consumed: set[int], store: CompoundStore) -> list[str]:
    runs = _runs(words, consumed)
    spans = {" ".join(run[i:j]) for run in runs for i in range(len(run)) for j in range(i + 1, min(len(run), i + MAX_SPAN_WORDS) + 1)}
    slots = _slot_phrases(text)
    known = store.known_names(spans | {p for whole, cut, _strong in slots for p in (whole, cut)})

    def accepted(span: str) -> bool:
        """Single words count only as a compound's main name: the synonyms hold many English words."""
        main = known.get(span.lower())
        return main is not None and (main or len(span.split()) > 1) and len(span) >= 3

    consumed_tokens = {_clean(raw) for index, raw in words if index in consumed} - {""}
    names: list[str] = []
    taken: list[str] = []
    for whole, cut, strong in dict.fromkeys(slots):
        if any(whole.lower() in t.lower() for t in taken):
            continue  # part of a comma-separated name already found whole
        phrase = whole if accepted(whole) else cut
        if phrase and accepted(phrase):
            taken.append(phrase)
        wanted = accepted(phrase) or (strong and phrase and (_SYSTEMATIC.search(phrase) or len(phrase.split()) <= 4))
        if wanted and not consumed_tokens & set(phrase.split()):
            names.append(phrase)
    for run in runs:
        i = 0
        while i < len(run):
            for j in range(min(len(run), i + MAX_SPAN_WORDS), i, -1):
                if accepted(" ".join(run[i:j])):
                    names.append(" ".join(run[i:j]))
                    i = j
                    break
            else:
                word = run[i]
                if _SYSTEMATIC.search(word) and len(word) >= 5 and any(ch.isdigit() or ch == "-" for ch in word):
                    names.append(word)
                i += 1
    return _dedupe_contained(list(dict.fromkeys(names)))


def _dedupe_contained(names: list[str]) -> list[str]:
    """Drop names that are part of a longer name found too ("acid" inside "acetic acid")."""
    lowered = [n.lower() for n in names]
    keep = []
    for name, low in zip(names, lowered, strict=True):
        if any(low != other and re.search(rf"(?<![\w-]){re.escape(low)}(?![\w-])", other) for other in lowered):
            continue
        if low not in (k.lower() for k in keep):
            keep.append(name)
    return keep
