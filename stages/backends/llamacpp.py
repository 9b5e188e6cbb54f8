"""The llamacpp backend: a GGUF chat model run by llama.cpp (llama-cpp-python) in this process.

It reads the quantized GGUF as shipped (no float32 copy) and decodes SmolLM2-135M about ten
times faster than transformers on a small CPU. The chat template is the one stored in the GGUF.
Generation runs in a worker thread that owns the model while it decodes; the caller's thread
turns its pieces into deltas, cuts stop strings and can halt it between tokens. One model per
process serves every request in turn (a lock): llama.cpp already spreads one decode over all
cores, so running two at once would only slow both. A request waiting its turn can be cancelled
without disturbing the one that is decoding.

`load_or_fall_back` is what `make_backend` calls: when llama.cpp cannot serve the config (not
installed or failed to build, a transformers folder or hub id, a cache prepared before GGUFs were
kept) it says why and builds the transformers backend instead. A LoRA adapter (the shipped one by
default) is converted once to a GGUF LoRA (stages/gguf_lora.py) and applied by llama.cpp.
"""

from __future__ import annotations

import codecs
import ctypes
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

from stages.backends.base import (
    Backend,
    BackendError,
    BackendUnavailable,
    Capabilities,
    Completion,
    GenerationParams,
    relay,
    StreamDelta,
    complete_by_streaming,
    local_finish_reason,
    token_budget,
)
from stages.config import BackendConfig
from stages.cores import usable_cores
from stages.messages import Message
from stages.gguf_lora import AdapterError, convert_adapter
from stages.models import ModelError, model_dir, read_manifest, resolve_adapter, resolve_gguf

log = logging.getLogger(__name__)

MISSING = (
    "llama-cpp-python is not installed or did not build ({reason}); install it with "
    "`pip install 'tristage[llamacpp]'` (builds from source: needs a C++ compiler and cmake, ~5 min)"
)
_LOCK_POLL_S = 0.05  # how often a queued request checks whether it was cancelled


def import_llama_cpp() -> ModuleType:
    """llama_cpp, with OpenMP's idle threads sleeping instead of spinning (set before its first
    import, so it only helps where llama_cpp loads before torch): on a CPU shared with other work,
    spinning threads made 2-thread decoding 7x slower than sleeping ones (6 vs 42 tokens/s)."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import llama_cpp
    except (ImportError, OSError) as exc:  # OSError: the shared library is there but cannot load
        raise BackendUnavailable(MISSING.format(reason=str(exc).strip() or type(exc).__name__)) from exc
    return llama_cpp


def decode_threads() -> int:
    """All usable cores but one, which stays free for the rest of the turn (tools, retrieval, HTTP).

    Measured on a 2-core machine shared with other work: 1 thread decoded 48-82 tokens/s where 2
    threads gave 38-53 with sleeping OpenMP threads and 6 with spinning ones."""
    return max(1, usable_cores() - 1)


@lru_cache(maxsize=32)
def _gbnf(schema_json: str) -> str:
    """The grammar for a JSON schema (converted once per schema; the conversion is pure Python)."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    return json_schema_to_gbnf(schema_json)


_DONE = None  # the worker's last queue item


@dataclass
class _Request:
    """One generation, shared by the caller's thread and the worker that decodes it."""

    tokens: list[int]
    params: GenerationParams
    budget: int
    grammar: Any
    events: tuple[threading.Event | None, ...]
    pieces: queue.SimpleQueue[str | None] = field(default_factory=queue.SimpleQueue)
    generated: int = 0
    ended_on_eos: bool = False
    error: BaseException | None = None

    @property
    def halted(self) -> bool:
        """The caller stopped reading or cancelled."""
        return any(e is not None and e.is_set() for e in self.events)


class LlamaCppBackend:
    """A GGUF chat model on llama.cpp; `json_schema` requests decode under a grammar."""

    name = "llamacpp"

    def __init__(self, llama: Any, model: str) -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self._llama_cpp = import_llama_cpp()
        template = llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise BackendUnavailable(f"model {model!r} has no chat template in its GGUF; use an instruct or chat model")
        self.llama = llama
        self.model = model
        self.capabilities = Capabilities(streaming=True, json_schema=True, local=True)
        self._vocab = self._llama_cpp.llama_model_get_vocab(llama.model)
        self._format = Jinja2ChatFormatter(
            template=template, bos_token=self._token_text(llama.token_bos()), eos_token=self._token_text(llama.token_eos())
        )
        self.context = int(llama.n_ctx())
        self._lock = threading.Lock()
        self._adapter_on = getattr(llama, "_lora_adapter", None) is not None

    @classmethod
    def from_config(cls, config: BackendConfig, cache_dir: Path) -> LlamaCppBackend:
        try:
            path = resolve_gguf(config.model, cache_dir)
        except ModelError as exc:
            raise BackendUnavailable(str(exc)) from exc
        if path is None:
            raise BackendUnavailable(f"model {config.model!r} is not a GGUF file or a prepared alias")
        try:
            adapter = resolve_adapter(config.adapter, config.model)
            lora = convert_adapter(adapter, path, path.parent / "adapters") if adapter is not None else None
        except (ModelError, AdapterError) as exc:
            raise BackendUnavailable(str(exc)) from exc
        return cls.load(
            path,
            model=config.model,
            context_length=config.context_length,
            threads=config.threads,
            gpu_layers=int(config.options.get("gpu_layers", 0)),
            lora=lora,
        )

    @classmethod
    def load(
        cls,
        path: Path,
        *,
        model: str | None = None,
        context_length: int | None = None,
        threads: int | None = None,
        gpu_layers: int = 0,
        lora: Path | None = None,
    ) -> LlamaCppBackend:
        """Load a GGUF file, with a GGUF LoRA applied when `lora` is given; context 0/None means the
        model's own; `threads` None means `decode_threads()` to decode and every core to read the
        prompt, which is one compute-bound burst while nothing else in the turn runs (2 threads read
        a 364-token prompt 1.25x faster than 1 on a loaded 2-core machine)."""
        llama_cpp = import_llama_cpp()
        try:
            llama = llama_cpp.Llama(
                model_path=str(path),
                n_ctx=context_length or 0,
                n_threads=threads or decode_threads(),
                n_threads_batch=threads or usable_cores(),
                n_gpu_layers=gpu_layers,
                lora_path=str(lora) if lora is not None else None,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:  # llama-cpp-python's "failed to load model"
            raise BackendUnavailable(f"cannot load GGUF {path}: {str(exc).strip() or type(exc).__name__}") from exc
        return cls(llama, model or str(path))

    def _token_text(self, token: int) -> str:
        """A special token as the chat template writes it ("" when the model has none)."""
        return self.llama.detokenize([token], special=True).decode("utf-8", "replace") if token >= 0 else ""

    def render_prompt(self, messages: list[Message]) -> str:
        """The exact text the model sees: the conversation in the GGUF's chat template."""
        try:
            return self._format(messages=[m.model_dump() for m in messages]).prompt
        except Exception as exc:  # a template may reject a role or an order of roles
            raise BackendError(f"model {self.model!r} cannot format this conversation: {exc}") from exc

    def prompt_tokens(self, messages: list[Message]) -> list[int]:
        """The prompt as token ids; the template itself writes any BOS the model wants."""
        return self.llama.tokenize(self.render_prompt(messages).encode("utf-8"), add_bos=False, special=True)

    def complete(
        self, messages: list[Message], params: GenerationParams, cancel: threading.Event | None = None
    ) -> Completion:
        return complete_by_streaming(self, messages, params, cancel)

    def stream(
        self, messages: list[Message], params: GenerationParams, cancel: threading.Event | None = None
    ) -> Iterator[StreamDelta]:
        started = time.perf_counter()
        tokens = self.prompt_tokens(messages)
        budget = token_budget(len(tokens), params.max_tokens, self.context, self.model)
        halt = threading.Event()
        request = _Request(tokens, params, budget, self._grammar(params.json_schema), (halt, cancel))
        worker = threading.Thread(target=self._generate, args=(request,), daemon=True)
        worker.start()
        text, stopped = yield from relay(iter(request.pieces.get, _DONE), params.stop, worker, halt,
                                         lambda: request.error, self.model)
        completion = Completion(
            text=text,
            model=self.model,
            prompt_tokens=len(tokens),
            completion_tokens=request.generated,
            finish_reason=local_finish_reason(
                stopped, request.ended_on_eos, request.generated, params.max_tokens, cancel
            ),
            latency_s=time.perf_counter() - started,
        )
        yield StreamDelta(completion=completion)

    def _grammar(self, schema: dict[str, Any] | None) -> Any:
        if schema is None:
            return None
        from llama_cpp import LlamaGrammar

        try:
            grammar = LlamaGrammar.from_string(_gbnf(json.dumps(schema, sort_keys=True)), verbose=False)
        except Exception as exc:  # the converter rejects schema features it does not support
            raise BackendError(f"llama.cpp cannot turn this JSON schema into a grammar: {exc}") from exc
        self._check_grammar(grammar)
        return grammar

    def _check_grammar(self, grammar: Any) -> None:
        """Parse the grammar once before decoding with it: llama.cpp takes a grammar it cannot parse
        (the converter writes some escapes, such as `\\.`, that its own parser rejects) as a null
        sampler and the process dies with a segmentation fault in the middle of a request."""
        sampler = self._llama_cpp.llama_sampler_init_grammar(self._vocab, grammar._grammar.encode("utf-8"), b"root")
        if not sampler:
            raise BackendError("llama.cpp could not parse the grammar made from this JSON schema")
        self._llama_cpp.llama_sampler_free(sampler)

    def _generate(self, request: _Request) -> None:
        """Worker thread: wait for the model (or a cancel), decode, then mark the queue done."""
        try:
            while not self._lock.acquire(timeout=_LOCK_POLL_S):
                if request.halted:
                    return
            try:
                self._decode(request)
            finally:
                self._lock.release()
        except BaseException as exc:  # handed to the caller's thread, which raises it
            request.error = exc
        finally:
            request.pieces.put(_DONE)

    def _decode(self, request: _Request) -> None:
        """One queue item per token's text; stops at an end-of-generation token, the budget or a halt."""
        llama, llama_cpp = self.llama, self._llama_cpp
        self._use_adapter(request.params.adapter)
        seed = request.params.seed
        llama.set_seed(seed if seed is not None else llama_cpp.LLAMA_DEFAULT_SEED)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        sampling = self._sampling(request.params)
        with closing(llama.generate(request.tokens, grammar=request.grammar, **sampling)) as generated:
            for token in generated:
                if llama_cpp.llama_vocab_is_eog(self._vocab, token):
                    request.ended_on_eos = True
                    break
                request.generated += 1
                if text := decoder.decode(llama.detokenize([token])):
                    request.pieces.put(text)
                if request.generated >= request.budget or request.halted:
                    break
        if text := decoder.decode(b"", final=True):
            request.pieces.put(text)

    def _use_adapter(self, wanted: bool) -> None:
        """Switch the loaded LoRA on or off for the next call (under the lock); the cached prompt was read
        with the other weights, so it is dropped."""
        adapter = getattr(self.llama, "_lora_adapter", None)
        if adapter is None or wanted == self._adapter_on:
            return
        llama_cpp = self._llama_cpp
        if wanted:
            status = llama_cpp.llama_set_adapters_lora(self.llama.ctx, (llama_cpp.llama_adapter_lora_p_ctypes * 1)(adapter), 1,
                                                       (ctypes.c_float * 1)(self.llama.lora_scale))
        else:
            status = llama_cpp.llama_set_adapters_lora(self.llama.ctx, None, 0, None)
        if status:
            raise BackendError(f"llama.cpp could not switch the LoRA adapter {'on' if wanted else 'off'} (status {status})")
        self.llama.reset()
        self._adapter_on = wanted

    @staticmethod
    def _sampling(params: GenerationParams) -> dict[str, Any]:
        """Greedy at temperature 0; otherwise nucleus sampling with no top-k or min-p cut (as in
        OpenAI's API). The repetition penalty covers the last 64 tokens (llama.cpp's window)."""
        return {
            "temp": params.temperature,
            "top_p": params.top_p,
            "top_k": 0,
            "min_p": 0.0,
            "typical_p": 1.0,
            "repeat_penalty": params.repetition_penalty,
        }


def load_or_fall_back(config: BackendConfig, cache_dir: Path) -> Backend:
    """llama.cpp when it can serve `config`; otherwise the transformers backend, saying why."""
    reason = _why_not_llamacpp(config, cache_dir)
    if reason is None:
        return LlamaCppBackend.from_config(config, cache_dir)
    log.warning("%s; using the transformers backend instead", reason)
    from stages.backends.embedded import EmbeddedBackend

    return EmbeddedBackend.from_config(config, cache_dir)


def _why_not_llamacpp(config: BackendConfig, cache_dir: Path) -> str | None:
    """Why llama.cpp cannot serve `config`, or None when it can (a missing GGUF is its own error)."""
    try:
        path = resolve_gguf(config.model, cache_dir)
    except ModelError as exc:
        if read_manifest(model_dir(cache_dir, config.model)) is not None:
            return f"the GGUF of {config.model!r} is not prepared (run `tristage models pull`)"
        raise BackendUnavailable(str(exc)) from exc
    if path is None:
        return f"model {config.model!r} is not a GGUF file"
    try:
        import_llama_cpp()
    except BackendUnavailable as exc:
        return str(exc)
    return None
