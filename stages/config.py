"""Effective configuration: defaults < `tristage.toml` < `TRISTAGE_*` environment < arguments.

The TOML file is `$TRISTAGE_CONFIG` if set, else `./tristage.toml`, else
`~/.config/tristage/tristage.toml`. Nested keys use `__` in environment variables, e.g.
`TRISTAGE_BACKEND__KIND=openai` or `TRISTAGE_ASSISTANTS__CHEM__MODEL=chemllm`. An `assistants.<name>`
section takes that assistant's backend overrides and its own options as flat keys. Settings that do not
validate (an unknown assistant, key or value) are refused as they load, in one line (`ConfigError`).
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar, cast

from pydantic import (
    BaseModel,
    Field,
    FieldSerializationInfo,
    SecretStr,
    ValidationError,
    field_serializer,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from stages.assistant_options import AssistantOptions, BreakoutOptions, ChemOptions, GeneralOptions

# Variables read straight from the environment, outside the settings: the TOML file's path (here), the
# BreakGPT samples' folder (assistants/market/breakgpt.py) and vLLM's environment (serve/vllm_env.py).
ENVIRONMENT_ONLY = frozenset({"TRISTAGE_CONFIG", "TRISTAGE_BREAKGPT_DIR", "TRISTAGE_VLLM_ENV"})

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


class ConfigError(ValueError):
    """A configuration that does not validate, said in one line for whoever wrote it."""


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {close[0]}?" if close else ""


def _unknown(word: str, what: str, choices: Iterable[str]) -> PydanticCustomError:
    """A key no model has; its error's location is the section holding it, its message starts with the key."""
    known = list(choices)
    hint = _did_you_mean(word, known) or f" (known: {', '.join(known)})"
    context = {"word": word, "what": what, "hint": hint}
    return PydanticCustomError("unknown_name", "{word} is not {what}{hint}", context)


class Section(BaseModel):
    """A configuration section whose unknown keys are refused (with a near miss), not ignored: a
    misspelt key would otherwise leave its default in force without a word."""

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        for key in data if isinstance(data, Mapping) else ():
            if key not in cls.model_fields:
                raise _unknown(str(key), "a setting", cls.model_fields)
        return data


class BackendConfig(Section):
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
    adapter: str = Field("auto", description="llamacpp/embedded: LoRA adapter on the model: auto (the shipped one "
                         "trained on it), none (the base model), a shipped adapter's name, or a PEFT folder")
    options: dict[str, Any] = Field(default_factory=dict, description="Backend-specific extras")


OptionsT = TypeVar("OptionsT", bound=AssistantOptions)


class AssistantConfig(BaseModel, Generic[OptionsT]):
    """One assistant's section. Its keys are flat, as in `[assistants.chem]` and
    `TRISTAGE_ASSISTANTS__CHEM__<KEY>`: each is a backend setting this assistant overrides or one of
    its own options, split apart here so each is validated as its own type."""

    overrides: BackendConfig = Field(default_factory=BackendConfig, description="Only the fields set apply")
    options: OptionsT

    @model_validator(mode="before")
    @classmethod
    def _split(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        own = cast(type[AssistantOptions], cls.model_fields["options"].annotation)
        split: dict[str, dict[str, Any]] = {"overrides": {}, "options": {}}
        for key, value in data.items():
            if key in BackendConfig.model_fields:
                split["overrides"][key] = value
            elif key in own.model_fields:
                split["options"][key] = value
            else:
                raise _unknown(key, "an option", [*own.model_fields, *BackendConfig.model_fields])
        return split

    def backend(self) -> dict[str, Any]:
        """The backend settings this assistant overrides, as set (the rest come from `backend`)."""
        return self.overrides.model_dump(exclude_unset=True)

    @field_serializer("overrides")
    def _set_only(self, overrides: BackendConfig, info: FieldSerializationInfo) -> dict[str, Any]:
        return overrides.model_dump(mode=info.mode, exclude_unset=True)


class AssistantsConfig(BaseModel):
    """Every assistant's section, under the names `assistants/registry.py` gives them."""

    general: AssistantConfig[GeneralOptions] = Field(default_factory=AssistantConfig[GeneralOptions])
    chem: AssistantConfig[ChemOptions] = Field(default_factory=AssistantConfig[ChemOptions])
    breakout: AssistantConfig[BreakoutOptions] = Field(default_factory=AssistantConfig[BreakoutOptions])

    @model_validator(mode="before")
    @classmethod
    def _known_names(cls, data: Any) -> Any:
        for name in data if isinstance(data, Mapping) else ():
            if name not in cls.model_fields:
                raise _unknown(name, "an assistant", cls.model_fields)
        return data

    def section(self, assistant: str) -> AssistantConfig[Any] | None:
        """A named assistant's section; None for a name without one."""
        return getattr(self, assistant) if assistant in type(self).model_fields else None


class RequestLimits(Section):
    """Server-side caps on what one API or UI request may ask for; above a cap is a 400."""

    max_repairs: int = Field(3, ge=0, le=10)
    max_model_calls: int = Field(12, ge=1, le=50)
    max_wall_s: float = Field(120.0, gt=0, le=3600)
    max_tokens: int = Field(1024, ge=1, le=32768)
    max_messages: int = Field(64, ge=1, le=1000)
    max_attachments: int = Field(4, ge=0, le=64)


class ServeConfig(Section):
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


class SafetySettings(Section):
    """The safety screen every pipeline runs; it can be replaced but not switched off."""

    screen: str = Field("assistants.safety:default_screen", description="'module:attribute' of the screen")
    opsin_timeout_s: float = Field(20.0, gt=0, le=300, description="Longest OPSIN (JVM) call before it is killed")


class KnowledgeSettings(Section):
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
    assistants: AssistantsConfig = Field(
        default_factory=AssistantsConfig,
        description="Per-assistant options and backend overrides, e.g. assistants.chem.structured and .kind",
    )
    serve: ServeConfig = Field(default_factory=ServeConfig)
    knowledge: KnowledgeSettings = Field(default_factory=KnowledgeSettings)
    safety: SafetySettings = Field(default_factory=SafetySettings)
    pubchem_online: bool = Field(False, description="chem: ask PubChem when the store and OPSIN fail")
    market_online: bool = Field(False, description="breakout: fetch tickers the bundled samples lack from Yahoo Finance")
    market_fetches_per_minute: int = Field(6, ge=1, le=600, description="Yahoo Finance fetches per client per minute")

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        """Top-level keys from the TOML file, and every `TRISTAGE_*` variable, must name a setting
        (the environment source passes on only the variables that do, so the rest are read here)."""
        for key in data if isinstance(data, Mapping) else ():
            if key not in cls.model_fields:
                raise _unknown(str(key), "a setting", cls.model_fields)
        variables = {f"TRISTAGE_{name.upper()}" for name in cls.model_fields} | ENVIRONMENT_ONLY
        for variable in os.environ:
            head = variable.upper().split("__")[0]
            if head.startswith("TRISTAGE_") and head not in variables:
                raise _unknown(variable, "a tristage variable", sorted(variables))
        return data

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
        section = self.assistants.section(assistant)
        for layer in (section.backend() if section else {}, given):
            if "base_url" in layer and layer["base_url"] != merged["base_url"] and "api_key" not in layer:
                merged["api_key"] = None
            merged.update(layer)
        return BackendConfig.model_validate(merged)

    def shown(self) -> dict[str, Any]:
        """The effective settings as JSON-ready data, secrets masked."""
        data = self.model_dump(mode="json")
        named = data["serve"]["backends"].values()
        overrides = (section["overrides"] for section in data["assistants"].values())
        for section in (data["backend"], data["serve"], *overrides, *named):
            if section.get("api_key"):
                section["api_key"] = "****"
        data["serve"]["ui_auth"] = [pair.split(":", 1)[0] + ":****" for pair in data["serve"]["ui_auth"]]
        path = config_path()
        return {"config_file": str(path) if path else None, **data}


_SECRETS = {"api_key", "ui_auth"}


def _error_line(error: ErrorDetails) -> str:
    """One validation error as `where: what`, an assistant's key named as written (flat)."""
    loc = [str(part) for part in error["loc"]]
    if loc[:1] == ["assistants"] and loc[2:3] in (["overrides"], ["options"]):
        del loc[2]
    where = ".".join(loc)
    if error["type"] == "unknown_name":
        return f"{where}.{error['msg']}" if where else error["msg"]
    line = f"{where}: {error['msg']}"
    given = error.get("input")
    if isinstance(given, str | int | float) and not _SECRETS & set(loc):
        line += f" (got {given!r})"
    if error["type"] == "literal_error" and isinstance(given, str):
        line += _did_you_mean(given, re.findall(r"'([^']*)'", error.get("ctx", {}).get("expected", "")))
    return line


def _config_error(exc: ValueError) -> ConfigError:
    """A settings failure (validation, TOML syntax, an environment value that is not JSON) as one line."""
    if isinstance(exc, ValidationError):
        return ConfigError("; ".join(_error_line(error) for error in exc.errors()))
    where = f"{config_path()}: " if isinstance(exc, tomllib.TOMLDecodeError) else ""
    return ConfigError(where + " ".join(str(exc).split()))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings in force; a configuration that does not load is a `ConfigError`."""
    try:
        return Settings()
    except ValueError as exc:
        raise _config_error(exc) from None
