"""Safety screen for chemical-weapon agents and their key precursors (CWC Schedules 1 and 2).

Structures are matched by InChIKey, by the agent families' structural cores and by fingerprint
similarity; the list lives in `controlled_agents.yaml` as SMILES, and the InChIKeys are
computed here. Only requests to make, obtain or use such agents are refused: questions about
their identity or properties are answered like any other.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel
from rdkit import Chem, DataStructs

from assistants.chem.molecule import fingerprint, inchi_key, parse_smiles

DATA_FILE = Path(__file__).with_name("controlled_agents.yaml")

_INTENT = re.compile(
    r"\b(synthes[iy][sz]e?|synthesis|make|making|produce|production|manufactur\w*|prepar\w*|brew|cook|"
    r"obtain|acquire|buy|purchase|order|smuggle|steal|weaponi[sz]\w*|aerosoli[sz]\w*|disperse|dispers\w*|"
    r"deploy|deliver|release|stockpile|scale[- ]up|route to|recipe|precursors? (for|to))\b",
    re.IGNORECASE,
)


class SafetyHit(BaseModel):
    agent: str
    schedule: str
    how: Literal["inchikey", "substructure", "similarity", "term"]
    detail: str


class SafetyVerdict(BaseModel):
    hits: list[SafetyHit]
    harmful_intent: bool
    refuse: bool
    reason: str = ""


class _Agent(BaseModel):
    name: str
    schedule: str
    smiles: str
    inchikey: str


class _Screen(BaseModel):
    agents: list[_Agent]
    patterns: list[tuple[str, str]]
    terms: list[str]
    threshold: float


@lru_cache(maxsize=1)
def _screen() -> _Screen:
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    agents = [_Agent(**item, inchikey=inchi_key(item["smiles"])) for item in data["agents"]]
    patterns = [(item["name"], item["smarts"]) for item in data["patterns"]]
    return _Screen(agents=agents, patterns=patterns, terms=data["terms"], threshold=data["similarity_threshold"])


@lru_cache(maxsize=1)
def _compiled() -> tuple[list[tuple[str, Chem.Mol]], list[tuple[_Agent, DataStructs.ExplicitBitVect]]]:
    screen = _screen()
    patterns = [(name, Chem.MolFromSmarts(smarts)) for name, smarts in screen.patterns]
    fingerprints = [(agent, fingerprint(agent.smiles)) for agent in screen.agents]
    return patterns, fingerprints


def screen_structure(smiles: str) -> list[SafetyHit]:
    """Scheduled agents this structure is, contains the core of, or closely resembles."""
    key = inchi_key(smiles)
    screen = _screen()
    for agent in screen.agents:
        if agent.inchikey == key or agent.inchikey[:14] == key[:14]:
            return [SafetyHit(agent=agent.name, schedule=agent.schedule, how="inchikey", detail=agent.inchikey)]
    mol = parse_smiles(smiles)
    patterns, fingerprints = _compiled()
    hits = [
        SafetyHit(agent=name, schedule="core", how="substructure", detail=name)
        for name, pattern in patterns
        if mol.HasSubstructMatch(pattern)
    ]
    query = fingerprint(smiles)
    for agent, agent_fp in fingerprints:
        score = DataStructs.TanimotoSimilarity(query, agent_fp)
        if score >= screen.threshold:
            hits.append(SafetyHit(agent=agent.name, schedule=agent.schedule, how="similarity", detail=f"Tanimoto {score:.2f}"))
    return hits


def screen_terms(text: str) -> list[SafetyHit]:
    lowered = text.lower()
    return [
        SafetyHit(agent=term, schedule="term", how="term", detail=term)
        for term in _screen().terms
        if re.search(rf"\b{re.escape(term)}\b", lowered)
    ]


def harmful_intent(text: str) -> bool:
    """Whether the text asks to make, obtain or use something (not merely about it)."""
    return _INTENT.search(text) is not None


def screen(text: str, smiles: list[str]) -> SafetyVerdict:
    hits = [hit for s in smiles for hit in screen_structure(s)] + screen_terms(text)
    intent = harmful_intent(text)
    refuse = bool(hits) and intent
    reason = ""
    if refuse:
        named = ", ".join(sorted({hit.agent for hit in hits}))
        reason = f"request to make or obtain a controlled chemical-weapon agent or precursor ({named})"
    return SafetyVerdict(hits=hits, harmful_intent=intent, refuse=refuse, reason=reason)
