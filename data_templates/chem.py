"""The chem builder: compound records → the facts each chem pack needs → validated samples.

Every fact comes from the chem tools (`assistants.chem.molecule`, the store's measured
properties); a record whose stated formula disagrees with its structure is skipped and counted,
so no sample repeats a source's error.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr

from assistants.chem import molecule
from assistants.chem.corruption import corrupt
from assistants.chem.functional_groups import functional_groups
from assistants.chem.resolve import shown_name
from assistants.chem.split import heldout
from data_templates.chem_reactions import (
    REACTION_TASKS,
    ReactionRecord,
    distinctive_products,
    is_banned,
    reaction_facts,
    reaction_records,
)
from data_templates.chem_sources import ChemRecord, file_records, store_records
from data_templates.domain import Malformed, Outcome
from data_templates.samples import pack_samples, record_rng
from data_templates.splits import molecule_split, scaffold_key
from data_templates.templates import Pack, all_packs, domain_packs

# Well-known compounds a molecule's mass is compared with (names as people say them).
REFERENCES: dict[str, str] = {
    "water": "O",
    "ethanol": "CCO",
    "benzene": "c1ccccc1",
    "acetic acid": "CC(=O)O",
    "glucose": "OC[C@H]1OC(O)[C@H](O)[C@@H](O)[C@@H]1O",
    "caffeine": "Cn1c(=O)c2c(ncn2C)n(C)c1=O",
    "aspirin": "CC(=O)Oc1ccccc1C(=O)O",
    "cholesterol": "CC(C)CCC[C@@H](C)[C@H]1CC[C@H]2[C@@H]3CC=C4C[C@@H](O)CC[C@]4(C)[C@H]3CC[C@]12C",
}
HELDOUT = "held out for evaluation"
UNITS = {"K": "K", "Pa": "Pa", "m^3/mol": "m³/mol"}
# CAS numbers, long digit runs and database or registry codes (names arrive lower-cased from the store).
_IDENTIFIER = re.compile(
    r"^\d+-\d{2}-\d$|\d{4,}|^(?:unii|einecs|ec|nsc|chembl|schembl|dtxsid|dtxcid|zinc|mfcd|akos|brn|hsdb|ccris|ai3|"
    r"cas|nci|bidd|mls|smr|hms|cid|ks|as|sr)[\s:-]?\w*\d"
)


def significant(value: float, digits: int = 5) -> str:
    """`digits` significant digits in plain notation (4697000, 0.000478), never 4.697e+06."""
    text = f"{value:.{digits}g}"
    return f"{float(text):f}".rstrip("0").rstrip(".") if "e" in text else text


def looks_like_identifier(name: str) -> bool:
    """Registry numbers and database codes are not names a person would ask about."""
    return _IDENTIFIER.search(name.lower()) is not None


def pick(items: list[str], usable: Callable[[str], bool], rng: random.Random) -> str | None:
    """A uniformly random usable item, testing items in random order only until one passes
    (a compound has up to 50 synonyms, and most are usable)."""
    pool = list(items)
    while pool:
        index = rng.randrange(len(pool))
        if usable(pool[index]):
            return pool[index]
        pool[index] = pool[-1]
        pool.pop()
    return None


class ChemFacts(BaseModel):
    """Per-record facts shared by the task fact builders."""

    record: ChemRecord
    smiles: str
    formula: str
    mw: float
    name: str
    subject: str


def task_facts(base: ChemFacts, rng: random.Random) -> dict[str, dict[str, Any]]:
    """Facts for every chem task this record supports (task pack name -> template fields)."""
    r, smiles = base.record, base.smiles
    code = f"`{smiles}`"
    facts: dict[str, dict[str, Any]] = {}
    if base.name:
        facts["chem.iupac_to_smiles"] = {"name": base.name, "smiles": smiles}
        facts["chem.smiles_to_iupac"] = {"smiles": smiles, "name": base.name}
        name = base.name.lower()
        synonym = pick(r.synonyms, lambda s: s.lower() != name and not looks_like_identifier(s), rng)
        if synonym is not None:
            facts["chem.synonym_to_iupac"] = {"synonym": synonym, "name": base.name}
    subject = base.subject if rng.random() < 0.5 else code
    facts["chem.formula"] = {"subject": subject, "formula": base.formula}
    facts["chem.molecular_weight"] = {"subject": subject, "mw": round(base.mw, 2)}
    if r.properties:
        prop = rng.choice(r.properties)
        facts["chem.property"] = {
            "subject": base.subject,
            "property": prop.label.lower(),
            "value": float(f"{prop.value:.5g}"),
            "quantity": f"{significant(prop.value)} {UNITS.get(prop.unit, prop.unit)}".strip(),
            "method": prop.method,
        }
    d = molecule.descriptors(r.smiles)
    groups = [g.name for g in functional_groups(r.smiles)]
    facts["chem.description"] = {
        "subject": subject,
        "groups": ", ".join(groups) if groups else "none of the common ones",
        "formula": base.formula,
        "mw": round(base.mw, 2),
        "heavy_atoms": d.heavy_atoms,
        "rings": d.rings,
        "aromatic_rings": d.aromatic_rings,
        "hbd": d.hbd,
        "hba": d.hba,
        "rotatable_bonds": d.rotatable_bonds,
        "logp": round(d.logp, 2) + 0.0,
        "tpsa": round(d.tpsa, 1),
        "lipinski": "meets" if d.lipinski_pass else "breaks",
        "violations": d.lipinski_violations,
    }
    facts.update(calculation_facts(base, subject, rng))
    facts["chem.smiles_validity"] = _validity_facts(smiles, rng)
    other = rng.choice(sorted(REFERENCES))
    other_mw = molecule.average_mass(REFERENCES[other])
    if base.name and abs(other_mw - base.mw) >= 0.01 and base.name.lower() != other:
        facts["chem.compare_mass"] = {
            "subject": base.subject,
            "other": other,
            "mw": round(base.mw, 2),
            "other_mw": round(other_mw, 2),
            "relation": "heavier" if base.mw > other_mw else "lighter",
            "difference": round(abs(base.mw - other_mw), 2),
        }
    return facts


def calculation_facts(base: ChemFacts, subject: str, rng: random.Random) -> dict[str, dict[str, Any]]:
    """Facts for the packs the calculators answer (hazards, stereo, drug-likeness, grams ↔ moles, solutions),
    from the same functions the chem assistant answers with."""
    from assistants.chem.calc import hazards, structure
    from assistants.chem.calc.stoichiometry import FormulaError, counts_of, molar_mass

    facts: dict[str, dict[str, Any]] = {}
    data = hazards.hazard_data(base.record.cas) if base.record.cas else None
    if data is not None and data.flash_point is not None:
        verdict = hazards.flammability(data, None)
        facts["chem.hazards"] = {"subject": base.subject, "flash_point": round(data.flash_point.value - hazards.CELSIUS_OFFSET, 1),
                                 "verdict": "flammable" if verdict.flammable else "not a flammable liquid",
                                 "reason": verdict.reason, "source": data.flash_point.source}
    stereo = structure.stereo_facts(base.smiles)
    if stereo.counted:
        chirality = {True: "chiral", False: "not chiral", None: "chiral or not depending on the isomer"}[stereo.chiral]
        facts["chem.stereo"] = {"subject": subject, "stereocentres": stereo.stereocentres, "stereoisomers": stereo.stereoisomers,
                                "chirality": chirality}
    rule = structure.drug_likeness(base.smiles)[0]
    facts["chem.drug_likeness"] = {"subject": subject, "verdict": "passes" if rule.passed else "fails",
                                   "mw": rule.values["molecular weight"], "logp": rule.values["logP"],
                                   "hbd": rule.values["H-bond donors"], "hba": rule.values["H-bond acceptors"],
                                   "violations": ", ".join(rule.violations) or "none"}
    moles = rng.choice((0.25, 0.5, 1.5, 2.0, 3.0))
    try:
        mass = molar_mass(counts_of(base.formula))
    except FormulaError:  # an isotope label (D2O) the element tables do not list: no amount questions
        return facts
    facts["chem.grams_moles"] = {"subject": base.subject, "moles": moles, "grams": round(moles * mass, 2),
                                 "molar_mass": round(mass, 2), "formula": base.formula}
    molar, volume_ml = rng.choice((0.05, 0.1, 0.25, 0.5, 1.0)), rng.choice((50, 100, 250, 500, 1000))
    solute = molar * volume_ml / 1000
    facts["chem.solution"] = {"subject": base.subject, "molar": molar, "volume_ml": volume_ml, "moles": round(solute, 4),
                              "grams": round(solute * mass, 3), "molar_mass": round(mass, 2)}
    return facts


def _validity_facts(smiles: str, rng: random.Random) -> dict[str, Any]:
    """Half the time a corrupted copy of the (already validated) SMILES; the verdict and reason of a
    corrupted copy come from RDKit."""
    shown = corrupt(smiles, rng) if rng.random() < 0.5 else None
    if shown is None:
        return {"smiles": smiles, "valid": True, "verdict": "valid", "reason": smiles}
    result = molecule.validate_smiles(shown)
    if result.valid:
        return {"smiles": shown, "valid": True, "verdict": "valid", "reason": str(result.canonical)}
    reason = result.message.split(": ", 1)[-1].rstrip(".")
    return {"smiles": shown, "valid": False, "verdict": "invalid", "reason": reason}


class ChemDomain(BaseModel):
    """Compounds from the store (default) or files, then reactions (the shipped ones by default, or
    `reactions` files), rendered through the chem packs."""

    name: str = "chem"
    files: list[Path] = Field(default_factory=list)
    reactions: list[Path] = Field(default_factory=list, description="atom-mapped reaction files for the reaction tasks")
    tasks: list[str] = Field(default_factory=list, description="pack names; empty = every chem pack")
    heldout_scaffolds: frozenset[str] = frozenset()
    _chosen: list[Pack] | None = PrivateAttr(default=None)

    def packs(self) -> list[Pack]:
        return domain_packs("chem", self.tasks)

    def _packs(self) -> list[Pack]:
        if self._chosen is None:
            self._chosen = self.packs()
        return self._chosen

    def _wants(self) -> tuple[bool, bool]:
        """Whether the chosen packs need compound records, and whether they need reaction records."""
        names = {p.name for p in self._packs()}
        return bool(names - set(REACTION_TASKS)), bool(names & set(REACTION_TASKS))

    def _reaction_sources(self) -> list[str]:
        """The reaction files; the shipped reactions only when no other source is named."""
        if self.reactions:
            return [str(f) for f in self.reactions]
        return [] if self.files else ["shipped"]

    def describe(self) -> dict[str, Any]:
        return {"sources": [str(f) for f in self.files] or ["store"], "reactions": self._reaction_sources(),
                "tasks": [p.name for p in self.packs()], "isolate_heldout_scaffolds": bool(self.heldout_scaffolds)}

    def records(self) -> Iterator[ChemRecord | ReactionRecord | Malformed]:
        compounds, reactions = self._wants()
        if compounds:
            if not self.files:
                yield from store_records()
            for path in self.files:
                yield from file_records(path)
        if reactions and self._reaction_sources():
            yield from reaction_records(self.reactions)

    def prepare(self) -> None:
        all_packs()

    def base_facts(self, record: ChemRecord) -> ChemFacts:
        """Structure facts keyed on the record's own SMILES, so the tools share one cached parse
        (InvalidSmiles, with the reason in words, when it does not parse)."""
        smiles = molecule.canonical_smiles(record.smiles)
        name = shown_name(smiles, record.iupac_name.strip())[0] or ""  # the name replies show, read back by OPSIN
        subject = name or next((s for s in record.synonyms if not looks_like_identifier(s)), "")
        base = ChemFacts(
            record=record,
            smiles=smiles,
            formula=molecule.formula(record.smiles),
            mw=molecule.average_mass(record.smiles),
            name=name,
            subject=subject or f"`{smiles}`",
        )
        return base

    def facts(self, record: ChemRecord | ReactionRecord, seed: int) -> list[dict[str, dict[str, Any]]]:
        """The template fields per task for one record (for augmentation and previews of fields)."""
        if isinstance(record, ReactionRecord):
            found = reaction_facts(record.reaction)
            return [] if isinstance(found, str) else [found.facts]
        base = self.base_facts(record)
        return [task_facts(base, record_rng(seed, self.name, f"{record.source}#{record.source_id}"))]

    def process(self, record: ChemRecord | ReactionRecord, seed: int) -> Outcome:
        if isinstance(record, ReactionRecord):
            return self._reaction_outcome(record, seed)
        if record.inchikey and heldout(record.inchikey):
            return Outcome(skipped=HELDOUT, detail=f"{record.source}#{record.source_id}")
        try:
            base = self.base_facts(record)
        except molecule.InvalidSmiles as exc:
            return Outcome(skipped="bad SMILES", detail=f"{record.source}#{record.source_id}: {exc}")
        if record.formula and record.formula.replace(" ", "") != base.formula:
            return Outcome(
                skipped="formula disagrees with structure",
                detail=f"{record.source}#{record.source_id}: states {record.formula}, structure gives {base.formula}",
            )
        if (not record.inchikey and heldout(molecule.inchi_key(record.smiles))) or base.smiles in distinctive_products():
            return Outcome(skipped=HELDOUT, detail=f"{record.source}#{record.source_id}")
        split = molecule_split(scaffold_key(base.smiles), self.heldout_scaffolds)
        rng = record_rng(seed, self.name, f"{record.source}#{record.source_id}")
        facts = task_facts(base, rng)
        rows, invalid = pack_samples(self._packs(), facts, rng, source=record.source, source_id=record.source_id,
                                     key=base.smiles, split=split, seed=seed)
        return Outcome(rows=rows, invalid=invalid)

    def _reaction_outcome(self, record: ReactionRecord, seed: int) -> Outcome:
        """Samples of one reaction: skipped when it touches a held-out product or no task passes its checks."""
        reaction = record.reaction
        where = f"{record.source}#{reaction.id}"
        if is_banned(reaction):
            return Outcome(skipped=HELDOUT, detail=where)
        found = reaction_facts(reaction)
        if isinstance(found, str):
            return Outcome(skipped=found, detail=where)
        dropped = {f"reaction task, {failure} check failed": 1 for failure in found.failed}
        if not found.facts:
            return Outcome(skipped="reaction failed its checks", detail=f"{where}: {'; '.join(found.failed)}")
        split = molecule_split(scaffold_key(found.product), self.heldout_scaffolds)
        rows, invalid = pack_samples(self._packs(), found.facts, record_rng(seed, self.name, where), source=record.source,
                                     source_id=reaction.id, key=found.key, split=split, seed=seed)
        return Outcome(rows=rows, invalid=invalid, dropped=dropped)


def heldout_scaffolds() -> frozenset[str]:
    """Scaffolds of the store's held-out benchmark compounds: molecules sharing one stay out of train."""
    from assistants.chem.store import get_store

    scaffolds = set()
    for compound in get_store().iter_compounds():
        if heldout(compound.inchikey):
            try:
                scaffolds.add(scaffold_key(molecule.canonical_smiles(compound.smiles)))
            except molecule.InvalidSmiles:
                continue
    return frozenset(scaffolds)
