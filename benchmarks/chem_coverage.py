"""The coverage benchmark: does the chem assistant answer everyday chemistry questions right?

Hazards (flash point, flammability, autoignition, flammability limits, exposure limits, carcinogens), molecular
and thermo properties (dipole moments, which of two is more polar, enthalpies of formation), stoichiometry
(grams and moles, mass percent, empirical formulas, balancing equations, oxygen for combustion, oxidation states)
and structure counts (atoms, rings, stereocentres, stereoisomers, chirality, Lipinski's rule), each family asked
in several wordings from public exam and instruction sets and as a hurried user types
(benchmarks/chem_coverage/questions.yaml), filled with the compounds of entities.yaml.

Expected answers never come from the assistant's code: hazard and thermo numbers are read from the `chemicals`
tables by CAS number (the same tables the assistant answers from: those families are marked from_tables),
stoichiometry is plain arithmetic on chemicals' molecular weights, structure counts come from RDKit on the
SMILES of entities.yaml, and what no program gives (balanced equations, oxidation states, stereoisomer counts,
chirality, Lipinski verdicts) is a hand key there. Half the wordings of every family are held out whole, by the
same rule as the wording benchmark (benchmarks/understanding.py), whose reading of replies this one shares.

A reply is read from its text and status as the user reads them: right, says_not_answered, verified_wrong and
silent_miss as in the wording benchmark, plus contradictions: replies that state a wrong value where the
expected answer can be computed (a number in the asked unit in the answer sentence, none within tolerance; the
wrong yes/no; the other compound named more polar; the species of the equation with other coefficients; another
empirical formula). The target is none.

By default no model runs: chem answers with template phrasing from its tools. `--model` uses the configured model.

    python benchmarks/chem_coverage.py                                  # dev wordings, tools only
    python benchmarks/chem_coverage.py --split heldout
    python benchmarks/chem_coverage.py --family flash_point --show-failures 5 --json out/chem_coverage.json
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

sys.path.append(str(Path(__file__).resolve().parents[1]))  # after PYTHONPATH: a checkout named there is measured

from benchmarks import understanding  # noqa: E402
from benchmarks.understanding import (  # noqa: E402
    NUMBER, TAGGED, UNITS, Expected, Family, Item, NumberSpec, Outcome, Values, Wording, arguments,
    answer_problems, grouped, identity_problems, param, answer_sentence, fill, formulas_in,
    leads_with, load_families, numbers_in, says_not_answered, stated_answer, tally,
)
from stages.pipeline import without_check_notes  # noqa: E402
from stages.reply import Reply, Status  # noqa: E402

DATA = Path(__file__).with_name("chem_coverage")
QUESTIONS = DATA / "questions.yaml"
ENTITIES = DATA / "entities.yaml"

Verdict = Literal["yes", "no"]
VerdictKind = Literal["flammable", "carcinogen", "chiral", "lipinski"]
FLAMMABLE_BELOW_C = 60.0  # GHS: a flammable liquid flashes at or below 60 °C

# ---------------------------------------------------------------------------------------------- the set


class Compound(BaseModel):
    """An everyday name with what its questions need (entities.yaml)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    cas: str | None = None
    smiles: str
    formula: str
    aliases: list[str] = Field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [self.name, self.formula, *self.aliases]


class Term(BaseModel):
    formula: str
    coefficient: int = Field(ge=1)


class Balanced(BaseModel):
    """A balanced equation's key: each species with its smallest whole-number coefficient."""

    reactants: list[Term]
    products: list[Term]

    @classmethod
    def parse(cls, key: str) -> Balanced:
        left, right = key.split("->")
        return cls(reactants=_terms(left), products=_terms(right))

    @property
    def coefficients(self) -> list[int]:
        return [t.coefficient for t in (*self.reactants, *self.products)]

    def unbalanced(self, arrow: str, tight: bool = False) -> str:
        """The species without coefficients, as a question writes them."""
        plus, arrow = ("+", arrow) if tight else (" + ", f" {arrow} ")
        return plus.join(t.formula for t in self.reactants) + arrow + plus.join(t.formula for t in self.products)


def _terms(side: str) -> list[Term]:
    terms = []
    for raw in side.split("+"):
        found = re.fullmatch(r"\s*(?:(\d+)\s+)?(\S+)\s*", raw)
        if found is None:
            raise ValueError(f"cannot read the term {raw!r} of a balanced-equation key")
        terms.append(Term(formula=found.group(2), coefficient=int(found.group(1) or 1)))
    return terms


class CoverageExpected(Expected):
    """What a right reply shows, beyond the wording benchmark's answer forms."""

    verdict: Verdict | None = None
    verdict_kind: VerdictKind | None = None
    iarc_group: str | None = Field(None, description="the IARC group the reply must name (1, 2A, 2B, 3)")
    equation: Balanced | None = None
    given_formulas: list[str] = Field(default_factory=list, description="formulas the question gives, not answers")
    computable: bool = Field(True, description="the tools can compute it: a wrong value is a contradiction")


class CoverageItem(Item):
    expected: CoverageExpected
    from_tables: bool = False


class CoverageOutcome(Outcome):
    contradiction: bool = False
    from_tables: bool = False


Built = tuple[str, Values, CoverageExpected]
Builder = Callable[[Wording, Family, Any], list[Built]]


@lru_cache(maxsize=1)
def load_entities(path: Path = ENTITIES) -> dict[str, Any]:
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=None)
def compound(name: str) -> Compound:
    known = load_entities()["compounds"]
    if name not in known:
        raise ValueError(f"{name!r} is not among the compounds of entities.yaml")
    return Compound(name=name, **known[name])


def _values(c: Compound) -> Values:
    return {"name": c.name, "formula": c.formula, "smiles": c.smiles}


def _from_tables(family: Family) -> bool:
    return bool(family.params.get("from_tables"))


# ---------------------------------------------------------------------------------------------- the tables


def _table(what: str, c: Compound, value: Any) -> Any:
    if value is None:
        raise ValueError(f"the chemicals tables have no {what} for {c.name} ({c.cas})")
    return value


def _cas(c: Compound) -> str:
    if c.cas is None:
        raise ValueError(f"{c.name} has no CAS number in entities.yaml")
    return c.cas


def flash_point_c(c: Compound) -> float | None:
    from chemicals.safety import T_flash

    kelvin = T_flash(_cas(c))
    return None if kelvin is None else kelvin - 273.15


def autoignition_c(c: Compound) -> float:
    from chemicals.safety import T_autoignition

    return _table("autoignition temperature", c, T_autoignition(_cas(c))) - 273.15


def lower_limit_percent(c: Compound) -> float:
    from chemicals.safety import LFL

    return 100 * _table("lower flammability limit", c, LFL(CASRN=_cas(c)))


def exposure_limit(c: Compound) -> tuple[float, str]:
    """The 8-hour TWA and its unit as the table gives it (ppm or mg/m3)."""
    from chemicals.safety import TWA

    value, unit = _table("TWA exposure limit", c, TWA(_cas(c)))
    return float(value), {"ppm": "ppm", "mg/m^3": "mg/m3"}[unit]


def iarc_group(c: Compound) -> str | None:
    """The IARC group of the carcinogen table ("1", "2A", "2B", "3"), None when IARC does not list it."""
    from chemicals.safety import Carcinogen

    entry = (Carcinogen(_cas(c)) or {}).get("International Agency for Research on Cancer", "")
    found = re.search(r"\((1|2A|2B|3|4)\)\s*$", entry)
    return found.group(1) if found else None


def dipole_debye(c: Compound) -> float:
    from chemicals.dipole import dipole_moment

    return float(_table("dipole moment", c, dipole_moment(_cas(c))))


def formation_enthalpy_kj(c: Compound) -> float:
    from chemicals.reaction import Hfg

    return _table("gas enthalpy of formation", c, Hfg(_cas(c))) / 1000


def counts_of(formula: str) -> dict[str, int]:
    from chemicals.elements import nested_formula_parser

    return dict(nested_formula_parser(formula))


def molar_mass(formula: str) -> float:
    from chemicals.elements import molecular_weight

    return float(molecular_weight(counts_of(formula)))


def mass_percent_of(formula: str, element: str) -> float:
    from chemicals.elements import molecular_weight

    counts = counts_of(formula)
    return 100 * float(molecular_weight({element: counts[element]})) / molar_mass(formula)


def oxygen_for_combustion(formula: str) -> float:
    """Moles of O2 that burn one mole of CxHyOz completely to CO2 and H2O."""
    counts = counts_of(formula)
    if set(counts) - {"C", "H", "O"}:
        raise ValueError(f"{formula} is not a CxHyOz fuel")
    return counts.get("C", 0) + counts.get("H", 0) / 4 - counts.get("O", 0) / 2


def element_name(symbol: str) -> str:
    from chemicals.elements import periodic_table

    return str(periodic_table[symbol].name).lower()


# ---------------------------------------------------------------------------------------------- structure


def _mol(c: Compound) -> Any:
    from rdkit import Chem

    mol = Chem.MolFromSmiles(c.smiles)
    if mol is None:
        raise ValueError(f"the SMILES of {c.name} does not parse")
    return mol


def atoms_of(c: Compound, element: str) -> int:
    from rdkit import Chem

    return sum(a.GetSymbol() == element for a in Chem.AddHs(_mol(c)).GetAtoms())


def rings_of(c: Compound, aromatic: bool) -> int:
    from rdkit.Chem import rdMolDescriptors

    mol = _mol(c)
    return int(rdMolDescriptors.CalcNumAromaticRings(mol) if aromatic else rdMolDescriptors.CalcNumRings(mol))


def stereocentres_of(c: Compound) -> int:
    from rdkit import Chem

    return len(Chem.FindMolChiralCenters(_mol(c), includeUnassigned=True, useLegacyImplementation=False))


# ---------------------------------------------------------------------------------------------- items

_TEMPERATURE_TOL = {"C": 2.0, "K": 2.0, "F": 4.0}


def _number(value: float, tol: float, unit: str | None, wording: Wording, family: Family) -> list[NumberSpec]:
    """One number in the wording's unit, or bare where the wording asks for one number without a unit."""
    bare = bool(param(wording, family, "bare_number"))
    return [NumberSpec(value=value, tol=tol, unit=None if bare else unit)]


def _temperatures(celsius: float, wording: Wording, family: Family) -> list[NumberSpec]:
    """The asked unit's value; with none asked, the value in °C, °F or K (a temperature needs its unit)."""
    unit = param(wording, family, "unit")
    values = {"C": celsius, "F": celsius * 9 / 5 + 32, "K": celsius + 273.15}
    if unit is not None:
        return _number(values[unit], _TEMPERATURE_TOL[unit], unit, wording, family)
    return [NumberSpec(value=values[u], tol=_TEMPERATURE_TOL[u], unit=u) for u in ("C", "F", "K")]


def build_flash_point(wording: Wording, family: Family, names: list[str]) -> list[Built]:
    out = []
    for name in names:
        c = compound(name)
        celsius = _table("flash point", c, flash_point_c(c))
        out.append((name, _values(c), CoverageExpected(numbers=_temperatures(celsius, wording, family))))
    return out


def flammable_verdict(c: Compound) -> tuple[Verdict, bool]:
    """Yes or no, and whether the tables decide it: the hand keys cover gases and what has no flash point."""
    entities = load_entities()
    if c.name in entities["not_flammable"]:
        return "no", False
    if c.name in entities["flammable_gases"]:
        return "yes", False
    celsius = _table("flash point", c, flash_point_c(c))
    return ("yes" if celsius <= FLAMMABLE_BELOW_C else "no"), True


def build_flammable(wording: Wording, family: Family, names: list[str]) -> list[Built]:
    out = []
    for name in names:
        c = compound(name)
        verdict, computable = flammable_verdict(c)
        expected = CoverageExpected(verdict=verdict, verdict_kind="flammable", computable=computable)
        out.append((name, _values(c), expected))
    return out


def build_autoignition(wording: Wording, family: Family, names: list[str]) -> list[Built]:
    return [(name, _values(c), CoverageExpected(numbers=_temperatures(autoignition_c(c), wording, family)))
            for name in names for c in [compound(name)]]


def build_flammability_limits(wording: Wording, family: Family, names: list[str]) -> list[Built]:
    unit = param(wording, family, "unit")
    return [(name, _values(c), CoverageExpected(numbers=_number(lower_limit_percent(c), 0.1, unit, wording, family)))
            for name in names for c in [compound(name)]]


def build_exposure_limit(wording: Wording, family: Family, names: list[str]) -> list[Built]:
    out = []
    for name in names:
        c = compound(name)
        value, unit = exposure_limit(c)
        out.append((name, _values(c), CoverageExpected(numbers=_number(value, 0.01 * value, unit, wording, family))))
    return out


def build_carcinogen(wording: Wording, family: Family, names: list[str]) -> list[Built]:
    out = []
    for name in names:
        c = compound(name)
        group = _table("IARC group", c, iarc_group(c))
        verdict: Verdict = "no" if group in ("3", "4") else "yes"
        expected = CoverageExpected(verdict=verdict, verdict_kind="carcinogen", iarc_group=group)
        out.append((name, _values(c), expected))
    return out


def build_dipole_moment(wording: Wording, family: Family, names: list[str]) -> list[Built]:
    unit = param(wording, family, "unit")
    return [(name, _values(c), CoverageExpected(numbers=_number(dipole_debye(c), 0.05, unit, wording, family)))
            for name in names for c in [compound(name)]]


_LESS_POLAR = r"\b(?:less|lower|smaller|weaker|non-?polar)\b"  # "hexane is less polar than acetone"


def build_polarity_compare(wording: Wording, family: Family, pairs: list[list[str]]) -> list[Built]:
    out = []
    for a_name, b_name in pairs:
        a, b = compound(a_name), compound(b_name)
        winner, loser = (a, b) if dipole_debye(a) > dipole_debye(b) else (b, a)
        expected = CoverageExpected(leads=winner.names, rivals=loser.names, turned=_LESS_POLAR)
        out.append((f"{a_name} vs {b_name}", {"a": a_name, "b": b_name}, expected))
    return out


def build_enthalpy_formation(wording: Wording, family: Family, names: list[str]) -> list[Built]:
    unit = param(wording, family, "unit")
    out = []
    for name in names:
        c = compound(name)
        value = formation_enthalpy_kj(c)
        numbers = _number(value, max(0.01 * abs(value), 0.5), unit, wording, family)
        out.append((name, _values(c), CoverageExpected(numbers=numbers)))
    return out


def build_grams_moles(wording: Wording, family: Family, problems: list[dict[str, Any]]) -> list[Built]:
    out = []
    for problem in problems:
        c, kind, amount = compound(problem["name"]), problem["kind"], problem["amount"]
        mass = molar_mass(c.formula)
        value, unit = (amount * mass, "g") if kind == "moles_to_grams" else (amount / mass, "mol")
        values = _values(c) | {"kind": kind, "amount": amount, "chat_formula": c.formula.lower()}
        numbers = _number(value, 0.005 * value, unit, wording, family)
        out.append((f"{amount} {'mol' if kind == 'moles_to_grams' else 'g'} {c.name}", values,
                    CoverageExpected(numbers=numbers)))
    return out


def build_mass_percent(wording: Wording, family: Family, problems: list[dict[str, str]]) -> list[Built]:
    unit = param(wording, family, "unit")
    out = []
    for problem in problems:
        c, element = compound(problem["name"]), problem["element"]
        values = _values(c) | {"element": element, "element_name": element_name(element)}
        numbers = _number(mass_percent_of(c.formula, element), 0.2, unit, wording, family)
        out.append((f"{element} in {c.name}", values, CoverageExpected(numbers=numbers)))
    return out


def composition(formula: str) -> str:
    """Mass percentages to one decimal, as exercises give them: "85.6% C and 14.4% H"."""
    parts = [f"{mass_percent_of(formula, e):.1f}% {e}" for e in counts_of(formula)]
    return ", ".join(parts[:-1]) + f" and {parts[-1]}"


def build_empirical_formula(wording: Wording, family: Family, problems: list[dict[str, str]]) -> list[Built]:
    out = []
    for problem in problems:
        c = compound(problem["name"])
        values = _values(c) | {"kind": problem["kind"], "composition": composition(c.formula)}
        expected = CoverageExpected(formula=problem["empirical"], given_formulas=[c.formula])
        out.append((f"{problem['kind']} {c.name}", values, expected))
    return out


def build_balance_equation(wording: Wording, family: Family, keys: list[str]) -> list[Built]:
    arrow = param(wording, family, "arrow", "->")
    out = []
    for key in keys:
        balanced = Balanced.parse(key)
        values = {"equation": balanced.unbalanced(arrow), "equation_tight": balanced.unbalanced(arrow, tight=True)}
        out.append((balanced.unbalanced("->"), values, CoverageExpected(equation=balanced)))
    return out


def build_combustion_oxygen(wording: Wording, family: Family, names: list[str]) -> list[Built]:
    return [(name, _values(c), CoverageExpected(numbers=_number(oxygen_for_combustion(c.formula), 0.01, "O2",
                                                                wording, family)))
            for name in names for c in [compound(name)]]


def build_oxidation_state(wording: Wording, family: Family, keys: list[dict[str, Any]]) -> list[Built]:
    out = []
    for key in keys:
        values = {k: key[k] for k in ("element", "element_name", "formula", "name")}
        expected = CoverageExpected(numbers=[NumberSpec(value=key["state"], tol=0.1)])
        out.append((f"{key['element']} in {key['formula']}", values, expected))
    return out


_R_L_ATM = 0.082057366  # L atm / (mol K)


def build_ideal_gas(wording: Wording, family: Family, problems: list[dict[str, Any]]) -> list[Built]:
    """PV = nRT solved for the quantity each problem leaves out, ±1% (the questions' figures carry about
    three digits, and some state R = 0.0821)."""
    out = []
    for problem in problems:
        kind = problem["kind"]
        values = {k: problem[k] for k in ("gas", "formula", "n", "v", "p", "t") if k in problem} | {"kind": kind}
        if "t" in problem:
            values["t_k"] = round(problem["t"] + 273.15, 2)
        kelvin = problem.get("t", 0) + 273.15
        if kind == "pressure":
            numbers = _number(problem["n"] * _R_L_ATM * kelvin / problem["v"], 0.01 * problem["n"] * _R_L_ATM * kelvin / problem["v"],
                              "atm", wording, family)
        elif kind == "volume":
            litres = problem["n"] * _R_L_ATM * kelvin / problem["p"]
            numbers = _number(litres, 0.01 * litres, "L", wording, family)
        elif kind == "moles":
            moles = problem["p"] * problem["v"] / (_R_L_ATM * kelvin)
            numbers = _number(moles, 0.01 * moles, "mol", wording, family)
        else:
            found_k = problem["p"] * problem["v"] / (problem["n"] * _R_L_ATM)
            numbers = (_number(found_k, 0.01 * found_k, "K", wording, family) if param(wording, family, "bare_number")
                       else [NumberSpec(value=found_k, tol=0.01 * found_k, unit="K"),
                             NumberSpec(value=found_k - 273.15, tol=0.01 * found_k, unit="C")])
        out.append((f"{kind} of {problem['gas']}", values, CoverageExpected(numbers=numbers)))
    return out


def build_ph(wording: Wording, family: Family, problems: list[dict[str, Any]]) -> list[Built]:
    """pH of a strong acid or base from its concentration, ±0.02 (water's own ions are negligible here)."""
    out = []
    for problem in problems:
        ion = -math.log10(problem["c"] * problem["ions"])
        value = 14 - ion if problem["base"] else ion
        values = {k: problem[k] for k in ("name", "formula", "c")}
        out.append((f"{problem['c']} M {problem['name']}", values, CoverageExpected(numbers=[NumberSpec(value=value, tol=0.02)])))
    return out


def build_solution(wording: Wording, family: Family, problems: list[dict[str, Any]]) -> list[Built]:
    """Molarity = moles / litres and c1·V1 = c2·V2, ±1%; a volume is right in mL or in L."""
    out = []
    for problem in problems:
        kind = problem["kind"]
        values = dict(problem)
        values |= {f"{k[:-3]}_l": round(problem[k] / 1000, 4) for k in ("v_ml", "v1_ml", "v2_ml") if k in problem}
        if kind == "molarity":
            molar = problem["mass"] / molar_mass(problem["formula"]) / (problem["v_ml"] / 1000)
            numbers = _number(molar, 0.01 * molar, "M", wording, family)
        elif kind == "mass_needed":
            grams = problem["c"] * problem["v_ml"] / 1000 * molar_mass(problem["formula"])
            numbers = _number(grams, 0.01 * grams, "g", wording, family)
        elif kind == "dilution_volume":
            millilitres = problem["c2"] * problem["v2_ml"] / problem["c1"]
            numbers = (_number(millilitres, 0.01 * millilitres, "mL", wording, family)
                       + [NumberSpec(value=millilitres / 1000, tol=0.01 * millilitres / 1000, unit="L")])
        else:
            molar = problem["c1"] * problem["v1_ml"] / problem["v2_ml"]
            numbers = _number(molar, 0.01 * molar, "M", wording, family)
        out.append((f"{kind} of {problem['name']}", values, CoverageExpected(numbers=numbers)))
    return out


def _count(value: int, unit: str, wording: Wording, family: Family) -> list[NumberSpec]:
    """A count, read where its noun follows it ("8 stereocentres") or where it stands alone."""
    return _number(value, 0.1, unit, wording, family)


def build_atom_count(wording: Wording, family: Family, problems: list[dict[str, str]]) -> list[Built]:
    out = []
    for problem in problems:
        c, element = compound(problem["name"]), problem["element"]
        name = element_name(element)
        values = _values(c) | {"element": element, "element_name": name, "element_title": name.title()}
        numbers = _count(atoms_of(c, element), f"atoms of {element}", wording, family)
        out.append((f"{element} in {c.name}", values, CoverageExpected(numbers=numbers)))
    return out


def build_ring_count(wording: Wording, family: Family, names: list[str]) -> list[Built]:
    aromatic = param(wording, family, "rings") == "aromatic"
    unit = "aromatic rings" if aromatic else "rings"
    return [(name, _values(c), CoverageExpected(numbers=_count(rings_of(c, aromatic), unit, wording, family)))
            for name in names for c in [compound(name)]]


def build_stereocentres(wording: Wording, family: Family, names: list[str]) -> list[Built]:
    return [(name, _values(c), CoverageExpected(numbers=_count(stereocentres_of(c), "stereocentres", wording, family)))
            for name in names for c in [compound(name)]]


def build_stereoisomers(wording: Wording, family: Family, keys: dict[str, int]) -> list[Built]:
    return [(name, _values(compound(name)), CoverageExpected(numbers=_count(count, "stereoisomers", wording, family)))
            for name, count in keys.items()]


def _verdicts(family: Family, keys: dict[str, Verdict]) -> list[Built]:
    kind = family.params["verdict"]
    return [(name, _values(compound(name)), CoverageExpected(verdict=verdict, verdict_kind=kind))
            for name, verdict in keys.items()]


def build_chiral(wording: Wording, family: Family, keys: dict[str, Verdict]) -> list[Built]:
    return _verdicts(family, keys)


def build_lipinski(wording: Wording, family: Family, keys: dict[str, Verdict]) -> list[Built]:
    return _verdicts(family, keys)


BUILDERS: dict[str, Builder] = {
    "flash_point": build_flash_point, "flammable": build_flammable, "autoignition": build_autoignition,
    "flammability_limits": build_flammability_limits, "exposure_limit": build_exposure_limit,
    "carcinogen": build_carcinogen, "dipole_moment": build_dipole_moment, "polarity_compare": build_polarity_compare,
    "enthalpy_formation": build_enthalpy_formation, "grams_moles": build_grams_moles,
    "mass_percent": build_mass_percent, "empirical_formula": build_empirical_formula,
    "balance_equation": build_balance_equation, "combustion_oxygen": build_combustion_oxygen,
    "oxidation_state": build_oxidation_state, "atom_count": build_atom_count, "ring_count": build_ring_count,
    "stereocentres": build_stereocentres, "stereoisomers": build_stereoisomers, "chiral": build_chiral,
    "lipinski": build_lipinski, "ideal_gas": build_ideal_gas, "ph": build_ph, "solution": build_solution,
}


def family_items(family: Family, entities: dict[str, Any]) -> Iterator[CoverageItem]:
    builder = BUILDERS[family.id]
    for wording in family.wordings:
        for index, (label, values, expected) in enumerate(builder(wording, family, entities[family.entities]), start=1):
            question = fill(wording.template(values.get("kind")), values)
            yield CoverageItem(id=f"{family.id}/{wording.id}/{index}", family=family.id, wording=wording.id,
                               split=wording.split, assistant=family.assistant, source=wording.source_label,
                               chat=wording.chat, entity=label, question=question, expected=expected,
                               from_tables=_from_tables(family))


def build_items(families: list[Family] | None = None) -> list[CoverageItem]:
    """Every item of the set, in file order: the same list on every run."""
    families = families if families is not None else load_families(QUESTIONS)
    entities = load_entities()
    return [item for family in families for item in family_items(family, entities)]


# ---------------------------------------------------------------------------------------------- reading numbers

_MORE_UNITS = {
    "%": r"(?:%|vol(?:ume)?\.?\s*%|percent\b|per\s?cent\b)",
    "D": r"(?:D\b|debyes?\b)",
    "kJ/mol": (r"(?:kJ\s*(?:/\s*mol\b|·?\s*mol\s*(?:⁻¹|\^\s*\{?-1\}?|-1))|kJ\s+per\s+mole?\b|"
               r"kilojoules?\s+per\s+mole?\b)"),
    "ppm": r"(?:ppm\b|parts per million\b)",
    "mg/m3": r"(?:mg\s*/\s*m(?:3|³|\^3))",
    "L": r"(?:L\b|lit(?:re|er)s?\b|dm\s*\^?\s*3|dm³)",
    "mL": r"(?:mL\b|ml\b|millilit(?:re|er)s?\b|cm\s*\^?\s*3|cm³)",
    "M": r"(?:M\b|mol\s*/\s*L\b|mol\s*L\s*[-−⁻]\s*1|mol\s*dm\s*[-−⁻]\s*3|molar\b)",
}
_COUNT_UNITS = {  # what a count counts: "3 stereoisomers", "8 chiral centres", "2 rings (2 aromatic)"
    "stereoisomers": r"(?:(?:possible|distinct|different|optical)\s+)?(?:stereo-?)?isomers?\b",
    "stereocentres": r"(?:stereo-?(?:cent(?:er|re)s?|genic\s+cent(?:er|re)s?)|(?:chiral|asymmetric)\s+"
                     r"(?:cent(?:er|re)s?|carbons?|atoms?))\b",
    "rings": r"rings?\b",
    "aromatic rings": r"aromatic(?:\s+rings?)?\b",
    "O2": r"(?:mol(?:es)?\s+(?:of\s+)?)?(?:O2|O₂|oxygen|dioxygen)\b",
}
_LONE_NUMBER = re.compile(rf"^\W*(?:answer\s*[:：]\s*)?({NUMBER.pattern})\W*$", re.IGNORECASE | re.MULTILINE)
_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
          "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]
_NUMBER_WORD = re.compile(rf"\b({'|'.join(_WORDS)})\b(?!\s+(?:of|another|by|more)\b)", re.IGNORECASE)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_LOCANTS = re.compile(r"(?<![\w.,])\d+(?:,\d+)*(?=-[A-Za-z(\[])|(?<=-)\d+(?:,\d+)*(?=-[A-Za-z])|\b\d+[RSEZ]\b")


def readable(text: str) -> str:
    """Numbers as numbers: thousands separators and name locants ("2,3-dibromobutane", "(2R,3S)") out, small
    number words ("eight stereocentres") in digits."""
    text = _LOCANTS.sub(" ", _THOUSANDS.sub("", text))
    return _NUMBER_WORD.sub(lambda m: str(_WORDS.index(m.group(1).lower())), text)


def _unit_pattern(unit: str) -> str:
    if unit in UNITS:
        return UNITS[unit]
    if unit in _MORE_UNITS:
        return _MORE_UNITS[unit]
    if unit in _COUNT_UNITS:
        return _COUNT_UNITS[unit]
    symbol = unit.removeprefix("atoms of ")
    return rf"(?:(?i:{element_name(symbol)})s?|{symbol})\b(?:\s+atoms?)?"


def numbers_with(text: str, unit: str | None) -> list[float]:
    """Numbers in the text; with a unit, those the unit follows and the first of a range it ends ("1.2-8.6 %").
    A count ("8 stereocentres") is also read from a line that is only the number ("Answer: 8")."""
    if unit is None:
        return numbers_in(text, None)
    pattern = _unit_pattern(unit)
    if unit in UNITS:
        found = numbers_in(text, unit)
    else:
        found = [_float(m.group(1)) for m in re.finditer(rf"({NUMBER.pattern})\s*{pattern}", text)]
    ranges = rf"({NUMBER.pattern})\s*(?:{pattern})?\s*(?:–|—|-|to|and)\s*(?={NUMBER.pattern}\s*{pattern})"
    found += [_float(m.group(1)) for m in re.finditer(ranges, text)]
    if unit in _COUNT_UNITS or unit.startswith("atoms of "):
        found += [_float(m.group(1)) for m in _LONE_NUMBER.finditer(text)]
    return found


def _float(text: str) -> float:
    return float(text.replace("−", "-"))


def _within(numbers: list[NumberSpec], text: str, given: tuple[float, ...] = ()) -> tuple[bool, bool]:
    """Whether the text gives a number in a spec's unit (other than one of the question's `given`), and
    whether one is within its tolerance."""
    text = readable(text)
    found = [(n, spec) for spec in numbers for n in numbers_with(text, spec.unit)]
    return any(n not in given for n, _ in found), any(abs(n - spec.value) <= spec.tol for n, spec in found)


# ---------------------------------------------------------------------------------------------- reading yes and no

_SAID = re.compile(r"^\W*(yes|no|true|false)\b(?=\s*(?:[,.;:!)—–-]|$))", re.IGNORECASE)
_PREDICTION = re.compile(r"\b(?:prediction|answer)\s*[:=]\s*\**\s*(yes|no|true|false)\b", re.IGNORECASE)
_VERDICT_WORDS: dict[str, list[tuple[str, Verdict]]] = {  # in order: the first pattern that matches says
    "flammable": [
        ((r"\bnon-?flammable\b|\bnot\s+(?:\w+\s+){0,2}(?:in)?flammable\b|\bisn'?t\s+(?:\w+\s+)?(?:in)?flammable\b|"
          r"\b(?:does not|doesn't|will not|won't|cannot|can't|do not|don't)\s+(?:burn|catch fire|ignite)\b|"
          r"\bnon-?combustible\b|\bincombustible\b|\bnot\s+combustible\b"), "no"),
        (r"\b(?:in)?flammable\b|\bcombustible\b|\b(?:burns|ignites|catches fire|will burn)\b", "yes"),
    ],
    "carcinogen": [
        ((r"\bnot\s+(?:\w+\s+){0,3}carcinogen(?:ic)?\b|\bnon-?carcinogen(?:ic)?\b|\bnot\s+classifiable\b|"
          r"\bisn'?t\s+(?:\w+\s+){0,2}carcinogen(?:ic)?\b|"
          r"\b(?:does not|doesn't|not known to)\s+cause\s+cancer\b"), "no"),
        (r"\bcarcinogen(?:ic)?\b|\bcauses?\s+cancer\b|\bcancer-causing\b", "yes"),
    ],
    "chiral": [
        ((r"\bachiral\b|\bnot\s+(?:\w+\s+)?chiral\b|\bisn'?t\s+chiral\b|\boptically\s+inactive\b|"
          r"\bno\s+(?:chiral|stereogenic|asymmetric)\s+(?:cent(?:er|re)s?|carbons?|atoms?)\b"), "no"),
        (r"\bchiral\b|\boptically\s+active\b|\bnon-?superimposable\b", "yes"),
    ],
    "lipinski": [
        (r"\b(?:no|zero|0)\s+(?:lipinski\s+)?violations?\b|\bviolates\s+(?:no|none|zero|only\s+one|one)\b", "yes"),
        ((r"\b(?:fails?|violates?|breaks?|non-?compliant)\b|\b(?:does\s+not|doesn'?t)\s+(?:pass|obey|satisfy|meet|"
          r"comply|follow|fulfil)|\bnot\s+(?:drug-?like|compliant|orally)"), "no"),
        ((r"\b(?:pass(?:es)?|obeys?|satisf(?:y|ies)|meets?|compl(?:y|ies)|follows?|fulfils?|fulfills?|drug-?like|"
          r"compliant)\b"), "yes"),
    ],
}


def verdict_of(text: str, kind: VerdictKind) -> Verdict | None:
    """The yes/no a reply gives: a tagged or labelled yes/no/true/false, the word its answer sentence (or first
    line) starts with ("Yes, ..." but not "No molecule was identified"), else what that sentence says ("is not
    flammable")."""
    for tagged in TAGGED.findall(text):
        said = _SAID.match(tagged.strip())
        if said:
            return _yes_no(said.group(1))
    labelled = _PREDICTION.search(text)
    if labelled:
        return _yes_no(labelled.group(1))
    lead = answer_sentence(text)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    for sentence in (lead, first_line):  # "Yes: ..." alone on a line reads as a labelled fact there
        said = _SAID.match(sentence)
        if said:
            return _yes_no(said.group(1))
    for pattern, verdict in _VERDICT_WORDS[kind]:
        if re.search(pattern, lead, re.IGNORECASE):
            return verdict
    return None


def _yes_no(word: str) -> Verdict:
    return "yes" if word.lower() in ("yes", "true") else "no"


def names_group(text: str, group: str) -> bool:
    """Whether the text names the IARC group: "Group 2B", "IARC 2B", "(2B)"."""
    return re.search(rf"(?:\bgroup\s*|\biarc\W{{0,3}}(?:group\s*)?|\(){re.escape(group)}(?![\w])", text,
                     re.IGNORECASE) is not None


# ---------------------------------------------------------------------------------------------- reading equations

_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_LATEX = re.compile(r"\\(?:ce|mathrm|text|rm)\s*\{|[{}$_]")
_ARROW = re.compile(r"\s*(?:<?-{1,2}>|→|⟶|⇌|⇒|⟹|<=>|=>|\\(?:long)?rightarrow|\\to\b|(?<![<>=!])=(?![=>]))\s*")
_TERM = r"(?:\d+\s*)?(?:\(?[A-Z][a-z]?\d*\)?\d*)+(?:\s*\((?:g|l|s|aq)\))?"
_SIDE = rf"{_TERM}(?:\s*\+\s*{_TERM})*"
_EQUATION = re.compile(rf"(?<![\w)])({_SIDE}) -> ({_SIDE})(?![a-z])")
_TERM_PARTS = re.compile(r"(\d+)?\s*((?:\(?[A-Z][a-z]?\d*\)?\d*)+)")
_ARRAY = re.compile(r"\[\s*(\d+(?:\s*,\s*\d+)+)\s*\]")

Side = list[tuple[tuple[tuple[str, int], ...], int]]


def _side(text: str) -> Side | None:
    from assistants.chem.formulas import formula_counts

    terms = []
    for part in re.split(r"\s*\+\s*", text.strip()):
        found = _TERM_PARTS.match(part)
        counts = formula_counts(found.group(2)) if found else None
        if not found or not counts:
            return None
        terms.append((tuple(sorted(counts.items())), int(found.group(1) or 1)))
    return sorted(terms)


def equations_in(text: str) -> list[tuple[Side, Side]]:
    """Every chemical equation of the text, each side as (species, coefficient) pairs in a fixed order, so that
    "2H2O + CO2" reads as "CO2 + 2 H2O"; subscripts, LaTeX (\\ce{...}) and arrows (→, =, ⟶) as people write them."""
    plain = _ARROW.sub(" -> ", _LATEX.sub("", text.translate(_SUBSCRIPTS)))
    found = []
    for match in _EQUATION.finditer(plain):
        left, right = _side(match.group(1)), _side(match.group(2))
        if left and right:
            found.append((left, right))
    return found


def _key_sides(balanced: Balanced) -> tuple[Side, Side]:
    left = _side(" + ".join(f"{t.coefficient} {t.formula}" for t in balanced.reactants))
    right = _side(" + ".join(f"{t.coefficient} {t.formula}" for t in balanced.products))
    assert left is not None and right is not None, "a balanced-equation key does not parse"
    return left, right


def _species(side: Side) -> list[tuple[tuple[str, int], ...]]:
    return [species for species, _ in side]


def equation_reading(balanced: Balanced, text: str) -> tuple[bool, bool]:
    """Whether the text writes the equation's species (with any coefficients, or a coefficient list of its
    length), and whether it writes them with the key's coefficients."""
    key = _key_sides(balanced)
    same_species = [e for e in equations_in(text)
                    if (_species(e[0]), _species(e[1])) == (_species(key[0]), _species(key[1]))]
    arrays = [[int(n) for n in m.group(1).split(",")] for m in _ARRAY.finditer(text)]
    arrays = [a for a in arrays if len(a) == len(balanced.coefficients)]
    right = key in same_species or balanced.coefficients in arrays
    return bool(same_species or arrays), right


# ---------------------------------------------------------------------------------------------- scoring


def _formulas(text: str, given: list[str]) -> list[dict[str, int]]:
    """Formulas of the text that could be an answer: two atoms or more, and not one the question gave."""
    from assistants.chem.formulas import formula_counts

    skip = [formula_counts(g) for g in given]
    return [f for f in formulas_in(text) if sum(f.values()) >= 2 and f not in skip]


def missing(expected: CoverageExpected, text: str, status: Status) -> list[str]:
    """What a reply lacks of the expected answer, in words; empty when it is right. Numbers, formulas and
    equations count only where the reply states its answer (`stated_answer`), as in the wording benchmark."""
    stated = stated_answer(text)
    problems = []
    if expected.numbers and not _within(expected.numbers, stated)[1]:
        wanted = (f"{s.value:.4g}{' ' + s.unit if s.unit else ''} (±{s.tol:.2g})" for s in expected.numbers)
        problems.append("no " + " or ".join(wanted))
    if expected.formula is not None:
        problems += identity_problems(expected, stated)
    if expected.equation is not None and not equation_reading(expected.equation, stated)[1]:
        problems.append(f"no {' '.join(str(c) for c in expected.equation.coefficients)} coefficients")
    if expected.verdict is not None and expected.verdict_kind is not None:
        said = verdict_of(text, expected.verdict_kind)
        problems += [] if said == expected.verdict else [f"said {said or 'neither'}, not {expected.verdict}"]
    if expected.iarc_group is not None and not names_group(text, expected.iarc_group):
        problems.append(f"no IARC group {expected.iarc_group}")
    return problems + answer_problems(expected, text)


def contradicts(expected: CoverageExpected, text: str, question: str = "") -> bool:
    """Whether the reply states a wrong value: a number in the asked unit in its answer sentence (or tagged
    answer) with none within tolerance (a figure the question gives, restated, is none), the wrong yes/no,
    the other compound first, the equation's species with other coefficients, or only other formulas."""
    answer = "\n".join([answer_sentence(text), *TAGGED.findall(text)])
    if expected.numbers:
        found, right = _within(expected.numbers, answer, tuple(numbers_with(readable(question), None)))
        if found and not right:
            return True
    if expected.verdict is not None and expected.verdict_kind is not None:
        said = verdict_of(text, expected.verdict_kind)
        if said is not None and said != expected.verdict:
            return True
    if expected.leads:
        turned = expected.model_copy(update={"leads": expected.rivals, "rivals": expected.leads})
        if leads_with(text, turned) and not leads_with(text, expected):
            return True
    if expected.equation is not None:
        written, right = equation_reading(expected.equation, stated_answer(text))
        if written and not right:
            return True
    if expected.formula is not None:
        formulas = _formulas(answer, expected.given_formulas)
        if formulas and counts_of(expected.formula) not in formulas:
            return True
    return False


_NO_VALUE = re.compile(r"\bno\s+(?:\w+\s+){0,3}(?:is\s+|are\s+)?(?:listed|tabulated|recorded|given)\b|"
                       r"\b(?:tables?|data)\s+(?:list|give|have|has)\s+no\b", re.IGNORECASE)


def says_not_given(text: str, status: Status) -> bool:
    """The wording benchmark's reading, and "the tables list no flash point": an honest answer for what the
    tables have no value for."""
    return says_not_answered(text, status) or _NO_VALUE.search(text) is not None


def judge(item: CoverageItem, reply: Reply, seconds: float) -> CoverageOutcome:
    """An item's outcome, from the reply's text (without the notes on a replaced draft) and status."""
    text = without_check_notes(reply.text)
    problems = missing(item.expected, text, reply.status)
    right = not problems
    declined = says_not_given(text, reply.status)
    return CoverageOutcome(
        id=item.id, family=item.family, wording=item.wording, split=item.split, status=reply.status.value,
        right=right, says_not_answered=declined, verified_wrong=reply.status is Status.VERIFIED and not right,
        silent_miss=not right and not declined, missing=problems, seconds=round(seconds, 3),
        question=item.question, text=reply.text,
        contradiction=item.expected.computable and contradicts(item.expected, text, item.question), from_tables=item.from_tables)


# ---------------------------------------------------------------------------------------------- running


class Contradictions(BaseModel):
    family: str
    from_tables: bool
    computable: int
    contradictions: int


def contradiction_tallies(outcomes: list[CoverageOutcome], items: list[CoverageItem]) -> list[Contradictions]:
    computable = {i.id for i in items if i.expected.computable}
    return [Contradictions(family=family, from_tables=group[0].from_tables,
                           computable=sum(o.id in computable for o in group),
                           contradictions=sum(o.contradiction for o in group))
            for family, group in grouped(outcomes, lambda o: o.family).items()]


def print_contradictions(outcomes: list[CoverageOutcome], items: list[CoverageItem], show: int) -> dict[str, Any]:
    rows = contradiction_tallies(outcomes, items)
    print("\n| family | expected from | computable | contradictions |\n|---|---|---|---|")
    for r in rows:
        source = "the assistant's tables" if r.from_tables else "arithmetic, RDKit or hand keys"
        print(f"| {r.family} | {source} | {r.computable} | {r.contradictions} |")
    total = sum(r.contradictions for r in rows)
    computable = {i.id for i in items if i.expected.computable}
    answerable = [o for o in outcomes if o.id in computable]
    right = sum(o.right for o in answerable)
    print(f"\ntool-answerable (the tools can compute the expected answer): {right}/{len(answerable)} right "
          f"({100 * right / max(len(answerable), 1):.1f}%)")
    print(f"contradictions: {total} (target 0): replies stating a wrong value the tools can compute")
    shown = [o for o in outcomes if o.contradiction][:show]
    for o in shown:
        print(f"- {o.id} [{o.status}] missing: {'; '.join(o.missing)}")
        if o.split == "dev":
            print(f"    answer: {answer_sentence(without_check_notes(o.text))[:200]!r}")
    return {"total": total, "families": [r.model_dump(mode="json") for r in rows],
            "tool_answerable": {"n": len(answerable), "right": right}}


def main(argv: list[str] | None = None) -> int:
    args = arguments(__doc__.split("\n\n")[0], "list the first N items not answered right, and of the contradictions "
                                                   "(held-out questions are not printed)").parse_args(argv)

    def more(outcomes: list[CoverageOutcome], chosen: list[CoverageItem]) -> dict[str, Any]:
        return {"contradictions": print_contradictions(outcomes, chosen, args.show_failures),
                "all": tally(outcomes).model_dump(mode="json")}

    return understanding.measure(args, "coverage benchmark", build_items, judge, more)


if __name__ == "__main__":
    raise SystemExit(main())
