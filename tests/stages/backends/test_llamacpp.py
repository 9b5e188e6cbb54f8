"""The llamacpp backend on the real SmolLM2-135M-Instruct GGUF, and its fallback to transformers."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from stages.backends import make_backend
from stages.backends.base import BackendError, BackendUnavailable, GenerationParams
from stages.backends.llamacpp import LlamaCppBackend, decode_threads, load_or_fall_back
from stages.backends.structured import complete_json
from stages.config import DEFAULT_MODEL, BackendConfig, Settings
from stages.cores import usable_cores
from stages.messages import Message
from stages.models import SOURCES, model_dir, pull_gguf, write_manifest

CAPITAL = [Message(role="user", content="What is the capital of France?")]
STORY = [Message(role="user", content="Write a long story about a lighthouse keeper.")]


class Compound(BaseModel):
    name: str = Field(max_length=40)
    formula: str = Field(max_length=20)
    boiling_point_c: float


@pytest.fixture(scope="module")
def backend() -> Iterator[LlamaCppBackend]:
    """The default configuration: the kept GGUF on llama.cpp, every proxy pointing nowhere."""
    cache_dir = Settings().cache_dir
    pull_gguf(cache_dir)
    with pytest.MonkeyPatch.context() as env:
        for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            env.setenv(proxy, "http://127.0.0.1:9")
        loaded = make_backend(BackendConfig(), cache_dir)
    assert isinstance(loaded, LlamaCppBackend)
    yield loaded


def test_missing_gguf_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailable, match="tristage models pull"):
        load_or_fall_back(BackendConfig(), tmp_path)


def test_missing_gguf_file_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(BackendUnavailable, match="does not exist"):
        load_or_fall_back(BackendConfig(model=str(tmp_path / "none.gguf")), tmp_path)


def test_a_broken_gguf_is_unavailable(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(BackendUnavailable, match="cannot load GGUF"):
        LlamaCppBackend.from_config(BackendConfig(model=str(broken)), tmp_path)


def test_a_cache_without_the_gguf_falls_back_with_a_note(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A cache prepared before GGUFs were kept still answers, on transformers, and says why."""
    folder = model_dir(tmp_path)
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"model_type": "llama"}')
    write_manifest(folder, SOURCES[DEFAULT_MODEL])
    with caplog.at_level(logging.WARNING), pytest.raises(BackendUnavailable, match="cannot load model"):
        load_or_fall_back(BackendConfig(), tmp_path)  # the stand-in folder has no weights
    assert "GGUF of 'smollm2-135m-instruct' is not prepared" in caplog.text
    assert "using the transformers backend instead" in caplog.text


def test_a_folder_goes_to_transformers(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), pytest.raises(BackendUnavailable, match="no config.json"):
        load_or_fall_back(BackendConfig(model=str(tmp_path)), tmp_path)
    assert f"model {str(tmp_path)!r} is not a GGUF file; using the transformers backend" in caplog.text


@pytest.mark.slow
def test_a_failed_llama_cpp_install_falls_back_to_transformers(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Simulates a build that left no importable module (a real install cannot be undone here)."""
    from stages.backends.embedded import EmbeddedBackend
    from stages.models import pull_model

    cache_dir = Settings().cache_dir
    pull_model(cache_dir)
    monkeypatch.setitem(sys.modules, "llama_cpp", None)
    with caplog.at_level(logging.WARNING):
        fallback = load_or_fall_back(BackendConfig(), cache_dir)
    assert isinstance(fallback, EmbeddedBackend) and fallback.name == "embedded"
    assert "llama-cpp-python is not installed or did not build" in caplog.text
    assert "pip install 'tristage[llamacpp]'" in caplog.text


@pytest.mark.slow
def test_factory_shares_one_loaded_model(backend: LlamaCppBackend) -> None:
    assert make_backend(BackendConfig(), Settings().cache_dir) is backend
    assert backend.name == "llamacpp" and backend.model == DEFAULT_MODEL
    assert backend.capabilities.streaming and backend.capabilities.local and backend.capabilities.json_schema
    assert backend.context == 8192  # the model's own context when none is configured
    params = backend.llama.context_params
    assert (params.n_threads, params.n_threads_batch) == (decode_threads(), usable_cores())


@pytest.mark.slow
def test_context_and_threads_come_from_config() -> None:
    small = make_backend(BackendConfig(context_length=512, threads=1), Settings().cache_dir)
    assert isinstance(small, LlamaCppBackend) and small.context == 512
    assert (small.llama.context_params.n_threads, small.llama.context_params.n_threads_batch) == (1, 1)
    long_prompt = [Message(role="user", content="lighthouse " * 600)]
    with pytest.raises(BackendError, match="reads at most 512"):
        small.complete(long_prompt, GenerationParams(max_tokens=4))


@pytest.mark.slow
def test_prompt_uses_the_chat_template_in_the_gguf(backend: LlamaCppBackend) -> None:
    prompt = backend.render_prompt([Message(role="system", content="Be brief."), *CAPITAL])
    assert prompt.startswith("<|im_start|>system\nBe brief.<|im_end|>")
    assert "<|im_start|>user\nWhat is the capital of France?<|im_end|>" in prompt
    assert prompt.endswith("<|im_start|>assistant\n")


@pytest.mark.slow
def test_greedy_answer_is_deterministic_and_counted(backend: LlamaCppBackend) -> None:
    """The same text bare llama-cpp-python's chat completion gives on the same model, every time."""
    first = backend.complete(CAPITAL, GenerationParams(max_tokens=24))
    again = backend.complete(CAPITAL, GenerationParams(max_tokens=24))
    bare = backend.llama.create_chat_completion(
        [m.model_dump() for m in CAPITAL], max_tokens=24, temperature=0.0, top_k=0, min_p=0.0
    )
    assert first.text and first.text == again.text == bare["choices"][0]["message"]["content"]
    assert first.prompt_tokens == len(backend.prompt_tokens(CAPITAL)) and first.completion_tokens > 0
    assert "<|im_end|>" not in first.text


@pytest.mark.slow
def test_max_tokens_ends_with_length(backend: LlamaCppBackend) -> None:
    done = backend.complete(STORY, GenerationParams(max_tokens=8))
    assert (done.finish_reason, done.completion_tokens) == ("length", 8)


@pytest.mark.slow
def test_stream_matches_complete_and_never_leaks_a_stop(backend: LlamaCppBackend) -> None:
    whole = backend.complete(STORY, GenerationParams(max_tokens=40)).text
    stop = whole.split()[5]  # a word the greedy story is known to contain
    params = GenerationParams(max_tokens=40, stop=[stop])
    deltas = list(backend.stream(STORY, params))
    text = "".join(d.text for d in deltas)
    assert stop not in text and whole.startswith(text) and len(text) < len(whole)
    assert deltas[-1].completion is not None and deltas[-1].completion.text == text
    assert deltas[-1].completion.finish_reason == "stop"


@pytest.mark.slow
def test_seeded_sampling_repeats(backend: LlamaCppBackend) -> None:
    params = GenerationParams(max_tokens=24, temperature=1.0, top_p=0.95, seed=7)
    one, two = backend.complete(STORY, params).text, backend.complete(STORY, params).text
    others = {backend.complete(STORY, params.model_copy(update={"seed": s})).text for s in (8, 9, 10)}
    assert one == two
    assert len(others | {one}) > 1


@pytest.mark.slow
def test_repetition_penalty_changes_the_text(backend: LlamaCppBackend) -> None:
    plain = backend.complete(STORY, GenerationParams(max_tokens=48)).text
    penalised = backend.complete(STORY, GenerationParams(max_tokens=48, repetition_penalty=1.8)).text
    assert plain != penalised


@pytest.mark.slow
def test_cancel_stops_between_tokens(backend: LlamaCppBackend) -> None:
    cancel = threading.Event()
    deltas = []
    for delta in backend.stream(STORY, GenerationParams(max_tokens=200), cancel):
        deltas.append(delta)
        if delta.text and len(deltas) == 3:
            cancel.set()
    done = deltas[-1].completion
    assert done is not None and done.finish_reason == "cancelled"
    assert done.completion_tokens < 10


@pytest.mark.slow
def test_concurrent_requests_queue_and_a_cancel_stops_only_its_own(backend: LlamaCppBackend) -> None:
    alone = backend.complete(CAPITAL, GenerationParams(max_tokens=24)).text
    results: dict[str, str] = {}
    cancel = threading.Event()

    def run(name: str, messages: list[Message], event: threading.Event | None) -> None:
        results[name] = backend.complete(messages, GenerationParams(max_tokens=120), event).finish_reason

    story = threading.Thread(target=run, args=("story", STORY, cancel))
    story.start()
    time.sleep(0.3)
    capital = threading.Thread(target=lambda: results.update(capital=backend.complete(CAPITAL, GenerationParams(max_tokens=24)).text))
    capital.start()
    cancel.set()
    story.join(30)
    capital.join(30)
    assert results["story"] == "cancelled"
    assert results["capital"] == alone


@pytest.mark.slow
def test_a_queued_request_cancelled_while_waiting_returns_at_once(backend: LlamaCppBackend) -> None:
    busy = threading.Thread(target=backend.complete, args=(STORY, GenerationParams(max_tokens=150)))
    busy.start()
    time.sleep(0.2)
    cancel = threading.Event()
    cancel.set()
    started = time.perf_counter()
    done = backend.complete(CAPITAL, GenerationParams(max_tokens=24), cancel)
    waited = time.perf_counter() - started
    busy.join(60)
    assert (done.finish_reason, done.text, done.completion_tokens) == ("cancelled", "", 0)
    assert waited < 0.5


@pytest.mark.slow
def test_json_schema_constrains_the_reply(backend: LlamaCppBackend) -> None:
    messages = [Message(role="user", content="Give the name, formula and boiling point of water as JSON.")]
    compound = complete_json(backend, messages, GenerationParams(max_tokens=80), Compound)
    assert isinstance(compound, Compound) and compound.name and compound.formula


@pytest.mark.slow
def test_a_schema_the_grammar_cannot_express_is_a_clear_error(backend: LlamaCppBackend) -> None:
    with pytest.raises(BackendError, match="cannot turn this JSON schema into a grammar"):
        backend.complete(CAPITAL, GenerationParams(max_tokens=8, json_schema={"type": "no-such-type"}))


@pytest.mark.slow
def test_a_grammar_llama_cpp_cannot_parse_is_a_clear_error_not_a_crash(backend: LlamaCppBackend) -> None:
    """The converter writes `\\.` for an escaped dot, which llama.cpp's parser rejects; decoding with
    it killed the process (a segmentation fault). The same pattern with `[.]` decodes."""
    def schema(pattern: str) -> dict:
        return {"type": "object", "properties": {"a": {"type": "string", "pattern": pattern}}, "required": ["a"]}

    with pytest.raises(BackendError, match="could not parse the grammar"):
        backend.complete(CAPITAL, GenerationParams(max_tokens=8, json_schema=schema(r"^a\.b$")))
    assert backend.complete(CAPITAL, GenerationParams(max_tokens=12, json_schema=schema(r"^a[.]b$"))).text.replace(" ", "") == '{"a":"a.b"}'


@pytest.mark.slow
def test_unfinished_json_fails_validation_clearly(backend: LlamaCppBackend) -> None:
    messages = [Message(role="user", content="Describe water as JSON.")]
    with pytest.raises(BackendError, match=r"llamacpp:smollm2-135m-instruct did not return valid Compound JSON"):
        complete_json(backend, messages, GenerationParams(max_tokens=3), Compound)


@pytest.mark.slow
def test_a_call_may_run_without_the_shipped_adapter(backend: LlamaCppBackend) -> None:
    """The default loads the shipped LoRA; `adapter=False` gives the base model's greedy text, and
    switching back gives the adapter's again (the prompt cached under the other weights is dropped)."""
    question = [Message(role="user", content="Explain why ice floats on water.")]
    base_only = make_backend(BackendConfig(adapter="none"), Settings().cache_dir)
    base = base_only.complete(question, GenerationParams(max_tokens=16)).text
    tuned = backend.complete(question, GenerationParams(max_tokens=16)).text
    assert tuned != base
    assert backend.complete(question, GenerationParams(max_tokens=16, adapter=False)).text == base
    assert backend.complete(question, GenerationParams(max_tokens=16)).text == tuned
