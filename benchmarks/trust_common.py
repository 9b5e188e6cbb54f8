"""Shared pieces of the trust benchmarks: the pipelines they ask, how a reply's molecule is read, timings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, computed_field

from assistants.chem.assistant import ChemAssistant
from assistants.chem.molecule import InvalidSmiles, inchi_key, parse_smiles
from stages.atomic import write_text
from stages.backends import Backend, make_backend
from stages.config import BackendConfig, get_settings
from stages.pipeline import Pipeline
from stages.reply import Reply

DETECT_VERIFY = ("detect", "verify")


def tools_backend() -> Backend:
    """A backend the template phrasing never calls: every reply comes from the tools alone."""
    return make_backend(BackendConfig(kind="scripted", model="scripted", options={"replies": ["(not called)"]}))


def model_backend(assistant: str) -> Backend:
    """The configured backend for an assistant (the embedded model unless configured otherwise)."""
    return make_backend(get_settings().backend_for(assistant))


def chem_pipeline(use_model: bool) -> Pipeline:
    """The chem assistant as a user gets it: tools with template phrasing, or tools plus the model."""
    if use_model:
        return Pipeline(ChemAssistant(phrasing="model"), model_backend("chem"))
    return Pipeline(ChemAssistant(phrasing="template"), tools_backend())


def connectivity(smiles: str) -> str | None:
    """The InChIKey's first block (the skeleton, stereo and charge layers aside), or None when unparsable."""
    try:
        return inchi_key(smiles).split("-")[0]
    except InvalidSmiles:
        return None


def part_of(smiles: str, whole: str, small_share: float = 0.6) -> bool:
    """Whether a molecule is a piece of a larger one: a substructure of it once charges are neutralised
    ("acetate" inside an acetate ester), or one with at most `small_share` of its heavy atoms."""
    from rdkit.Chem.MolStandardize import rdMolStandardize

    try:
        piece, target = parse_smiles(smiles), parse_smiles(whole)
    except InvalidSmiles:
        return False
    if piece.GetNumHeavyAtoms() >= target.GetNumHeavyAtoms():
        return False
    neutral = rdMolStandardize.Uncharger().uncharge(piece)
    return piece.GetNumHeavyAtoms() <= small_share * target.GetNumHeavyAtoms() or target.HasSubstructMatch(neutral)


def sub_formula(counts: dict[str, int], whole: dict[str, int]) -> bool:
    """Element counts that fit inside a larger formula's, with fewer heavy atoms: a piece of it."""
    def heavy(c: dict[str, int]) -> int:
        return sum(n for element, n in c.items() if element not in ("H", "D", "T"))

    return heavy(counts) < heavy(whole) and all(n <= whole.get(element, 0) for element, n in counts.items()
                                                if element not in ("H", "D", "T"))


def detect_verify_ms(reply: Reply) -> float:
    """Time the tools spent on a turn (detect and every verify), the model's time excluded."""
    return sum(record.duration_ms for record in reply.trace if record.stage in DETECT_VERIFY)


class Share(BaseModel):
    """A count out of a total, printed as both."""

    count: int = 0
    total: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ratio(self) -> float:
        return self.count / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"{self.count}/{self.total} ({self.ratio:.1%})"


def write_json(path: Path, data: Any) -> None:
    """Written to a temporary file beside the target, then renamed: a reader never sees half a file."""
    write_text(path, json.dumps(data, indent=1, default=str))
