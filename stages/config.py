"""Effective configuration: defaults < `tristage.toml` < `TRISTAGE_*` environment < arguments.

The TOML file is `$TRISTAGE_CONFIG` if set, else `./tristage.toml`, else
`~/.config/tristage/tristage.toml`. Nested keys use `__` in environment variables, e.g.
`TRISTAGE_BACKEND__KIND=openai` or `TRISTAGE_ASSISTANTS__CHEM__MODEL=chemllm`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

BackendKind = Literal["llamacpp", "embedded", "openai", "vllm", "langchain", "scripted"]
DEFAULT_MODEL = "smollm2-135m-instruct"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tristage"


def config_path() -> Path | None:
    """The TOML file in force, if any."""
    explicit = os.environ.get("TRISTAGE_CONFIG")
    if explicit:
        return Path(explicit)
    for candidate in (Path("tristage.toml"), Path.home() / ".config" / "tristage" / "tristage.toml"):
        if candidate.is_file():
            return candidate
    return None


class BackendConfig(BaseModel):
    """Which model answers, and how to reach it.

    `llamacpp` (the default) runs a GGUF model in this process with llama.cpp; `embedded` runs a
    transformers model in this process (adapters, hub models, training-time checks)."""

    kind: BackendKind = "llamacpp"
    model: str = Field(DEFAULT_MODEL, description="Alias, local folder or hub id; the served name for openai")
    base_url: str | None = Field(None, description="OpenAI-compatible endpoint, e.g. http://gpu:8000/v1")
    api_key: SecretStr | None = None
    timeout_s: float = Field(120.0, gt=0)
    max_retries: int = Field(3, ge=0, le=10)
    device: str = Field("auto", description="embedded/vllm: auto, cpu, cuda, cuda:1, mps")
    dtype: str = Field("auto", description="embedded/vllm: auto, float32, bfloat16, float16")
    context_length: int | None = Field(None, ge=256, description="llamacpp: context window in tokens; unset: the model's own")
    threads: int | None = Field(None, ge=1, le=256, description="llamacpp: CPU threads; unset: all usable cores but one")
    trust_remote_code: bool = Field(False, description="Run code shipped with a model (ChemLLM needs it)")
    profile: str | None = Field(None, description="Prompt/generation profile, e.g. chemllm-1.5")
    langchain_model: str | None = Field(None, description="langchain: 'module:Class' of a BaseChatModel")
    options: dict[str, Any] = Field(default_factory=dict, description="Backend-specific extras")


class RequestLimits(BaseModel):
    """Server-side caps on what one API or UI request may ask for; above a cap is a 400."""

    max_repairs: int = Field(3, ge=0, le=10)
    max_model_calls: int = Field(12, ge=1, le=50)
    max_wall_s: float = Field(120.0, gt=0, le=3600)
    max_tokens: int = Field(1024, ge=1, le=32768)
    max_messages: int = Field(64, ge=1, le=1000)
    max_attachments: int = Field(4, ge=0, le=64)


class ServeConfig(BaseModel):
    host: str = "127.0.0.1"
    port: int = 7860
    api_key: SecretStr | None = None
    ui_auth: list[str] = Field(default_factory=list, description="user:password pairs for the UI")
    max_body_bytes: int = 1_000_000
    max_concurrency: int = 4
    max_queue: int = 16
    backends: dict[str, BackendConfig] = Field(
        default_factory=dict,
        description="Named backends UI and API users may pick by name (each with its own URL and key); "
        "without any, every request runs on the configured backend",
    )
    limits: RequestLimits = Field(default_factory=RequestLimits)
    openapi: bool = Field(False, description="Serve the schema at /openapi.json (no /docs page: it needs a CDN)")


class SafetySettings(BaseModel):
    """The safety screen every pipeline runs; it can be replaced but not switched off."""

    screen: str = Field("assistants.safety:default_screen", description="'module:attribute' of the screen")
    opsin_timeout_s: float = Field(20.0, gt=0, le=300, description="Longest OPSIN (JVM) call before it is killed")


class KnowledgeSettings(BaseModel):
    """Retrieval: where the Chroma knowledge bases live and how much the reason stage reads."""

    chroma_url: str | None = Field(None, description="Chroma server, e.g. http://host:8000; unset: embedded store")
    device: str = Field("cpu", description="Embedding device: cpu, cuda, mps")
    top_k: int = Field(4, ge=1, le=50, description="Passages the reason stage adds to the prompt")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TRISTAGE_", env_nested_delimiter="__", extra="ignore", validate_default=True
    )

    cache_dir: Path = Field(default_factory=default_cache_dir)
    backend: BackendConfig = Field(default_factory=BackendConfig)
    assistants: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per-assistant backend overrides, e.g. assistants.chem.kind"
    )
    serve: ServeConfig = Field(default_factory=ServeConfig)
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)
    safety: SafetySettings = Field(default_factory=SafetySettings)
    pubchem_online: bool = Field(False, description="chem: ask PubChem when the store and OPSIN fail")
    market_online: bool = Field(False, description="breakout: fetch tickers the bundled samples lack from Yahoo Finance")
    market_fetches_per_minute: int = Field(6, ge=1, le=600, description="Yahoo Finance fetches per client per minute")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = config_path()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    def backend_for(self, assistant: str, **override: Any) -> BackendConfig:
        """The default backend with this assistant's overrides, then non-empty call overrides.

        A key travels only with the URL it was configured for: a layer that moves `base_url`
        without giving its own `api_key` drops the key of the layers below.
        """
        merged = self.backend.model_dump()
        given = {key: value for key, value in override.items() if value not in (None, "")}
        for layer in (self.assistants.get(assistant, {}), given):
            if "base_url" in layer and layer["base_url"] != merged["base_url"] and "api_key" not in layer:
                merged["api_key"] = None
            merged.update(layer)
        return BackendConfig.model_validate(merged)

    def shown(self) -> dict[str, Any]:
        """The effective settings as JSON-ready data, secrets masked."""
        data = self.model_dump(mode="json")
        named = data["serve"]["backends"].values()
        for section in (data["backend"], data["serve"], *data["assistants"].values(), *named):
            if section.get("api_key"):
                section["api_key"] = "****"
        data["config_file"] = str(config_path()) if config_path() else None
        return data


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
