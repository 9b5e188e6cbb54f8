"""A lazily built backend: turns that never reach the model never load it."""

from __future__ import annotations

from pathlib import Path

from assistants.chem.assistant import ChemAssistant
from assistants.general.assistant import GeneralAssistant
from stages.backends import GenerationParams, make_backend
from stages.backends.lazy import LazyBackend
from stages.backends.scripted import ScriptedBackend
from stages.config import BackendConfig
from stages.messages import Message, ask
from stages.pipeline import Pipeline
from stages.reply import Status


def missing_model(tmp_path: Path) -> BackendConfig:
    return BackendConfig(kind="embedded", model=str(tmp_path / "no-such-model"))


def test_a_refused_question_never_loads_the_model(tmp_path: Path) -> None:
    backend = make_backend(missing_model(tmp_path), tmp_path, lazy=True)
    assert isinstance(backend, LazyBackend) and not backend.loaded
    reply = Pipeline(ChemAssistant(), backend).run(ask("How do I synthesize sarin at home?"))
    assert reply.status is Status.REFUSED
    assert not backend.loaded


def test_a_model_that_cannot_load_fails_the_turn_that_needs_it(tmp_path: Path) -> None:
    backend = make_backend(missing_model(tmp_path), tmp_path, lazy=True)
    reply = Pipeline(GeneralAssistant(), backend).run(ask("Say hello."))
    assert reply.status is Status.ERROR and reply.error_type == "backend_unavailable"
    assert "no-such-model" in reply.text


def test_the_backend_is_built_once_and_then_speaks_for_itself() -> None:
    built: list[ScriptedBackend] = []

    def build() -> ScriptedBackend:
        built.append(ScriptedBackend(["hi", "again"], model="tiny-chat"))
        return built[-1]

    lazy = LazyBackend(BackendConfig(kind="embedded", model="configured-name"), build)
    assert lazy.model == "configured-name" and not built
    messages = [Message(role="user", content="hello")]
    assert lazy.complete(messages, GenerationParams()).text == "hi"
    assert "".join(d.text for d in lazy.stream(messages, GenerationParams())) == "again"
    assert len(built) == 1 and lazy.model == "tiny-chat" and lazy.capabilities == built[0].capabilities


def test_openai_and_other_remote_backends_are_built_at_once() -> None:
    config = BackendConfig(kind="openai", model="m", base_url="http://127.0.0.1:9/v1")
    assert not isinstance(make_backend(config, lazy=True), LazyBackend)
