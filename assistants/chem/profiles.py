"""Model profiles as data (`profiles.yaml`): generation settings and chat templates per model family."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, field_validator

from stages.backends.base import GenerationParams
from stages.config import BackendConfig
from stages.models import ADAPTERS

PROFILES_FILE = Path(__file__).with_name("profiles.yaml")
TEMPLATES = Path(__file__).with_name("templates")


class ModelProfile(BaseModel):
    name: str
    match: list[str] = Field(default_factory=list)
    max_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    repetition_penalty: float = 1.0
    stop: list[str] = Field(default_factory=list)
    trust_remote_code: bool = False
    chat_template_file: Path | None = Field(None, description="The model's Jinja chat template, in templates/")

    @field_validator("chat_template_file")
    @classmethod
    def _in_templates(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        path = TEMPLATES / value
        if not path.is_file():
            raise ValueError(f"no chat template {value} in {TEMPLATES}")
        return path

    @property
    def chat_template(self) -> str | None:
        """The template's text, as OpenAI-compatible servers take it in a request."""
        return self.chat_template_file.read_text(encoding="utf-8") if self.chat_template_file else None

    def params(self) -> GenerationParams:
        template = self.chat_template
        extra = {"chat_template": template} if template else {}
        return GenerationParams(
            max_tokens=self.max_tokens,
            temperature=self.temperature,
            top_p=self.top_p,
            repetition_penalty=self.repetition_penalty,
            stop=list(self.stop),
            extra_body=extra,
        )


@lru_cache(maxsize=1)
def profiles() -> dict[str, ModelProfile]:
    data = yaml.safe_load(PROFILES_FILE.read_text(encoding="utf-8"))
    return {item["name"]: ModelProfile(**item) for item in data["profiles"]}


class UnknownProfile(LookupError):
    pass


def profile_for(config: BackendConfig) -> ModelProfile:
    """The named profile, else the first whose match string occurs in the model name (a shipped adapter's
    served name stands for its base), else default."""
    known = profiles()
    if config.profile:
        if config.profile not in known:
            raise UnknownProfile(f"unknown chem profile {config.profile!r} (known: {', '.join(known)})")
        return known[config.profile]
    model = (ADAPTERS[config.model].base if config.model in ADAPTERS else config.model).lower()
    for profile in known.values():
        if any(token in model for token in profile.match):
            return profile
    return known["default"]
