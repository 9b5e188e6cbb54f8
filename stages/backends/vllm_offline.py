"""In-process `vllm.LLM` for batch jobs (dataset building, evaluation) on GPU hosts.

vLLM is imported only here and only when this backend is built, so the API and UI processes
never load it. It has no token streaming in this mode: `stream` yields the whole text as one
delta. Engine arguments (tensor_parallel_size, gpu_memory_utilization, max_model_len,
hf_overrides such as {"rope_theta": 1e6} for ChemLLM, ...) come from `BackendConfig.options`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from stages.backends.base import (
    BackendUnavailable,
    Capabilities,
    Completion,
    FinishReason,
    GenerationParams,
    StreamDelta,
)
from stages.config import BackendConfig, get_settings
from stages.messages import Message

MISSING = "vllm is not installed; it runs on GPU hosts: pip install 'tristage[vllm]'"


def import_vllm() -> ModuleType:
    try:
        import vllm
    except ImportError as exc:
        raise BackendUnavailable(MISSING) from exc
    return vllm


def _finish(reason: str | None) -> FinishReason:
    return "length" if reason == "length" else "stop"


class VLLMBackend:
    """One vLLM engine per process (make_backend shares it); conversations are batched by vLLM."""

    name = "vllm"

    def __init__(
        self,
        model: str,
        served_name: str | None = None,
        dtype: str = "auto",
        trust_remote_code: bool = False,
        engine_options: dict[str, Any] | None = None,
    ) -> None:
        self._vllm = import_vllm()
        self.model = served_name or model
        self.capabilities = Capabilities(streaming=False, json_schema=True, local=True)
        try:
            self._llm = self._vllm.LLM(
                model=model, dtype=dtype, trust_remote_code=trust_remote_code, **(engine_options or {})
            )
        except Exception as exc:  # CUDA, memory and model-format failures all surface here
            raise BackendUnavailable(f"vLLM cannot load {model}: {' '.join(str(exc).split())}") from exc

    @classmethod
    def from_config(cls, config: BackendConfig, cache_dir: Path | None = None) -> VLLMBackend:
        """A prepared alias loads from the cache folder; other names are local folders or hub ids."""
        import_vllm()
        from stages.models import ModelError, resolve_model

        try:
            path = resolve_model(config.model, cache_dir or get_settings().cache_dir)
        except ModelError as exc:
            raise BackendUnavailable(str(exc)) from exc
        return cls(
            path,
            served_name=config.model,
            dtype=config.dtype,
            trust_remote_code=config.trust_remote_code,
            engine_options=config.options,
        )

    def sampling_params(self, params: GenerationParams) -> Any:
        """vLLM SamplingParams; `extra_body` keys are SamplingParams fields (top_k, min_p, ...), except
        `chat_template`, which a profile sends for servers and `LLM.chat` takes as its own argument."""
        fields: dict[str, Any] = {
            "temperature": params.temperature,
            "top_p": params.top_p,
            "max_tokens": params.max_tokens,
            "repetition_penalty": params.repetition_penalty,
            "stop": params.stop or None,
            "seed": params.seed,
            **{key: value for key, value in params.extra_body.items() if key != "chat_template"},
        }
        if params.json_schema is not None:
            from vllm.sampling_params import StructuredOutputsParams

            fields["structured_outputs"] = StructuredOutputsParams(json=params.json_schema)
        return self._vllm.SamplingParams(**fields)

    def complete_batch(
        self, conversations: list[list[Message]], params: GenerationParams
    ) -> list[Completion]:
        """All conversations in one vLLM call (continuous batching); latency is the batch's."""
        started = time.perf_counter()
        outputs = self._llm.chat(
            [[m.model_dump() for m in conversation] for conversation in conversations],
            self.sampling_params(params),
            use_tqdm=False,
            chat_template=params.extra_body.get("chat_template"),
        )
        latency = time.perf_counter() - started
        return [
            Completion(
                text=out.outputs[0].text,
                model=self.model,
                prompt_tokens=len(out.prompt_token_ids or []),
                completion_tokens=len(out.outputs[0].token_ids),
                finish_reason=_finish(out.outputs[0].finish_reason),
                latency_s=latency,
            )
            for out in outputs
        ]

    def complete(
        self, messages: list[Message], params: GenerationParams, cancel: threading.Event | None = None
    ) -> Completion:
        if cancel is not None and cancel.is_set():
            return Completion(text="", model=self.model, finish_reason="cancelled")
        return self.complete_batch([messages], params)[0]

    def stream(
        self, messages: list[Message], params: GenerationParams, cancel: threading.Event | None = None
    ) -> Iterator[StreamDelta]:
        """No token streaming offline: the whole text arrives as one delta."""
        completion = self.complete(messages, params, cancel)
        if completion.text:
            yield StreamDelta(text=completion.text)
        yield StreamDelta(completion=completion)
