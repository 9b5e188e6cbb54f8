"""The labelled wordings each assistant's reader of intent is fitted on, written to the file it ships.

Two sources per assistant: every question template of its packs (each pack is one family; its fields
are rendered as the masks detect puts in place of entities), and `intents/<assistant>.yaml` (families
the packs lack, public instruction-set wordings, chat, each with its source). `tristage data intents`
rewrites the shipped files; a test checks they match a fresh build, so no reader trains on stale wordings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from assistants.chem.request import EXAMPLES_FILE, MASKS
from assistants.market.reader import EXAMPLES_FILE as BREAKOUT_EXAMPLES_FILE
from assistants.market.reader import MASKS as BREAKOUT_MASKS
from data_templates.templates import all_packs, render_with_jinja
from stages.atomic import write_text
from stages.intent_model import Example

EXTRA_FILE = Path(__file__).with_name("intents") / "chem.yaml"
BREAKOUT_FILE = Path(__file__).with_name("intents") / "breakout.yaml"
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


def pack_examples(families: dict[str, str], contexts: Callable[[list[str]], list[dict[str, Any]]]) -> list[Example]:
    packs = all_packs()
    examples: list[Example] = []
    for pack_name, family in families.items():
        pack = packs[pack_name]
        for question in pack.questions:
            for context in contexts(list(pack.fields)):
                text = _REACTION_MASK.sub(MASKS["rxn"], render_with_jinja(question, context))
                examples.append(Example(text=" ".join(text.split()), label=family,
                                        source=f"pack {pack_name} v{pack.version}"))
    return examples


def extra_examples(spec: dict[str, Any], masks: dict[str, str]) -> list[Example]:
    placeholders = {kind: f" {token} " for kind, token in masks.items()}
    return [Example(text=" ".join(row["text"].format(**placeholders).split()), label=family, source=row["source"])
            for family, rows in spec["families"].items() for row in rows]


def _examples(spec: dict[str, Any], examples: list[Example]) -> dict[str, Any]:
    unique = list({(e.text, e.label): e for e in examples}.values())
    return {"version": spec["version"], "examples": [e.model_dump() for e in unique]}


def build_examples(extra_file: Path = EXTRA_FILE) -> dict[str, Any]:
    spec = yaml.safe_load(extra_file.read_text(encoding="utf-8"))
    return _examples(spec, pack_examples(spec["packs"], _contexts) + extra_examples(spec, MASKS))


def build_breakout_examples(extra_file: Path = BREAKOUT_FILE) -> dict[str, Any]:
    """The breakout reader's wordings: a pack field reads as the spec's `fields` say (a name as a ticker
    mask, a table as nothing: the reader sees the question around pasted bars), any other as a number."""
    spec = yaml.safe_load(extra_file.read_text(encoding="utf-8"))
    placeholders = {kind: f" {token} " for kind, token in BREAKOUT_MASKS.items()}

    def contexts(fields: list[str]) -> list[dict[str, Any]]:
        return [{f: str(spec["fields"].get(f, "{num}")).format(**placeholders) for f in fields}]

    return _examples(spec, pack_examples(spec["packs"], contexts) + extra_examples(spec, BREAKOUT_MASKS))


def write_examples() -> list[Path]:
    written = []
    for path, built in ((EXAMPLES_FILE, build_examples()), (BREAKOUT_EXAMPLES_FILE, build_breakout_examples())):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, json.dumps(built, indent=1, ensure_ascii=False) + "\n")
        written.append(path)
    return written
