"""The embedded backend: a transformers chat model in this process (CPU, or a GPU if present).

This module is imported only when the embedded backend is chosen, so torch and transformers
load here at import time. Generation runs in a worker thread that feeds a
`TextIteratorStreamer`; the caller's thread turns its text into deltas, cuts stop strings and
can halt the worker between tokens (a stop string seen, or the caller's `cancel` set).
"""

from __future__ import annotations

import threading
import time
from contextlib import nullcontext
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    PreTrainedModel,
    StoppingCriteria,
    StoppingCriteriaList,
    TextIteratorStreamer,
)

from stages.backends.base import (
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
from stages.messages import Message
from stages.models import ModelError, hub_downloads_allowed, resolve_adapter, resolve_model

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


class _Halt(StoppingCriteria):
    """Stops `generate` at the next token once any of its events is set."""

    def __init__(self, *events: threading.Event | None) -> None:
        self._events = [e for e in events if e is not None]

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs: Any) -> torch.BoolTensor:
        halted = any(e.is_set() for e in self._events)
        return torch.full((input_ids.shape[0],), halted, dtype=torch.bool, device=input_ids.device)


@dataclass
class _Outcome:
    """What the worker thread leaves for the caller's thread."""

    prompt_tokens: int = 0
    generated: list[int] = field(default_factory=list)
    error: BaseException | None = None


def pick_device(device: str) -> str:
    """"auto" means the first GPU when torch sees one, else the CPU."""
    if device != "auto":
        return device
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


class EmbeddedBackend:
    """A local transformers causal LM with a chat template.

    One lock serializes generation on the model: concurrent `generate` calls would compete
    for the same CPU threads (slower for everyone), and a call's `seed` sets torch's global
    RNG, which only stays reproducible when no other call samples in between.
    """

    name = "embedded"

    def __init__(self, hf_model: PreTrainedModel, tokenizer: Any, model: str) -> None:
        if not getattr(tokenizer, "chat_template", None):
            raise BackendUnavailable(f"model {model!r} has no chat template; use an instruct or chat model")
        self.hf_model = hf_model
        self.tokenizer = tokenizer
        self.model = model
        self.capabilities = Capabilities(streaming=True, json_schema=False, local=True)
        self._lock = threading.Lock()
        self._context: int | None = getattr(hf_model.config, "max_position_embeddings", None)
        eos = hf_model.generation_config.eos_token_id
        self._eos = set(eos if isinstance(eos, list) else [] if eos is None else [eos])
        self._pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else next(iter(self._eos), None)

    @classmethod
    def from_config(cls, config: BackendConfig, cache_dir: Path) -> EmbeddedBackend:
        try:
            source = resolve_model(config.model, cache_dir)
            adapter = resolve_adapter(config.adapter, config.model)
        except ModelError as exc:
            raise BackendUnavailable(str(exc)) from exc
        return cls.load(
            source,
            model=config.model,
            device=config.device,
            dtype=config.dtype,
            trust_remote_code=config.trust_remote_code,
            adapter=str(adapter) if adapter is not None else None,
        )

    @classmethod
    def load(
        cls,
        source: str,
        *,
        model: str | None = None,
        device: str = "auto",
        dtype: str = "auto",
        trust_remote_code: bool = False,
        adapter: str | None = None,
    ) -> EmbeddedBackend:
        """Load a folder or hub id (hub ids from the local cache unless HF_HUB_OFFLINE=0)."""
        name = model or source
        if dtype != "auto" and dtype not in DTYPES:
            raise BackendUnavailable(f"unknown dtype {dtype!r}; use auto, {', '.join(DTYPES)}")
        local_only = not hub_downloads_allowed()
        options: dict[str, Any] = {"trust_remote_code": trust_remote_code, "local_files_only": local_only}
        try:
            tokenizer = AutoTokenizer.from_pretrained(source, **options)
            hf_model = AutoModelForCausalLM.from_pretrained(source, dtype=DTYPES.get(dtype, "auto"), **options)
            if adapter:
                from peft import PeftModel

                hf_model = PeftModel.from_pretrained(hf_model, adapter)  # unmerged: a call may run without it
            hf_model = hf_model.to(pick_device(device)).eval()
        except Exception as exc:  # transformers raises many types; all mean "cannot load"
            if local_only and not Path(source).is_dir():
                raise BackendUnavailable(
                    f"model {name!r} is not a prepared alias, a local folder, or in the local Hugging Face "
                    "cache (set HF_HUB_OFFLINE=0 to allow downloading it)"
                ) from exc
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise BackendUnavailable(f"cannot load model {name!r}: {reason}") from exc
        return cls(hf_model, tokenizer, name)

    def render_prompt(self, messages: list[Message]) -> str:
        """The exact text the model sees: the conversation in the model's chat template."""
        try:
            return self.tokenizer.apply_chat_template(
                [m.model_dump() for m in messages], add_generation_prompt=True, tokenize=False
            )
        except Exception as exc:  # a template may reject a role or an order of roles
            raise BackendError(f"model {self.model!r} cannot format this conversation: {exc}") from exc

    def complete(
        self, messages: list[Message], params: GenerationParams, cancel: threading.Event | None = None
    ) -> Completion:
        return complete_by_streaming(self, messages, params, cancel)

    def stream(
        self, messages: list[Message], params: GenerationParams, cancel: threading.Event | None = None
    ) -> Iterator[StreamDelta]:
        started = time.perf_counter()
        prompt = self.render_prompt(messages)
        halt = threading.Event()
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        outcome = _Outcome()
        worker = threading.Thread(
            target=self._generate, args=(prompt, params, streamer, _Halt(halt, cancel), outcome), daemon=True
        )
        worker.start()
        text, stopped = yield from relay(streamer, params.stop, worker, halt, lambda: outcome.error, self.model, cancel)
        completion = Completion(
            text=text,
            model=self.model,
            prompt_tokens=outcome.prompt_tokens,
            completion_tokens=len(outcome.generated),
            finish_reason=local_finish_reason(
                stopped, self._ended_on_eos(outcome.generated), len(outcome.generated), params.max_tokens, cancel
            ),
            latency_s=time.perf_counter() - started,
        )
        yield StreamDelta(completion=completion)

    def _ended_on_eos(self, generated: list[int]) -> bool:
        return bool(generated) and generated[-1] in self._eos

    def _generate(
        self,
        prompt: str,
        params: GenerationParams,
        streamer: TextIteratorStreamer,
        halt: _Halt,
        outcome: _Outcome,
    ) -> None:
        """Worker thread: tokenize and generate under the model lock, feeding the streamer."""
        try:
            without = getattr(self.hf_model, "disable_adapter", None) if not params.adapter else None
            with self._lock, torch.inference_mode(), (without() if without is not None else nullcontext()):
                inputs = self.tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
                prompt_tokens = int(inputs["input_ids"].shape[1])
                budget = token_budget(prompt_tokens, params.max_tokens, self._context, self.model)
                if params.seed is not None:
                    torch.manual_seed(params.seed)
                sequences = self.hf_model.generate(
                    **inputs.to(self.hf_model.device),
                    **self._sampling(params),
                    max_new_tokens=budget,
                    stopping_criteria=StoppingCriteriaList([halt]),
                    pad_token_id=self._pad,
                    streamer=streamer,
                )
                outcome.prompt_tokens = prompt_tokens
                outcome.generated = sequences[0, prompt_tokens:].tolist()
        except BaseException as exc:  # handed to the caller's thread, which raises it
            outcome.error = exc
            streamer.end()

    @staticmethod
    def _sampling(params: GenerationParams) -> dict[str, Any]:
        """Greedy at temperature 0; otherwise nucleus sampling with no top-k cut (as in OpenAI's API)."""
        if params.temperature == 0:
            return {"do_sample": False, "repetition_penalty": params.repetition_penalty}
        return {
            "do_sample": True,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "top_k": 0,
            "repetition_penalty": params.repetition_penalty,
        }
