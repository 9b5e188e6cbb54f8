"""VLLMBackend: the missing-vllm path runs in the main environment; real generation runs in vLLM's CPU
build, which `make test` installs in an environment of its own (GPU hosts install the `vllm` extra)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from serve.vllm import get_profile
from serve.vllm_env import default_env
from stages.backends import make_backend
from stages.backends.base import BackendUnavailable, GenerationParams
from stages.backends.vllm_offline import MISSING, VLLMBackend
from stages.config import BackendConfig, Settings
from stages.models import model_dir

ROOT = Path(__file__).resolve().parents[3]


def test_missing_vllm_is_a_clear_unavailable_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "vllm", None)  # `import vllm` fails here even where it is installed
    with pytest.raises(BackendUnavailable) as caught:
        make_backend(BackendConfig(kind="vllm"))
    assert str(caught.value) == MISSING
    with pytest.raises(BackendUnavailable, match=r"pip install 'tristage\[vllm\]'"):
        VLLMBackend("HuggingFaceTB/SmolLM2-135M-Instruct")


RUN = """
import json, sys
from pathlib import Path
from stages.backends.base import GenerationParams
from stages.backends.vllm_offline import VLLMBackend
from stages.messages import Message


def main() -> None:
    backend = VLLMBackend(sys.argv[1], served_name="smol", dtype="bfloat16", engine_options={"max_model_len": 2048})
    question = [Message(role="user", content="Name the capital of France in one word.")]
    one = backend.complete(question, GenerationParams(max_tokens=16))
    batch = backend.complete_batch([question] * 3, GenerationParams(max_tokens=16))
    short = backend.complete(question, GenerationParams(max_tokens=1))
    schema = {"type": "object", "properties": {"city": {"type": "string", "maxLength": 40}}, "required": ["city"]}
    shaped = backend.complete(question, GenerationParams(max_tokens=32, json_schema=schema))
    deltas = list(backend.stream(question, GenerationParams(max_tokens=16)))
    Path(sys.argv[2]).write_text(json.dumps({"one": one.model_dump(), "batch": [c.model_dump() for c in batch],
                      "short": short.model_dump(), "shaped": shaped.text,
                      "deltas": [d.text for d in deltas[:-1]], "final": deltas[-1].completion.text}))


if __name__ == "__main__":  # vLLM's engine process is spawned, so the script must be importable
    main()
"""


@pytest.mark.slow
def test_the_in_process_engine_completes_batches_and_follows_a_schema(tmp_path: Path) -> None:
    """The backend itself (not only its parameter mapping) on vLLM's CPU build, in the environment
    `tristage vllm install` makes: the main environment never has vllm, GPU hosts add it."""
    cache_dir = Settings().cache_dir
    python = default_env(cache_dir).require()
    script = tmp_path / "run_vllm_backend.py"
    script.write_text(RUN, encoding="utf-8")
    env = {**os.environ, **get_profile("cpu").environment, "PYTHONPATH": str(ROOT)}
    out = tmp_path / "result.json"  # vLLM logs to stdout too
    done = subprocess.run([str(python), str(script), str(model_dir(cache_dir)), str(out)], capture_output=True, text=True,
                          timeout=900, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    one = result["one"]
    assert one["text"].strip() and one["prompt_tokens"] > 0 and one["completion_tokens"] > 0
    assert one["model"] == "smol" and one["finish_reason"] in {"stop", "length"}
    assert len(result["batch"]) == 3 and all(c["text"].strip() and c["completion_tokens"] > 0 for c in result["batch"])
    assert result["short"]["finish_reason"] == "length" and result["short"]["completion_tokens"] == 1
    assert isinstance(json.loads(result["shaped"])["city"], str)
    assert result["deltas"] == [result["final"]]

def test_a_profiles_chat_template_goes_to_chat_not_to_the_sampling_params() -> None:
    backend = VLLMBackend.__new__(VLLMBackend)  # no engine: only the parameter mapping is under test
    backend._vllm = type("FakeVllm", (), {"SamplingParams": staticmethod(lambda **fields: fields)})
    fields = backend.sampling_params(GenerationParams(max_tokens=8, extra_body={"chat_template": "{{ x }}", "top_k": 5}))
    assert fields["top_k"] == 5 and "chat_template" not in fields
