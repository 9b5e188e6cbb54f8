"""Structured chem drafts: where the backend constrains its output to a JSON schema (llama.cpp grammars,
OpenAI `json_schema`, vLLM structured outputs), the model fills one field per asked item and molecule
plus a free answer sentence, and the draft text is rendered from the validated fields.

The rendered text has the same labelled lines a free draft is asked for, so it goes through the same
parser, claim checks, coverage check and echo check; a schema only removes parse failures at the source.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import json
import re

from pydantic import BaseModel, Field, WithJsonSchema, create_model

from assistants.chem.answer import facts_for_prompt, lead
from assistants.chem.coverage import difference, states_an_asked_value, wanted
from assistants.chem.facts import ChemFacts
from assistants.chem.resolve import MoleculeRecord, label
from assistants.chem.values import TEMPERATURE_KEYS, shown_value
from stages.backends.base import BackendError
from stages.backends.structured import parse_json_reply
from stages.reply import CheckResult

# A number a sentence states: not a locant ("2-chloroethyl", "1,3-"), not part of a formula or a stereo label.
_NUMBER = re.compile(r"(?<![\w.,\-])-?\d*\.?\d+(?![\w\-]|,\d)")

STRUCTURED_TASKS = ("name_to_smiles", "smiles_to_name", "properties", "describe")
MAX_ANSWER_CHARS = 160  # a sentence: a constrained small model otherwise runs on inside the string
# What a string field may hold. A grammar built from these cannot write a brace, a quote or a newline
# inside a value: a small model that "closes" a string with `}` or a blank line is held to closing it
# with `"`, instead of filling the rest of its token budget inside the string ("C9H8O4}, {").
_PLAIN = r'[^{}"\\\n]'
# One sentence: it starts with a letter, a digit or a bracket (not with the debris, "); 2, 3" or "./",
# a small model writes when it wants to leave the string), and a full stop stands between two digits
# (a decimal point) or ends the string, so the model cannot go on to a second sentence.
_SENTENCE_UNIT = r'([^{}"\\\n.]|[0-9][.][0-9])'
# vLLM's default structured-output backend (xgrammar 0.2) aborts on a bounded repetition over 128
# ("per_rule_fsm_hashes ... Check failed", a 500 for the whole request), so the 159 units after the
# first character are written as two repetitions of at most 80: the same language for every backend.
_HALF = (MAX_ANSWER_CHARS - 1) // 2
ANSWER_PATTERN = (rf"^[A-Za-z0-9(\[]{_SENTENCE_UNIT}{{0,{MAX_ANSWER_CHARS - 1 - _HALF}}}"
                  rf"{_SENTENCE_UNIT}{{0,{_HALF}}}[.]?$")
_PATTERNS: dict[str, str] = {
    "smiles": r'^[^ ,{}"\\\n]+$',
    "name": f"^{_PLAIN}+$",
    "formula": r"^[A-Za-z0-9()\[\]+\-]+$",
    "inchikey": r"^[A-Z]{14}-[A-Z]{10}-[A-Z]$",
    "inchi": r'^InChI=[^ {}"\\\n]+$',
    "cas": r"^[0-9]{2,7}-[0-9]{2}-[0-9]$",
}
# A value as the model writes it: a number of bounded length, as a JSON string. A JSON number has no
# bound on its digits under vLLM's grammars (llama.cpp's stops at 16 decimals), and SmolLM2 filled its
# whole draft budget with "1.0000000…" in 7 of 30 property drafts on vLLM. Validated into a float.
Measured = Annotated[float, WithJsonSchema({"type": "string", "pattern": r"^-?[0-9]{1,7}([.][0-9]{1,4})?$"})]
# Asked item → (JSON field, its type, the labelled line it renders as, the unit that line carries).
# Temperatures are in kelvin, the unit the tool facts give first: a model copying "329.22 K (56.07 °C)"
# into a Celsius field wrote 329.22.
_ITEMS: dict[str, tuple[str, type, str, str]] = {
    "smiles": ("smiles", str, "SMILES", ""),
    "name": ("iupac_name", str, "Name", ""),
    "formula": ("formula", str, "Formula", ""),
    "inchikey": ("inchikey", str, "InChIKey", ""),
    "inchi": ("inchi", str, "InChI", ""),
    "cas": ("cas_number", str, "CAS", ""),
    "mass": ("molecular_weight_g_per_mol", Measured, "Molecular weight", " g/mol"),
    "boiling_point": ("boiling_point_kelvin", Measured, "Boiling point", " K"),
    "melting_point": ("melting_point_kelvin", Measured, "Melting point", " K"),
    "critical_temperature": ("critical_temperature_kelvin", Measured, "Critical temperature", " K"),
}


def _items(facts: ChemFacts) -> list[str]:
    asked = [q for q in wanted(facts) if q in _ITEMS]
    return asked or ["formula"]


def filled_fields(text: str, schema: type[BaseModel]) -> BaseModel:
    """The filled schema; whitespace runs inside strings (raw newlines, which a backend without our
    grammar may send) are read as one space. BackendError naming the problem when the JSON still does
    not match."""
    try:
        text = json.dumps(_one_line(json.loads(text, strict=False)))
    except json.JSONDecodeError:
        pass  # left as written: the validation error says where it breaks
    return parse_json_reply(text, schema, source="the draft")


def _one_line(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list):
        return [_one_line(v) for v in value]
    if isinstance(value, dict):
        return {k: _one_line(v) for k, v in value.items()}
    return value


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
        fields[key] = (kind, Field(description=f"{_label} from the tool facts", pattern=_PATTERNS.get(item)))
    molecule = create_model("MoleculeDraft", **fields)
    n = len(facts.molecules)
    labels = facts.request.choices.labels if facts.request is not None else []
    option: dict[str, Any] = {"option": (Literal[tuple(labels)], Field(description="the option chosen"))} if labels else {}  # type: ignore[valid-type]
    return create_model(
        "ChemDraft",
        **option,
        answer=(str, Field(pattern=ANSWER_PATTERN, description="one sentence that answers the question")),
        molecules=(list[molecule], Field(min_length=n, max_length=n)),  # type: ignore[valid-type]
    )


_LINE_LABELS = frozenset({label for _key, _kind, label, _unit in _ITEMS.values()} | {"Monoisotopic mass"})


def schema_facts(facts: ChemFacts) -> str:
    """The facts block for a structured draft: every line but the identifier and value lines the schema
    does not ask for (they cost prompt tokens, and a small model copied the wrong one: a name into
    `formula`, the formula into `iupac_name`). Names stay: the answer sentence names the molecule."""
    dropped = _LINE_LABELS - {_ITEMS[item][2] for item in _items(facts)} - {"Name"}
    kept = "\n".join(line for line in facts_for_prompt(facts).splitlines() if line.partition(":")[0] not in dropped)
    return re.sub(r"\n{3,}", "\n\n", kept).strip()


def draft_tokens(facts: ChemFacts) -> int:
    """Tokens a filled schema needs, with room: the sentence and the JSON around it (60), then 30 per
    field of each molecule. Measured on SmolLM2's tokenizer, right drafts took 34-49 tokens for one
    field of one molecule and 99 for one of two; a draft past this budget is looping ("2, 2, 2, ...")
    and would otherwise run to the profile's whole budget before failing the same checks."""
    return 60 + 30 * len(_items(facts)) * len(facts.molecules)


def schema_instructions(facts: ChemFacts) -> str:
    names = ", ".join(_ITEMS[item][0] for item in _items(facts))
    return ("Answer as JSON: `answer` is one sentence that answers the question; `molecules` has one entry per "
            f"compound, in the order of the tool facts, with {names} copied from them.")


def render(filled: BaseModel, facts: ChemFacts) -> str:
    """The labelled lines of a filled schema, one block per molecule, the answer sentence first."""
    data = filled.model_dump()
    option = f"{data['option']}. " if data.get("option") else ""
    blocks = [f"Answer: {option}{data['answer'].strip()}"]
    asked = facts.request.unit if facts.request is not None else None
    for molecule in data["molecules"]:
        lines = []
        for item in _items(facts):
            key, _kind, label, unit = _ITEMS[item]
            value = molecule.get(key)
            if value is not None and str(value).strip():
                lines.append(f"{label}: {shown_value(item, value, asked) if unit == ' K' else f'{value}{unit}'}")
        blocks.append("\n".join(lines))
    return "\n\n".join(b for b in blocks if b)


def _tool_value(item: str, molecule: MoleculeRecord) -> str | None:
    """An asked item of one molecule as a schema field holds it (masses to 3 decimals, temperatures in K
    to 2), or None where the tools have no value."""
    if item == "mass":
        return f"{molecule.average_mass:.3f}"
    if item in TEMPERATURE_KEYS:
        found = [p.value for p in molecule.properties if p.key == item and p.unit == "K"]
        return f"{found[0]:.2f}" if found else None
    value = {"smiles": molecule.smiles, "name": molecule.name, "formula": molecule.formula, "inchikey": molecule.inchikey,
             "inchi": molecule.inchi, "cas": molecule.cas}[item]
    return value or None


def _sentences(facts: ChemFacts) -> list[str]:
    """Answer sentences in the order a model should prefer them: the tools' own answer, its first
    sentence, then "<molecule>: <asked values>" (the tools' answer runs past one sentence for a choice)."""
    said = lead(facts).strip()
    first = re.split(r"(?<![0-9])[.](?:\s|$)", said)[0].strip()
    named = [f"{label(m)}: " + ", ".join(f"{_ITEMS[i][2].lower()} {v}{_ITEMS[i][3]}"
                                           for i in _items(facts) if (v := _tool_value(i, m)) is not None)
             for m in facts.molecules]
    return [s for s in (said, first, "; ".join(named)) if s]


def tool_draft(facts: ChemFacts) -> str | None:
    """The structured draft a model that copies the tool facts writes: every field from the tools and
    the tools' answer sentence, as JSON text (the target a fine-tune learns); None when the tools lack
    a value the schema asks for or no sentence fits the schema."""
    schema = draft_model(facts)
    if schema is None:
        return None
    molecules = []
    for molecule in facts.molecules:
        values = {_ITEMS[item][0]: _tool_value(item, molecule) for item in _items(facts)}
        if None in values.values():
            return None
        molecules.append(values)
    chosen = facts.choice.chosen if facts.choice is not None else []
    option = {"option": chosen[0]} if "option" in schema.model_fields and len(chosen) == 1 else {}
    if "option" in schema.model_fields and not option:
        return None
    for sentence in _sentences(facts):
        text = json.dumps({**option, "answer": sentence.rstrip(" .") + ".", "molecules": molecules}, ensure_ascii=False)
        try:
            filled_fields(text, schema)
        except BackendError:
            continue
        return text
    return None


def _near(value: float, known: list[float]) -> bool:
    return any(abs(value - k) <= max(0.05, abs(k) * 0.001) for k in known)


def _fact_values(facts: ChemFacts) -> list[float]:
    """The numbers the tools supplied: masses, and property values in K and in °C."""
    values: list[float] = []
    for m in facts.molecules:
        values += [m.average_mass, m.monoisotopic_mass]
        values += [v for p in m.properties for v in ((p.value, p.value - 273.15) if p.unit == "K" else (p.value,))]
    comparison = facts.intent.comparison
    delta = difference(facts, comparison) if comparison is not None and facts.intent.difference else None
    return values + [f.average_mass for f in facts.formulas] + ([delta] if delta is not None else [])


def _known_numbers(filled: dict[str, Any], facts: ChemFacts) -> list[float]:
    """The numbers a sentence may give: the filled fields', the tools' and the question's own."""
    known = [float(n) for molecule in filled["molecules"] for value in molecule.values() if value is not None
             for n in _NUMBER.findall(str(value))]
    computed = " ".join(text for c in facts.computed for text in (c.sentence, *c.facts))  # the calculators' words
    return known + _fact_values(facts) + [float(n) for n in _NUMBER.findall(f"{facts.question} {computed}")]


def _without_names(sentence: str, facts: ChemFacts) -> str:
    """The sentence less the molecules' names and SMILES, whose locants ("8(14),13(15)-dien") are no values."""
    for term in sorted({t for m in facts.molecules for t in (m.query, m.name, m.common_name, m.smiles) if t},
                       key=len, reverse=True):
        sentence = sentence.replace(term, " ")
    return sentence


def answer_numbers_check(filled: dict[str, Any], facts: ChemFacts) -> CheckResult:
    """Every number in the answer sentence must be a tool value, one of the filled fields' or the
    question's own: the sentence restates facts, it adds no numbers of its own (".18016" for 180.159)."""
    known = _known_numbers(filled, facts)
    stray = [n for n in _NUMBER.findall(_without_names(filled["answer"], facts)) if not _near(float(n), known)]
    return CheckResult(
        name="answer_numbers", passed=not stray,
        message=f"its answer sentence gives {', '.join(stray)}, which is no tool value" if stray else "",
        feedback="Write the answer sentence with the values from the tool facts only." if stray else "",
        found=stray,
    )


def _about_the_molecules(answer: str, filled: dict[str, Any], facts: ChemFacts) -> bool:
    """The sentence names a molecule (as asked, by a store name, formula or SMILES) or gives a tool value."""
    text = answer.casefold()
    terms = [t for m in facts.molecules for t in (m.query, m.name, m.common_name, m.formula, m.smiles) if t]
    if any(term.casefold() in text for term in terms):
        return True
    known = _known_numbers(filled, facts)
    return any(_near(float(n), known) for n in _NUMBER.findall(answer))


def answer_sentence_check(filled: dict[str, Any], facts: ChemFacts) -> CheckResult:
    """The answer sentence is what the user reads first: it must end before the schema's cap (one that
    fills it was cut off mid-sentence) and be about the asked molecules ("Mylen-123" above a right
    SMILES line is no answer)."""
    answer = filled["answer"].strip()
    if len(answer) >= MAX_ANSWER_CHARS:
        message, feedback = "its answer sentence ran to the length limit and was cut off", "Write one short sentence."
    elif (answer.strip(" .`").casefold() in {m.query.casefold() for m in facts.molecules}
          and states_an_asked_value(answer, facts) is not True):  # "CCO" is the answer to "the SMILES of CCO?"
        message = f"its answer sentence {answer!r} only repeats the molecule as the question gave it"
        feedback = (f"Write one sentence that says what was asked: {hint}" if (hint := lead(facts))
                    else "Write one sentence that names the molecule and says what it is.")
    elif not _about_the_molecules(answer, filled, facts):
        message = f"its answer sentence {answer!r} names none of the molecules and gives none of their values"
        feedback = "Write one sentence that names the molecule and gives the asked value from the tool facts."
    elif states_an_asked_value(answer, facts) is False:
        message = f"its answer sentence {answer!r} does not give what was asked"
        feedback = f"Write one sentence that gives what was asked: {lead(facts)}"
    else:
        message = feedback = ""
    return CheckResult(name="answer_sentence", kind="form", passed=not message, message=message, feedback=feedback)
