"""Chemical entities in free text: SMILES, names, CAS numbers, formulas and reaction SMILES.

Ordinary words must not become molecules: "CO" is a formula (carbon monoxide), never SMILES
unless marked as SMILES; "Co", "I", "NO" are words unless marked; bare letter strings count as
SMILES only with at least two carbons ("CCO"). Names are runs of words between stop words,
matched against the store (longest first) or, when they look systematic, left for OPSIN.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

from assistants.chem.molecule import InvalidSmiles, parse_smiles
from assistants.chem.names import Opsin, parse_names
from assistants.chem.store import CompoundStore

MAX_ENTITIES = 12
MAX_SPAN_WORDS = 12  # "[(3S,...)-...-3-yl] 2-(hydroxymethyl)prop-2-enoate", "N-... acid hydrochloride"
MAX_SPANS = 400  # candidate spans tried per turn (store and OPSIN); a longer message says it was cut
_BRACKET_ATOM = r"\[\d*(?:[A-Z][a-z]?|[bcnops]|se|as)(?:@{1,2})?(?:H\d?)?(?:[+-]\d*)*(?::\d+)?\]"
_SMILES_CHARS = re.compile(r"(?:" + _BRACKET_ATOM + r"|Br|Cl|[BCNOPSFI]|[bcnops]|[=#\-+\\/().%0-9@:~*$])+")
_STRUCTURAL = re.compile(r"[=#()\[\]@/\\]|[A-Za-z\]]\d")
_ARROWS = frozenset({"->", "-->", "→", "⟶", "=>", ">>"})
_POSSESSIVE = re.compile(r"(?<=[A-Za-z0-9)\]])(?:'s|’s)\b")
_BARE_POSSESSIVE = re.compile(r"\b([a-z][a-z0-9-]{3,}s)\s+(?=[a-z])")
_CAS = re.compile(r"^\d{2,7}-\d{2}-\d$")
_FORMULA = re.compile(r"^(?:(?:[A-Z][a-z]?|\((?:[A-Z][a-z]?\d*)+\))\d*)+(?:\d*[+-])?$")
_FORMULA_ELEMENT = re.compile(r"[A-Z][a-z]?")
_EXPLICIT_SMILES = re.compile(r"\bSMILES\s*(?:string)?\s*[:=]?\s*[`\"']?([^\s`\"']+)", re.IGNORECASE)
_BACKTICKED = re.compile(r"`([^`\n]{1,400})`")
_SMILES_WORD = re.compile(r"\bsmiles\b", re.IGNORECASE)
# "… the flash point of this molecule? CO": the token after a question about "this molecule" is its SMILES.
_TRAILING_STRUCTURE = re.compile(r"\b(?:this|the (?:given|following)) (?:molecule|compound|structure)\b[^\n]*?[?.:]\s*([^\s]+)\s*$",
                                 re.IGNORECASE)
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
_NUMBER_WORD = re.compile(r"[-−+]?\d[\d.,]*(?:(?:[x×]10)?\^[-−+]?\d+|[eE][-−+]?\d+)?")  # "1.0e-3", "10^-5)": no name
_UPPER_WORDS = frozenset("I A NO IN ON SO AS AT BE BY HE IS IT OF OR US WE HI OK TO AN AM DO GO IF ME MY UP CAN".split())
_STOPWORDS_FILE = Path(__file__).with_name("stopwords.txt")
_ELEMENT_NAMES = frozenset(
    "hydrogen carbon nitrogen oxygen fluorine phosphorus sulfur sulphur chlorine bromine iodine boron silicon".split())
_ELEMENT_TERM = re.compile(r"(?:atoms?|bond(?:s|ing|ed)?|donors?|acceptors?)$")


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
    structures: dict[str, str] = Field(default_factory=dict, description="names OPSIN parsed while finding them")
    tried: dict[str, list[str]] = Field(default_factory=dict, description="spans tried for an unresolved name")
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
    if not token or not re.search(r"[A-Za-z*()\[\]]", token):
        return False, False
    if not _SMILES_CHARS.fullmatch(token) and not (explicit and _STRUCTURAL.search(token)):
        return False, False  # a token marked as SMILES with bonds or branches is one, whatever letters it has
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
    token = token.rstrip(".").strip(_STRIP) if token.endswith(".") else token  # "`CCO`.", "CCO.. what", "CCO..."
    return token[1:-1] if token.startswith("(") and token.endswith(")") else token


def joined_arrows(text: str) -> str:
    """"A.B -> ?", "A.B → C", "A + B >> C" written with spaces, as the one reaction token "A.B>>C";
    sides that are not SMILES ("CH4 + O2 -> CO2", an equation of formulas) are left as written.
    Works token by token (a regex over the sides backtracks without end on long SMILES-like text)."""
    words = list(re.finditer(r"\S+", text))
    i = len(words) - 1
    while i > 0:
        if words[i].group(0) not in _ARROWS:
            i -= 1
            continue
        first = i - 1
        while first >= 2 and words[first - 1].group(0) == "+":
            first -= 2
        last = i + 1 if i + 1 < len(words) else i
        while last + 2 < len(words) and words[last + 1].group(0) == "+":
            last += 2
        left = ".".join(w.group(0) for w in words[first:i] if w.group(0) != "+")
        right = ".".join(w.group(0) for w in words[i + 1:last + 1] if w.group(0) != "+")
        right = "" if right.strip("?") == "" else right
        coefficients = any(w.group(0).isdigit() for w in words[max(first - 1, 0):last + 1])  # "CH4 + 2 O2 -> …": an equation
        sides_are_smiles = (not coefficients and _SMILES_CHARS.fullmatch(left) and re.search(r"[A-Za-z]", left)
                            and (not right or _SMILES_CHARS.fullmatch(right)))
        if sides_are_smiles:
            tail = "?" if right == "" and words[last].group(0).endswith("?") else ""
            text = f"{text[:words[first].start()]}{left}>>{right}{tail}{text[words[last].end():]}"
        i = first - 1
    return text


def _without_possessives(text: str, store: CompoundStore) -> str:
    """"caffeine's formula", and a hurried "caffeines formula" where the store names caffeine but not
    "caffeines", read as the compound's name."""
    text = _POSSESSIVE.sub("", text)
    plural = {m.group(1) for m in _BARE_POSSESSIVE.finditer(text)} - stopwords()
    if not plural:
        return text
    known = store.known_names(plural | {w[:-1] for w in plural})
    bare = {w for w in plural if w.lower() not in known and known.get(w[:-1].lower())}
    return re.sub(r"\b(" + "|".join(map(re.escape, bare)) + r")\b", lambda m: m.group(1)[:-1], text) if bare else text


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


def extract_entities(text: str, store: CompoundStore, opsin: Opsin | None = None) -> Entities:
    """Every chemical mention; with `opsin`, names are also tried against OPSIN (one batch per call)."""
    found = Entities()
    text = _without_possessives(text, store)
    explicit = {m.group(1).rstrip(".,;?!") for m in _EXPLICIT_SMILES.finditer(text) if re.search(r"[A-Za-z*]", m.group(1))}
    explicit |= {m.group(1).strip() for m in _BACKTICKED.finditer(text) if " " not in m.group(1).strip()}
    if _SMILES_WORD.search(text):  # "is C=CX(C)C valid SMILES?": a token with bonds is the SMILES asked about
        explicit |= {t for t in map(_clean, text.split()) if re.search(r"[A-Za-z]", t) and re.search(r"[=#]|\[", t)}
    said_smiles = set(explicit)  # a token the text calls SMILES stays one even when it reads as a formula
    explicit |= {m.group(1).rstrip(".,;?!") for m in _TRAILING_STRUCTURE.finditer(text)}
    consumed: set[int] = set()
    unparsed: dict[int, str] = {}  # SMILES-like tokens that do not parse: reported unless part of a name
    words: list[tuple[int, str]] = []
    for index, match in enumerate(re.finditer(r"\S+", joined_arrows(text))):
        raw = match.group(0)
        token = _clean(raw)
        words.append((index, raw))
        if not token:
            continue
        if ">" in token and re.search(r"[A-Za-z]", token) and _SMILES_CHARS.fullmatch(token.replace(">", "")):
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
            elif looks_like_formula(token) and not (token in said_smiles and candidate):  # "the molecule: KMnO4"
                _add(found.formulas, token)
                consumed.add(index)
            elif candidate:
                unparsed[index] = token
    consumed |= _element_terms(words)
    names = _names(text, words, consumed, store, opsin)
    invalid = [token for index, token in unparsed.items() if index not in names.covered]
    for name in names.chosen:
        if name not in invalid:  # one unparsable token is reported once, as the SMILES it tried to be
            _add(found.names, name)
    found.structures, found.tried = names.structures, names.tried
    for token in invalid:
        _add(found.invalid_smiles, token)
    found.truncated = names.capped
    return _capped(found)


def _element_terms(words: list[tuple[int, str]]) -> set[int]:
    """Element names that are part of a counting or bonding term, not a compound: "hydrogen bond
    donors", "carbon atoms", "hydrogen-bonding" (else glucose's donors came with H2's facts), and
    "lead" as the verb of "lead to"."""
    terms: set[int] = set()
    for position, (index, raw) in enumerate(words):
        head, _, tail = _clean(raw).lower().partition("-")
        following = tail or (_clean(words[position + 1][1]).lower() if position + 1 < len(words) else "")
        if head in _ELEMENT_NAMES and _ELEMENT_TERM.match(following):
            terms.add(index)
        elif head == "lead" and not tail and following in ("to", "into"):  # the verb: "which reactants lead to X"
            terms.add(index)
    return terms


def _capped(found: Entities) -> Entities:
    if found.count <= MAX_ENTITIES:
        return found
    budget = MAX_ENTITIES
    data = found.model_dump()
    for key in ("smiles", "invalid_smiles", "cas", "formulas", "names", "reactions"):
        data[key] = data[key][:budget]
        budget -= len(data[key])
    return Entities(**{**data, "truncated": True})


def _runs(words: list[tuple[int, str]], consumed: set[int]) -> list[list[tuple[int, str]]]:
    """Maximal runs of candidate words (with their indexes), broken at stop words, consumed tokens
    and punctuation."""
    stop = stopwords()
    runs: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for index, raw in words:
        word = raw.strip("\"'“”‘’`")
        ends_clause = bool(_WORD_BREAKS.search(word)) and not re.search(r"\d[,.]$", word)
        word = _WORD_BREAKS.sub("", word)
        if index in consumed or not word or word.lower() in stop or _NUMBER_WORD.fullmatch(word.strip("()[]")):
            if current:
                runs.append(current)
            current = []
            continue
        current.append((index, word))
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


def _spans(runs: list[list[tuple[int, str]]]) -> tuple[dict[str, range], bool]:
    """Every contiguous span of up to MAX_SPAN_WORDS words in each run, with the words it covers;
    at most MAX_SPANS (the flag says when the message had more)."""
    spans: dict[str, range] = {}
    for run in runs:
        for i in range(len(run)):
            for j in range(i + 1, min(len(run), i + MAX_SPAN_WORDS) + 1):
                if len(spans) >= MAX_SPANS:
                    return spans, True
                spans.setdefault(" ".join(w for _, w in run[i:j]), range(run[i][0], run[j - 1][0] + 1))
    return spans, False


def _looks_systematic(span: str) -> bool:
    return bool(_SYSTEMATIC.search(span) or ";" in span)


class _FoundNames(BaseModel):
    chosen: list[str]
    structures: dict[str, str]
    tried: dict[str, list[str]]
    covered: set[int]
    capped: bool


def _names(
    text: str, words: list[tuple[int, str]], consumed: set[int], store: CompoundStore, opsin: Opsin | None
) -> _FoundNames:
    """Names longest first: a span resolved by the store or OPSIN wins over every span inside it."""
    runs = _runs(words, consumed)
    spans, capped = _spans(runs)
    slots = _slot_phrases(text)
    known = store.known_names(set(spans) | {p for whole, cut, _strong in slots for p in (whole, cut)})

    def in_store(span: str) -> bool:
        """Single words count only as a compound's main name: the synonyms hold many English words."""
        main = known.get(span.lower())
        return main is not None and (main or len(span.split()) > 1) and len(span) >= 3

    parsed: dict[str, str] = {}
    if opsin is not None:
        inside_store = {i for span, where in spans.items() if in_store(span) for i in where}
        asked = [s for s, where in spans.items() if not in_store(s) and _looks_systematic(s) and not set(where) <= inside_store]
        asked += [whole for whole, _cut, _strong in slots if whole not in spans and _looks_systematic(whole)]
        parsed = parse_names(list(dict.fromkeys(asked)), opsin)

    def resolved(span: str) -> bool:
        return in_store(span) or span in parsed

    consumed_tokens = {_clean(raw) for index, raw in words if index in consumed} - {""}
    names: list[str] = []
    taken: list[str] = []
    covered: set[int] = set()
    unknown_slots: list[str] = []  # reported unless a name found inside them explains them ("aspirin greater")
    for whole, cut, strong in dict.fromkeys(slots):
        if any(whole.lower() in t.lower() for t in taken):
            continue  # part of a comma-separated name already found whole
        phrase = whole if resolved(whole) else cut
        if phrase and resolved(phrase):
            taken.append(phrase)
            covered |= set(spans.get(phrase, ()))
            if not consumed_tokens & set(phrase.split()):
                names.append(phrase)
        elif strong and phrase and (_SYSTEMATIC.search(phrase) or len(phrase.split()) <= 4) and not consumed_tokens & set(phrase.split()):
            unknown_slots.append(phrase)
    tried: dict[str, list[str]] = {}
    found_in_runs: list[str] = []
    for run in runs:
        found_in_run = _cover(run, resolved)
        found_in_runs += found_in_run
        for span in found_in_run:
            names.append(span)
            covered |= set(spans.get(span, ()))
        if not found_in_run:
            unknown = _unresolved_mention(run)
            if unknown:
                names.append(unknown)
                tried[unknown] = [s for s in spans if set(spans[s]) <= set(spans.get(unknown, ())) and _looks_systematic(s)]
    names += [p for p in unknown_slots if not any(_explains(found, p) for found in found_in_runs)]
    chosen = _dedupe_contained(list(dict.fromkeys(names)))
    return _FoundNames(chosen=chosen, structures={n: parsed[n] for n in chosen if n in parsed},
                       tried={n: t for n, t in tried.items() if n in chosen}, covered=covered, capped=capped)


def _cover(run: list[tuple[int, str]], resolved: Callable[[str], bool]) -> list[str]:
    """The resolved spans of a run, longest first, none overlapping another."""
    found: list[tuple[int, int]] = []
    for size in range(min(len(run), MAX_SPAN_WORDS), 0, -1):
        for i in range(len(run) - size + 1):
            j = i + size
            if any(i < b and a < j for a, b in found):
                continue
            if resolved(" ".join(w for _, w in run[i:j])):
                found.append((i, j))
    return [" ".join(w for _, w in run[i:j]) for i, j in sorted(found)]


def _unresolved_mention(run: list[tuple[int, str]]) -> str:
    """A run that nothing resolves but that reads like a systematic name: reported whole, so the user
    hears which words were tried (a name with spaces is more likely than a fragment)."""
    systematic = [k for k, (_, w) in enumerate(run) if _SYSTEMATIC.search(w) and len(w) >= 5 and any(ch.isdigit() or ch == "-" for ch in w)]
    if not systematic:
        return ""
    return " ".join(w for _, w in run[systematic[0] : systematic[-1] + 1])


def _explains(name: str, phrase: str) -> bool:
    """Whether a name found inside an unresolved phrase is what the phrase meant: the words left over
    are plain words ("caffeine greater"), not the rest of a systematic name ("2-[4-(…)phenyl propanoic
    acid", whose fragment must never answer for the whole)."""
    if not _contains(phrase, name):
        return False
    rest = re.sub(re.escape(name), " ", phrase, flags=re.IGNORECASE)
    return not re.search(r"[\d()\[\]{}]|\w-|-\w", rest)


def _contains(longer: str, shorter: str) -> bool:
    """Whether `shorter` is a whole-word part of `longer` (case-insensitive)."""
    low, other = shorter.lower(), longer.lower()
    return low != other and re.search(rf"(?<![\w-]){re.escape(low)}(?![\w-])", other) is not None


def _dedupe_contained(names: list[str]) -> list[str]:
    """Drop names that are part of a longer name found too ("acid" inside "acetic acid")."""
    lowered = [n.lower() for n in names]
    keep = []
    for name, low in zip(names, lowered, strict=True):
        if any(_contains(other, name) for other in names):
            continue
        if low not in (k.lower() for k in keep):
            keep.append(name)
    return keep
