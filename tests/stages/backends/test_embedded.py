"""The embedded backend on the real SmolLM2-135M-Instruct, loaded offline from the user cache."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from stages.backends import make_backend
from stages.backends.base import BackendError, BackendUnavailable, GenerationParams
from stages.backends.embedded import EmbeddedBackend
from stages.config import DEFAULT_MODEL, BackendConfig, Settings
from stages.messages import Message
from stages.models import pull_model

CAPITAL = [Message(role="user", content="What is the capital of France?")]
STORY = [Message(role="user", content="Write a long story about a lighthouse keeper.")]


@pytest.fixture(scope="module")
def backend() -> Iterator[EmbeddedBackend]:
    """The default base model (no adapter: the LoRA test below compares weights with it), loaded with
    the hub switched off and every proxy pointing nowhere."""
    cache_dir = Settings().cache_dir
    pull_model(cache_dir)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HF_HUB_OFFLINE", "1")
        for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            env.setenv(proxy, "http://127.0.0.1:9")
        loaded = make_backend(BackendConfig(kind="embedded", adapter="none"), cache_dir)
    assert isinstance(loaded, EmbeddedBackend)
    yield loaded


def test_missing_alias_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailable, match="tristage models pull"):
        EmbeddedBackend.from_config(BackendConfig(model=DEFAULT_MODEL), tmp_path)


def test_missing_folder_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailable, match="does not exist"):
        EmbeddedBackend.from_config(BackendConfig(model=str(tmp_path / "nothing-here")), tmp_path)


def test_folder_without_a_model_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailable, match="no config.json"):
        EmbeddedBackend.from_config(BackendConfig(model=str(tmp_path)), tmp_path)


def test_folder_with_broken_weights_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"model_type": "llama"}')
    with pytest.raises(BackendUnavailable, match="cannot load model"):
        EmbeddedBackend.from_config(BackendConfig(model=str(tmp_path)), tmp_path)


def test_uncached_hub_id_fails_fast_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with pytest.raises(BackendUnavailable, match="HF_HUB_OFFLINE=0"):
        EmbeddedBackend.from_config(BackendConfig(model="tristage-tests/no-such-model"), tmp_path)


def test_unknown_dtype_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailable, match="unknown dtype"):
        EmbeddedBackend.load(str(tmp_path), dtype="float8")


@pytest.mark.slow
def test_factory_shares_one_loaded_model(backend: EmbeddedBackend) -> None:
    assert make_backend(BackendConfig(kind="embedded", adapter="none"), Settings().cache_dir) is backend
    assert backend.name == "embedded" and backend.model == DEFAULT_MODEL
    assert backend.capabilities.streaming and backend.capabilities.local


@pytest.mark.slow
def test_prompt_uses_the_chat_template(backend: EmbeddedBackend) -> None:
    prompt = backend.render_prompt([Message(role="system", content="Be brief."), *CAPITAL])
    assert prompt.startswith("<|im_start|>system\nBe brief.<|im_end|>")
    assert "<|im_start|>user\nWhat is the capital of France?<|im_end|>" in prompt
    assert prompt.endswith("<|im_start|>assistant\n")


@pytest.mark.slow
def test_generates_real_tokens_greedily_and_deterministically(backend: EmbeddedBackend) -> None:
    params = GenerationParams(max_tokens=24)
    first = backend.complete(CAPITAL, params)
    second = backend.complete(CAPITAL, params)
    assert "Paris" in first.text
    assert first.text == second.text
    assert first.prompt_tokens > 20 and 0 < first.completion_tokens <= 24
    assert first.finish_reason == "stop" and first.latency_s > 0
    assert first.model == DEFAULT_MODEL


@pytest.mark.slow
def test_stream_yields_deltas_that_join_to_the_text(backend: EmbeddedBackend) -> None:
    deltas = list(backend.stream(STORY, GenerationParams(max_tokens=16)))
    *pieces, last = deltas
    assert last.completion is not None and all(d.completion is None for d in pieces)
    assert len(pieces) >= 5
    assert "".join(d.text for d in pieces) == last.completion.text
    assert last.completion.finish_reason == "length" and last.completion.completion_tokens == 16


@pytest.mark.slow
def test_stop_string_cuts_the_text_and_ends_early(backend: EmbeddedBackend) -> None:
    full = backend.complete(STORY, GenerationParams(max_tokens=24))
    words = full.text.split()
    stop = " " + words[len(words) // 2]
    expected = full.text[: full.text.find(stop)]
    deltas = list(backend.stream(STORY, GenerationParams(max_tokens=24, stop=[stop])))
    completion = deltas[-1].completion
    assert completion is not None
    assert completion.text == expected == "".join(d.text for d in deltas[:-1])
    assert completion.finish_reason == "stop"
    assert completion.completion_tokens < full.completion_tokens


@pytest.mark.slow
def test_max_tokens_ends_with_length(backend: EmbeddedBackend) -> None:
    completion = backend.complete(STORY, GenerationParams(max_tokens=3))
    assert completion.finish_reason == "length"
    assert completion.completion_tokens == 3 and completion.text


@pytest.mark.slow
def test_cancel_stops_between_tokens(backend: EmbeddedBackend) -> None:
    cancel = threading.Event()
    deltas = []
    for delta in backend.stream(STORY, GenerationParams(max_tokens=64), cancel):
        deltas.append(delta)
        cancel.set()
    completion = deltas[-1].completion
    assert completion is not None and completion.finish_reason == "cancelled"
    assert completion.completion_tokens < 8
    assert "".join(d.text for d in deltas[:-1]) == completion.text


@pytest.mark.slow
def test_seeded_sampling_repeats_even_from_concurrent_threads(backend: EmbeddedBackend) -> None:
    params = GenerationParams(max_tokens=12, temperature=1.2, top_p=0.95, seed=11)
    alone = backend.complete(STORY, params).text
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(backend.complete(STORY, params).text)) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [alone, alone]
    other = backend.complete(STORY, params.model_copy(update={"seed": 12})).text
    assert other != alone


@pytest.mark.slow
def test_repetition_penalty_changes_greedy_text(backend: EmbeddedBackend) -> None:
    plain = backend.complete(STORY, GenerationParams(max_tokens=20)).text
    penalized = backend.complete(STORY, GenerationParams(max_tokens=20, repetition_penalty=1.8)).text
    assert penalized != plain


@pytest.mark.slow
def test_prompt_longer_than_the_context_is_an_error(backend: EmbeddedBackend) -> None:
    huge = [Message(role="user", content="word " * 9000)]
    with pytest.raises(BackendError, match="reads at most 8192"):
        backend.complete(huge, GenerationParams(max_tokens=4))


@pytest.mark.slow
def test_the_shipped_adapter_applies_and_a_call_may_run_without_it(backend: EmbeddedBackend) -> None:
    """The adapter changes the greedy text; a call with `adapter=False` is the base model's, token for token."""
    adapted = EmbeddedBackend.from_config(BackendConfig(kind="embedded"), Settings().cache_dir)
    question = [Message(role="user", content="Explain why ice floats on water.")]
    base = backend.complete(question, GenerationParams(max_tokens=16)).text
    tuned = adapted.complete(question, GenerationParams(max_tokens=16)).text
    assert tuned != base
    assert adapted.complete(question, GenerationParams(max_tokens=16, adapter=False)).text == base
    assert adapted.complete(question, GenerationParams(max_tokens=16)).text == tuned


@pytest.mark.slow
def test_missing_adapter_is_unavailable(tmp_path: Path) -> None:
    folder = pull_model(Settings().cache_dir)
    config = BackendConfig(model=str(folder), adapter=str(tmp_path / "no-adapter"))
    with pytest.raises(BackendUnavailable, match="nor a folder with adapter_config.json"):
        EmbeddedBackend.from_config(config, tmp_path)
