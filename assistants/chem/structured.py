"""Structured chem drafts: where the backend constrains its output to a JSON schema (llama.cpp grammars,
OpenAI `json_schema`, vLLM structured outputs), the model fills one field per asked item and molecule
plus a free answer sentence, and the draft text is rendered from the validated fields.

The rendered text has the same labelled lines a free draft is asked for, so it goes through the same
parser, claim checks, coverage check and echo check; a schema only removes parse failures at the source.
"""

from __future__ import annotations

from typing import Any

import json
import re

from pydantic import BaseModel, Field, create_model

from assistants.chem.coverage import wanted
from assistants.chem.facts import ChemFacts
from stages.backends.structured import parse_json_reply
from stages.reply import CheckResult

# A number a sentence states: not a locant ("2-chloroethyl", "1,3-"), not part of a formula or a stereo label.
_NUMBER = re.compile(r"(?<![\w.,\-])-?\d*\.?\d+(?![\w\-]|,\d)")

STRUCTURED_TASKS = ("name_to_smiles", "smiles_to_name", "properties", "describe")
MAX_ANSWER_CHARS = 160  # a sentence: a constrained small model otherwise runs on inside the string
# Asked item → (JSON field, its type, the labelled line it renders as, the unit that line carries).
_ITEMS: dict[str, tuple[str, type, str, str]] = {
    "smiles": ("smiles", str, "SMILES", ""),
    "name": ("iupac_name", str, "Name", ""),
    "formula": ("formula", str, "Formula", ""),
    "inchikey": ("inchikey", str, "InChIKey", ""),
    "inchi": ("inchi", str, "InChI", ""),
    "cas": ("cas_number", str, "CAS", ""),
    "mass": ("molecular_weight_g_per_mol", float, "Molecular weight", " g/mol"),
    "boiling_point": ("boiling_point_celsius", float, "Boiling point", " °C"),
    "melting_point": ("melting_point_celsius", float, "Melting point", " °C"),
    "critical_temperature": ("critical_temperature_celsius", float, "Critical temperature", " °C"),
}


def _items(facts: ChemFacts) -> list[str]:
    asked = [q for q in wanted(facts) if q in _ITEMS]
    return asked or ["formula"]


def filled_fields(text: str, schema: type[BaseModel]) -> BaseModel:
    """The filled schema; raw control characters inside strings (which a grammar lets through) are
    read as text. BackendError naming the problem when the JSON still does not match."""
    try:
        text = json.dumps(json.loads(text, strict=False))
    except json.JSONDecodeError:
        pass  # left as written: the validation error says where it breaks
    return parse_json_reply(text, schema, source="the draft")


def schema_check(error: str) -> CheckResult:
    """A form check: a schema-constrained draft that does not fill its schema never reaches the user."""
    return CheckResult(name="schema_filled", kind="form", passed=not error, message=error,
                       feedback="Answer with the JSON fields asked for, each value on one line." if error else "")


def draft_model(facts: ChemFacts) -> type[BaseModel] | None:
    """The schema a draft for these facts fills; None when the task has none (reactions, general chat)."""
    if facts.task not in STRUCTURED_TASKS or not facts.molecules:
        return None
    fields: dict[str, Any] = {}
    for item in _items(facts):
        key, kind, _label, _unit = _ITEMS[item]
        fields[key] = (kind, Field(description=f"{_label} from the tool facts"))
    molecule = create_model("MoleculeDraft", **fields)
    n = len(facts.molecules)
    return create_model(
        "ChemDraft",
        answer=(str, Field(max_length=MAX_ANSWER_CHARS, description="one sentence that answers the question")),
        molecules=(list[molecule], Field(min_length=n, max_length=n)),  # type: ignore[valid-type]
    )


def schema_instructions(facts: ChemFacts) -> str:
    names = ", ".join(_ITEMS[item][0] for item in _items(facts))
    return ("Answer as JSON: `answer` is one sentence that answers the question; `molecules` has one entry per "
            f"compound, in the order of the tool facts, with {names} copied from them.")


def render(filled: BaseModel, facts: ChemFacts) -> str:
    """The labelled lines of a filled schema, one block per molecule, the answer sentence first."""
    data = filled.model_dump()
    blocks = [f"Answer: {data['answer'].strip()}"]
    for molecule in data["molecules"]:
        lines = []
        for item in _items(facts):
            key, _kind, label, unit = _ITEMS[item]
            value = molecule.get(key)
            if value is not None and str(value).strip():
                lines.append(f"{label}: {value}{unit}")
        blocks.append("\n".join(lines))
    return "\n\n".join(b for b in blocks if b)


def _near(value: float, known: list[float]) -> bool:
    return any(abs(value - k) <= max(0.05, abs(k) * 0.001) for k in known)


def _fact_values(facts: ChemFacts) -> list[float]:
    """The numbers the tools supplied: masses, and property values in K and in °C."""
    values: list[float] = []
    for m in facts.molecules:
        values += [m.average_mass, m.monoisotopic_mass]
        values += [v for p in m.properties for v in ((p.value, p.value - 273.15) if p.unit == "K" else (p.value,))]
    return values + [f.average_mass for f in facts.formulas]


def answer_numbers_check(filled: dict[str, Any], facts: ChemFacts) -> CheckResult:
    """Every number in the answer sentence must be a tool value, one of the filled fields' or the
    question's own: the sentence restates facts, it adds no numbers of its own (".18016" for 180.159)."""
    known = [float(n) for molecule in filled["molecules"] for value in molecule.values() if value is not None
             for n in _NUMBER.findall(str(value))]
    known += _fact_values(facts) + [float(n) for n in _NUMBER.findall(facts.question)]
    stray = [n for n in _NUMBER.findall(filled["answer"]) if not _near(float(n), known)]
    return CheckResult(
        name="answer_numbers", passed=not stray,
        message=f"its answer sentence gives {', '.join(stray)}, which is no tool value" if stray else "",
        feedback="Write the answer sentence with the values from the tool facts only." if stray else "",
        found=stray,
    )
