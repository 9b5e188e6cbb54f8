"""Settings: defaults, TOML file, environment overrides, per-assistant backends, masking."""

from __future__ import annotations

import pytest

from stages.config import Settings, config_path


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
