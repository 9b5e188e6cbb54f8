"""The screened chemicals (CWC Schedules 1-3) and how a structure is matched against them.

The list lives in `controlled_agents.yaml`: each agent's SMILES, CAS numbers and names in several
languages. A structure matches an agent by InChIKey (its connectivity block, so stereo and
charge spellings still match), by the structural core of an agent family (SMARTS), or by
fingerprint similarity, so close analogues are caught as well as the listed compounds.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field

DATA_FILE = Path(__file__).with_name("controlled_agents.yaml")


class SafetyHit(BaseModel):
    agent: str
    schedule: str
    how: Literal["inchikey", "substructure", "similarity", "term", "name", "cas", "iupac"]
    detail: str


class Agent(BaseModel):
    name: str
    schedule: str
    smiles: str = ""
    cas: list[str] = Field(default_factory=list)
    names: list[str] = Field(default_factory=list)
    inchikey: str = ""


class AgentList(BaseModel):
    agents: list[Agent]
    patterns: list[tuple[str, str]]
    terms: list[str]
    threshold: float


@lru_cache(maxsize=1)
def agent_list() -> AgentList:
    """The screened agents; InChIKeys are computed lazily by `_structures` (RDKit is the chem extra)."""
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    return AgentList(
        agents=[Agent(**item) for item in data["agents"]],
        patterns=[(item["name"], item["smarts"]) for item in data["patterns"]],
        terms=data["terms"],
        threshold=data["similarity_threshold"],
    )


@lru_cache(maxsize=1)
def _structures() -> tuple[list[tuple[Agent, str, Any]], list[tuple[str, Any]]]:
    """(agent, InChIKey, fingerprint) per agent with a structure, and the compiled family cores."""
    from rdkit import Chem

    from assistants.chem.molecule import fingerprint, inchi_key

    listed = agent_list()
    agents = [(agent, inchi_key(agent.smiles), fingerprint(agent.smiles)) for agent in listed.agents if agent.smiles]
    cores = [(name, Chem.MolFromSmarts(smarts)) for name, smarts in listed.patterns]
    return agents, cores


def screen_structure(smiles: str) -> list[SafetyHit]:
    """Scheduled agents this structure is, contains the core of, or closely resembles."""
    from rdkit import DataStructs

    from assistants.chem.molecule import fingerprint, inchi_key, parse_smiles

    key = inchi_key(smiles)
    agents, cores = _structures()
    for agent, agent_key, _ in agents:
        if agent_key == key or agent_key[:14] == key[:14]:
            return [SafetyHit(agent=agent.name, schedule=agent.schedule, how="inchikey", detail=agent_key)]
    mol = parse_smiles(smiles)
    hits = [
        SafetyHit(agent=name, schedule="core", how="substructure", detail=name)
        for name, core in cores
        if mol.HasSubstructMatch(core)
    ]
    query = fingerprint(smiles)
    threshold = agent_list().threshold
    for agent, _, agent_fp in agents:
        score = DataStructs.TanimotoSimilarity(query, agent_fp)
        if score >= threshold:
            hits.append(SafetyHit(agent=agent.name, schedule=agent.schedule, how="similarity", detail=f"Tanimoto {score:.2f}"))
    return hits


def agent_by_inchikey(key: str) -> Agent | None:
    """The agent with this InChIKey (full, or its connectivity block)."""
    for agent, agent_key, _ in _structures()[0]:
        if key in (agent_key, agent_key[:14]):
            return agent
    return None
