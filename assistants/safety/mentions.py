"""Which screened agents a text mentions: by name in any listed language, CAS number, InChI or
InChIKey, SMILES anywhere in the text, or a systematic (IUPAC) name that OPSIN turns into one.

Names are matched on a folded form of the text (NFKC, case-folded, diacritics and invisible
characters removed), and again on forms that undo common disguises: letters spaced or dotted
apart ("s a r i n"), digits and symbols for letters ("5ar1n"), Cyrillic or Greek look-alike
letters inside Latin words. Scripts written without spaces (Chinese, Japanese, Korean) match
as substrings; others at a word start, with a few letters of inflection allowed.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

from assistants.safety.agents import SafetyHit, agent_by_inchikey, agent_list, screen_structure

log = logging.getLogger("tristage.safety")

_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")
_DASHES = re.compile("[\u2010-\u2015\u2212\ufe63\uff0d]")
_SPACED = re.compile(r"(?<!\w)(?:\w[ .\-_*·•/|]+){2,}\w(?!\w)")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a", "!": "i"})
_LOOKALIKE = str.maketrans("асеорхукіѕјԁаеорсхνοαρτ", "aceopxykisjdaeopcxvoapt")
_NO_SPACES = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_CAS = re.compile(r"(?<![\d-])\d{2,7}-\d{2}-\d(?![\d-])")
_INCHIKEY = re.compile(r"\b[A-Z]{14}-[A-Z]{10}-[A-Z]\b")
_INCHI = re.compile(r"InChI=1S?/[^\s\"'`]+")
# Tokens that could be SMILES of a screened family: SMILES characters only, and an element the
# families need (P, As, S or N with a halogen, a nitrile, or F on a carbon skeleton).
_SMILES_TOKEN = re.compile(r"^[A-Za-z0-9@+\-\[\]()=#$/\\%.:*~>]{3,400}$")
_FAMILY_ATOMS = re.compile(r"P|\[As|As|Cl|F|C#N|N#C|S")
# Systematic-name fragments of the screened families: a word holding one goes to OPSIN.
_SYSTEMATIC_GATE = re.compile(
    r"phosph|arsin|arson|arsen|chloroeth|chlorethyl|sulfan|sulfid|sulphid|thiodi|quinuclid|benzilat|pinacol|"
    r"dimethylbutan|cyanid|carbonyl ?dichlor|nitromethan|fluoro(?:iso)?but|fluoroprop",
    re.IGNORECASE,
)
_NAME_WORD = re.compile(r"^[A-Za-z0-9,'′\-()\[\]{}]+$")
_MAX_SYSTEMATIC = 48
_ALPHABETIC_SCRIPTS_END = 0x0530


def fold(text: str) -> str:
    """NFKC, case-folded, without diacritics, invisible characters or typographic dashes."""
    text = _DASHES.sub("-", _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))).casefold()
    kept: list[str] = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char) and kept and ord(kept[-1]) < _ALPHABETIC_SCRIPTS_END:
            continue  # an accent on a Latin, Greek or Cyrillic letter; kana and hangul keep theirs
        kept.append(char)
    return " ".join(unicodedata.normalize("NFC", "".join(kept)).split())


def _variants(folded: str) -> list[str]:
    """The folded text and the forms that undo spacing, digit and look-alike disguises."""
    spaced = _SPACED.sub(lambda m: re.sub(r"[ .\-_*·•/|]+", "", m.group(0)), folded)
    leet = " ".join(word.translate(_LEET) if re.search(r"[a-z]", word) else word for word in folded.split())
    lookalike = folded.translate(_LOOKALIKE)
    return list(dict.fromkeys([folded, spaced, leet, lookalike, spaced.translate(_LEET)]))


@lru_cache(maxsize=1)
def _name_patterns() -> list[tuple[re.Pattern[str], str, str, str]]:
    """(pattern, agent, schedule, how) for every listed name and class word."""
    listed = agent_list()
    entries = [(name, agent.name, agent.schedule, "name") for agent in listed.agents for name in agent.names]
    entries += [(term, term, "class", "term") for term in listed.terms]
    patterns = []
    for name, agent, schedule, how in entries:
        folded = fold(name)
        body = r"[\s\-]*".join(re.escape(part) for part in re.split(r"[\s\-]+", folded))
        if _NO_SPACES.search(folded):
            pattern = re.compile(body)
        else:
            pattern = re.compile(rf"(?<![\w]){body}\w{{0,4}}(?![\w])")
        patterns.append((pattern, agent, schedule, how))
    return patterns


def name_hits(text: str) -> list[SafetyHit]:
    """Agents named in the text, in any listed language or disguise."""
    variants = _variants(fold(text))
    hits: dict[str, SafetyHit] = {}
    for pattern, agent, schedule, how in _name_patterns():
        if agent in hits:
            continue
        for variant in variants:
            found = pattern.search(variant)
            if found:
                hits[agent] = SafetyHit(agent=agent, schedule=schedule, how=how, detail=found.group(0))  # type: ignore[arg-type]
                break
    return list(hits.values())


def identifier_hits(text: str) -> list[SafetyHit]:
    """Agents given by CAS number, InChIKey or InChI."""
    hits = []
    by_cas = {cas: agent for agent in agent_list().agents for cas in agent.cas}
    for cas in _CAS.findall(text):
        if cas in by_cas:
            agent = by_cas[cas]
            hits.append(SafetyHit(agent=agent.name, schedule=agent.schedule, how="cas", detail=cas))
    for key in _INCHIKEY.findall(text):
        agent = agent_by_inchikey(key) or agent_by_inchikey(key[:14])
        if agent is not None:
            hits.append(SafetyHit(agent=agent.name, schedule=agent.schedule, how="inchikey", detail=key))
    for inchi in _INCHI.findall(text):
        smiles = _smiles_from_inchi(inchi)
        if smiles:
            hits += screen_structure(smiles)
    return hits


def _smiles_from_inchi(inchi: str) -> str | None:
    from rdkit import Chem, rdBase

    with rdBase.BlockLogs():
        mol = Chem.MolFromInchi(inchi)
    return Chem.MolToSmiles(mol) if mol is not None else None


def smiles_hits(text: str) -> list[SafetyHit]:
    """Agents written as SMILES (or reaction SMILES) anywhere in the text."""
    hits: list[SafetyHit] = []
    for raw in text.split():
        token = raw.strip("`'\".,;:!?")
        if not _SMILES_TOKEN.match(token) or not _FAMILY_ATOMS.search(token):
            continue
        for part in re.split(r">>|>|\.", token):
            smiles = _valid_smiles(part)
            if smiles:
                hits += screen_structure(smiles)
    return hits


@lru_cache(maxsize=1024)
def _valid_smiles(token: str) -> str | None:
    """The token when RDKit reads it as a molecule of three or more heavy atoms."""
    if len(token) < 3:
        return None
    from rdkit import Chem, rdBase

    with rdBase.BlockLogs():
        mol = Chem.MolFromSmiles(token)
    return token if mol is not None and mol.GetNumHeavyAtoms() >= 3 else None


def systematic_candidates(text: str) -> list[str]:
    """Word runs around a systematic-name fragment, from one to four words, for OPSIN to read."""
    words = [w.strip(".,;:!?\"'`“”") for w in unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).split()]
    candidates: list[str] = []
    for i, word in enumerate(words):
        if not _SYSTEMATIC_GATE.search(word):
            continue
        for start in range(max(0, i - 3), i + 1):
            for end in range(i + 1, min(len(words), i + 4) + 1):
                span = words[start:end]
                if len(span) <= 4 and all(_NAME_WORD.match(w) for w in span):
                    name = " ".join(span)
                    if name not in candidates:
                        candidates.append(name)
    return candidates[:_MAX_SYSTEMATIC]


def iupac_hits(text: str) -> list[SafetyHit]:
    """Agents named systematically, read by OPSIN (within the run's time budget)."""
    candidates = systematic_candidates(text)
    if not candidates:
        return []
    from assistants.chem.opsin import OpsinUnavailable, opsin_smiles

    try:
        structures = opsin_smiles(candidates)
    except OpsinUnavailable as exc:
        log.warning("safety screen: OPSIN unavailable, systematic names read from the list only: %s", exc)
        return []
    from assistants.chem.molecule import InvalidSmiles

    hits = []
    for name, smiles in zip(candidates, structures, strict=True):
        try:
            found = screen_structure(smiles) if smiles else []
        except InvalidSmiles:  # OPSIN wrote a structure RDKit cannot sanitize ("…[ClH]…"): nothing to compare
            continue
        hits += [hit.model_copy(update={"how": "iupac", "detail": f"{name} -> {hit.detail}"}) for hit in found]
    return hits


def mentions(text: str) -> list[SafetyHit]:
    """Every screened agent the text mentions, however it is written."""
    if not text.strip():
        return []
    hits = name_hits(text) + identifier_hits(text) + smiles_hits(text)
    if not hits:
        hits = iupac_hits(text)
    return hits
