"""Settings: defaults, TOML file, environment overrides, per-assistant backends and options, masking,
and the one-line refusal of a configuration that does not validate."""

from __future__ import annotations

import os
import threading

import pytest

from assistants.chem.assistant import ChemAssistant
from assistants.chem.store import get_store
from assistants.registry import assistant_names
from stages.backends.base import Completion, GenerationParams
from stages.backends.scripted import ScriptedBackend
from stages.config import AssistantsConfig, BackendConfig, ConfigError, Settings, config_path, get_settings
from stages.messages import Message, ask
from stages.pipeline import Pipeline


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in list(__import__("os").environ):
        if name.startswith("TRISTAGE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_defaults_use_the_local_model_on_llama_cpp(clean_env):
    settings = Settings()
    assert config_path() is None
    assert settings.backend.kind == "llamacpp"
    assert settings.backend_for("chem").model == "smollm2-135m-instruct"
    assert (settings.backend.context_length, settings.backend.threads) == (None, None)


def test_the_transformers_backend_and_llama_cpp_settings_from_the_environment(clean_env, monkeypatch):
    monkeypatch.setenv("TRISTAGE_BACKEND__KIND", "embedded")
    assert Settings().backend.kind == "embedded"
    monkeypatch.setenv("TRISTAGE_BACKEND__KIND", "llamacpp")
    monkeypatch.setenv("TRISTAGE_BACKEND__CONTEXT_LENGTH", "2048")
    monkeypatch.setenv("TRISTAGE_BACKEND__THREADS", "2")
    backend = Settings().backend
    assert (backend.kind, backend.context_length, backend.threads) == ("llamacpp", 2048, 2)


def test_toml_then_environment(clean_env, monkeypatch):
    (clean_env / "tristage.toml").write_text(
        'cache_dir = "/tmp/tri-cache"\n'
        "[backend]\nkind = \"openai\"\nbase_url = \"http://gpu:8000/v1\"\napi_key = \"sk-secret\"\n"
        "[assistants.chem]\nmodel = \"ChemLLM-7B-Chat-1_5-DPO\"\ntrust_remote_code = true\n"
    )
    monkeypatch.setenv("TRISTAGE_BACKEND__TIMEOUT_S", "5")
    settings = Settings()
    assert str(settings.cache_dir) == "/tmp/tri-cache"
    chem = settings.backend_for("chem")
    assert (chem.kind, chem.model, chem.trust_remote_code, chem.timeout_s) == (
        "openai", "ChemLLM-7B-Chat-1_5-DPO", True, 5.0
    )
    assert settings.backend_for("general").model == "smollm2-135m-instruct"


def test_explicit_config_file_and_env_beats_file(clean_env, monkeypatch):
    path = clean_env / "elsewhere.toml"
    path.write_text("[backend]\nmodel = \"from-file\"\n")
    monkeypatch.setenv("TRISTAGE_CONFIG", str(path))
    assert Settings().backend.model == "from-file"
    monkeypatch.setenv("TRISTAGE_BACKEND__MODEL", "from-env")
    assert Settings().backend.model == "from-env"


def test_secrets_are_masked(clean_env, monkeypatch):
    monkeypatch.setenv("TRISTAGE_SERVE__API_KEY", "sk-very-secret")
    monkeypatch.setenv("TRISTAGE_BACKEND__API_KEY", "sk-other")
    shown = Settings().shown()
    assert shown["serve"]["api_key"] == "****" and shown["backend"]["api_key"] == "****"
    assert "sk-" not in str(shown)


def test_bad_values_are_rejected(clean_env, monkeypatch):
    monkeypatch.setenv("TRISTAGE_BACKEND__KIND", "telepathy")
    with pytest.raises(ValueError, match="kind"):
        Settings()


def test_secrets_of_assistants_and_ui_users_are_masked(clean_env, monkeypatch):
    monkeypatch.setenv("TRISTAGE_ASSISTANTS__CHEM__API_KEY", "sk-chem-secret")
    monkeypatch.setenv("TRISTAGE_SERVE__UI_AUTH", '["ada:hunter2"]')
    shown = Settings().shown()
    assert shown["assistants"]["chem"]["overrides"] == {"api_key": "****"}
    assert shown["serve"]["ui_auth"] == ["ada:****"]
    assert "sk-chem-secret" not in str(shown) and "hunter2" not in str(shown)


def test_every_registered_assistant_has_a_section_and_no_option_shadows_a_backend_setting():
    assert set(AssistantsConfig.model_fields) == set(assistant_names())
    for name in AssistantsConfig.model_fields:
        options = AssistantsConfig.model_fields[name].annotation.model_fields["options"].annotation
        assert not set(options.model_fields) & set(BackendConfig.model_fields), name


class SchemaBackend(ScriptedBackend):
    """A scripted backend that can constrain decoding, recording which calls asked it to."""

    def __init__(self) -> None:
        super().__init__(["Answer: The SMILES of ethanol is CCO.\nSMILES: CCO\nFormula: C2H6O"])
        self.capabilities = self.capabilities.model_copy(update={"json_schema": True})
        self.constrained: list[bool] = []

    def complete(self, messages: list[Message], params: GenerationParams,
                 cancel: threading.Event | None = None) -> Completion:
        self.constrained.append(params.json_schema is not None)
        return super().complete(messages, params, cancel)


@pytest.fixture
def no_configuration(monkeypatch, tmp_path):
    """No TRISTAGE_* variable, an empty configuration file, and the user's cache (the built chem store)."""
    for name in list(os.environ):
        if name.startswith("TRISTAGE_"):
            monkeypatch.delenv(name)
    (tmp_path / "empty.toml").write_text("")
    monkeypatch.setenv("TRISTAGE_CONFIG", str(tmp_path / "empty.toml"))


@pytest.mark.parametrize(("value", "structured"),
                         [(None, True), ("false", False), ("0", False), ("no", False), ("true", True)])
def test_the_structured_option_from_the_environment_reaches_the_chem_drafts(no_configuration, monkeypatch,
                                                                            value, structured):
    if value is not None:
        monkeypatch.setenv("TRISTAGE_ASSISTANTS__CHEM__STRUCTURED", value)
    backend = SchemaBackend()
    chem = ChemAssistant(phrasing="model", store=get_store())
    Pipeline(chem, backend).run(ask("What is the SMILES of ethanol?"))
    assert backend.constrained and backend.constrained[0] is structured


def test_options_are_typed_and_kept_apart_from_the_backend_overrides(clean_env, monkeypatch):
    (clean_env / "tristage.toml").write_text(
        '[assistants.chem]\nphrasing = "template"\nmodel = "chem-model"\n'
        '[assistants.breakout]\nphrasing = "template"\n'
    )
    monkeypatch.setenv("TRISTAGE_ASSISTANTS__CHEM__STRUCTURED", "off")
    monkeypatch.setenv("TRISTAGE_ASSISTANTS__CHEM__TIMEOUT_S", "7.5")
    monkeypatch.setenv("TRISTAGE_ASSISTANTS__CHEM__TRUST_REMOTE_CODE", "yes")
    settings = get_settings()
    chem = settings.assistants.chem
    assert (chem.options.phrasing, chem.options.structured) == ("template", False)
    assert chem.backend() == {"model": "chem-model", "timeout_s": 7.5, "trust_remote_code": True}
    assert settings.assistants.breakout.options.phrasing == "template"
    backend = settings.backend_for("chem", model="asked-model")
    assert (backend.model, backend.timeout_s, backend.trust_remote_code) == ("asked-model", 7.5, True)
    assert "phrasing" not in backend.options and "structured" not in backend.options
    assert settings.backend_for("general") == settings.backend
    assert ChemAssistant().phrasing == "template"  # the store loads on first use, not here


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TRISTAGE_ASSISTANTS__CHEM__PHRASNG", "template",
         "assistants.chem.phrasng is not an option; did you mean phrasing?"),
        ("TRISTAGE_ASSISTANTS__CHEM__PHRASING", "templatez",
         ("assistants.chem.phrasing: Input should be 'model' or 'template' (got 'templatez'); "
          "did you mean template?")),
        ("TRISTAGE_ASSISTANTS__CHEMM__MODEL", "m",
         "assistants.chemm is not an assistant; did you mean chem?"),
        ("TRISTAGE_ASSISTANTS__GENERAL__STRUCTURED", "false",
         "assistants.general.structured is not an option (known: kind, model, base_url, api_key,"),
        ("TRISTAGE_ASSISTANTS__CHEM__STRUCTURED", "maybe",
         ("assistants.chem.structured: Input should be a valid boolean, unable to interpret input "
          "(got 'maybe')")),
        ("TRISTAGE_ASSISTANTS__CHEM__KIND", "opnai", "assistants.chem.kind: Input should be 'llamacpp', "),
        ("TRISTAGE_ASSISTANTS__CHEM__TIMEOUT_S", "-1",
         "assistants.chem.timeout_s: Input should be greater than 0"),
    ],
)
def test_a_bad_assistant_section_is_refused_in_one_line(clean_env, monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as refused:
        get_settings()
    line = str(refused.value)
    assert line.startswith(message) and "\n" not in line
    if name.endswith("KIND"):
        assert line.endswith("(got 'opnai'); did you mean openai?")


def test_a_toml_file_that_does_not_parse_is_named(clean_env):
    (clean_env / "tristage.toml").write_text("[assistants.chem\n")
    with pytest.raises(ConfigError, match=r"^tristage.toml: Expected"):
        get_settings()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TRISTAGE_BACKND__KIND", "openai", "TRISTAGE_BACKND__KIND is not a tristage variable; did you mean TRISTAGE_BACKEND?"),
        ("TRISTAGE_BACKEND__KND", "openai", "backend.knd is not a setting; did you mean kind?"),
        ("TRISTAGE_SERVE__LIMITS__MAX_TOKEN", "5", "serve.limits.max_token is not a setting; did you mean max_tokens?"),
        ("TRISTAGE_PUBCHEM_ONLIN", "true", "TRISTAGE_PUBCHEM_ONLIN is not a tristage variable; did you mean TRISTAGE_PUBCHEM_ONLINE?"),
    ],
)
def test_a_misspelt_variable_is_refused_not_ignored(clean_env, monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as refused:
        get_settings()
    assert str(refused.value) == message


def test_a_misspelt_key_in_the_toml_file_is_refused(clean_env):
    (clean_env / "tristage.toml").write_text('pubchem_onlin = true\n[knowledge]\ntop_k = 3\n')
    with pytest.raises(ConfigError, match=r"^pubchem_onlin is not a setting; did you mean pubchem_online\?$"):
        get_settings()
    (clean_env / "tristage.toml").write_text('[knowledge]\ntopk = 3\n')
    with pytest.raises(ConfigError, match=r"^knowledge.topk is not a setting; did you mean top_k\?$"):
        get_settings()


def test_the_variables_read_outside_the_settings_are_accepted(clean_env, monkeypatch):
    for name in ("TRISTAGE_CONFIG", "TRISTAGE_BREAKGPT_DIR", "TRISTAGE_VLLM_ENV"):
        monkeypatch.setenv(name, str(clean_env / "nothing-here"))
    assert get_settings().backend.kind == "llamacpp"
