"""Stage prompt packs (YAML + Jinja2): BreakGPT's wording and tristage's own, versioned."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined
from pydantic import BaseModel

_DIR = Path(__file__).parent / "prompts"
_ENV = Environment(undefined=StrictUndefined, keep_trailing_newline=False, autoescape=False)


class PromptPack(BaseModel):
    name: str
    version: int
    system: str
    stages: dict[str, str]

    def render(self, stage: str, **values: Any) -> str:
        if stage not in self.stages:
            raise KeyError(f"prompt pack {self.name!r} has no stage {stage!r}")
        return _ENV.from_string(self.stages[stage]).render(**values).strip()


def pack_names() -> list[str]:
    return sorted(p.stem for p in _DIR.glob("*.yaml"))


@lru_cache(maxsize=None)
def load_pack(name: str) -> PromptPack:
    path = _DIR / f"{name}.yaml"
    if not path.is_file():
        raise KeyError(f"unknown prompt pack {name!r} (available: {', '.join(pack_names())})")
    return PromptPack.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
