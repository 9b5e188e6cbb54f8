"""VLLMBackend: the missing-vllm path runs everywhere; real generation only on a GPU host with vllm
installed (`pip install 'tristage[vllm]'`), which `make test` never sets up: there those tests skip."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from stages.backends import make_backend
from stages.backends.base import BackendUnavailable, GenerationParams
from stages.backends.vllm_offline import MISSING, VLLMBackend
from stages.config import BackendConfig
from stages.messages import Message

HAS_VLLM = importlib.util.find_spec("vllm") is not None


def test_missing_vllm_is_a_clear_unavailable_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "vllm", None)  # `import vllm` fails here even where it is installed
    with pytest.raises(BackendUnavailable) as caught:
        make_backend(BackendConfig(kind="vllm"))
    assert str(caught.value) == MISSING
    with pytest.raises(BackendUnavailable, match=r"pip install 'tristage\[vllm\]'"):
        VLLMBackend("HuggingFaceTB/SmolLM2-135M-Instruct")


@pytest.fixture(scope="module")
def gpu_backend() -> VLLMBackend:
    if not HAS_VLLM:
        pytest.skip("vllm is not installed (GPU hosts only)")
    import torch

    if not torch.cuda.is_available():
        pytest.skip("vllm needs a GPU")
    backend = make_backend(
        BackendConfig(kind="vllm", options={"gpu_memory_utilization": 0.3, "max_model_len": 2048})
    )
    assert isinstance(backend, VLLMBackend)
    return backend


QUESTION = [Message(role="user", content="Name the capital of France in one word.")]


@pytest.mark.slow
def test_vllm_completes_and_batches(gpu_backend: VLLMBackend) -> None:
    completion = gpu_backend.complete(QUESTION, GenerationParams(max_tokens=16))
    assert completion.text.strip() and completion.prompt_tokens > 0 and completion.completion_tokens > 0
    batch = gpu_backend.complete_batch([QUESTION] * 3, GenerationParams(max_tokens=16))
    assert len(batch) == 3 and all(c.text.strip() and c.completion_tokens > 0 for c in batch)
    short = gpu_backend.complete(QUESTION, GenerationParams(max_tokens=1))
    assert short.finish_reason == "length" and short.completion_tokens == 1
    deltas = list(gpu_backend.stream(QUESTION, GenerationParams(max_tokens=16)))
    final = deltas[-1].completion
    assert final is not None and [d.text for d in deltas[:-1]] == [final.text]


@pytest.mark.slow
def test_vllm_structured_output_follows_the_schema(gpu_backend: VLLMBackend) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    completion = gpu_backend.complete(QUESTION, GenerationParams(max_tokens=32, json_schema=schema))
    assert isinstance(json.loads(completion.text)["city"], str)


def test_a_profiles_chat_template_goes_to_chat_not_to_the_sampling_params() -> None:
    backend = VLLMBackend.__new__(VLLMBackend)  # no engine: only the parameter mapping is under test
    backend._vllm = type("FakeVllm", (), {"SamplingParams": staticmethod(lambda **fields: fields)})
    fields = backend.sampling_params(GenerationParams(max_tokens=8, extra_body={"chat_template": "{{ x }}", "top_k": 5}))
    assert fields["top_k"] == 5 and "chat_template" not in fields
