"""The labelled wordings the chem assistant's reader of intent is fitted on, written to the file it ships.

Two sources: every question template of the chem packs (each pack is one family; its fields are
rendered as the masks detect puts in place of entities), and `intents/chem.yaml` (families the
packs lack — calculations, explanations, hazards, out of scope — and public instruction-set
wordings, each with its source). `tristage data intents` rewrites the shipped file; a test checks
it matches a fresh build, so the classifier never trains on stale wordings.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from assistants.chem.request import EXAMPLES_FILE, MASKS
from data_templates.templates import all_packs, render_with_jinja
from stages.atomic import write_text
from stages.intent_model import Example

EXTRA_FILE = Path(__file__).with_name("intents") / "chem.yaml"
# How a pack field appears in a question once detect has masked it; a field that may be either a
# name or a SMILES is rendered both ways.
_FIELD_MASKS = {
    "smiles": ["smiles"], "reactants": ["smiles"], "product": ["smiles"], "reagents": ["smiles"],
    "reaction": ["rxn"], "name": ["name"], "synonym": ["name"], "subject": ["name", "smiles"],
    "other": ["name", "smiles"], "formula": ["formula"],
}
# A reaction written "A>B>" or "A>>" is one token to detect, masked whole as a reaction.
_REACTION_MASK = re.compile(r"SMILESX\s*>\s*(?:SMILESX\s*)?>\s*(?:SMILESX)?")
_PROPERTY_WORDS = ("boiling point", "melting point", "critical temperature", "critical pressure")


def _contexts(fields: list[str]) -> list[dict[str, Any]]:
    """Every masked rendering of a pack's fields (name or SMILES; each property word)."""
    contexts: list[dict[str, Any]] = [{}]
    for field in fields:
        if field == "property":
            values = list(_PROPERTY_WORDS)
        else:
            values = [MASKS[kind] for kind in _FIELD_MASKS.get(field, ["num"])]
        contexts = [{**c, field: v} for c in contexts for v in values]
    return contexts


def pack_examples(families: dict[str, str]) -> list[Example]:
    packs = all_packs()
    examples: list[Example] = []
    for pack_name, family in families.items():
        pack = packs[pack_name]
        for question in pack.questions:
            for context in _contexts(list(pack.fields)):
                text = _REACTION_MASK.sub(MASKS["rxn"], render_with_jinja(question, context))
                examples.append(Example(text=" ".join(text.split()), label=family,
                                        source=f"pack {pack_name} v{pack.version}"))
    return examples


def extra_examples(spec: dict[str, Any]) -> list[Example]:
    placeholders = {kind: f" {token} " for kind, token in MASKS.items()}
    return [Example(text=" ".join(row["text"].format(**placeholders).split()), label=family, source=row["source"])
            for family, rows in spec["families"].items() for row in rows]


def build_examples(extra_file: Path = EXTRA_FILE) -> dict[str, Any]:
    spec = yaml.safe_load(extra_file.read_text(encoding="utf-8"))
    examples = pack_examples(spec["packs"]) + extra_examples(spec)
    unique = list({(e.text, e.label): e for e in examples}.values())
    return {"version": spec["version"], "examples": [e.model_dump() for e in unique]}


def write_examples(path: Path = EXAMPLES_FILE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, json.dumps(build_examples(), indent=1, ensure_ascii=False) + "\n")
    return path
