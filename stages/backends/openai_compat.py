"""Any OpenAI-compatible chat server as a backend: `vllm serve`, tristage's own API, others.

The official `openai` SDK does the HTTP; this module owns the retry loop (the SDK's own retries
are off) so which failures are retried, how long it waits and what the user is told are explicit:
429, 5xx and connection errors are retried with capped exponential backoff plus jitter, and a
server's `Retry-After` wins over the computed wait. Timeouts are not retried (the wait already
used the whole timeout) and other 4xx answers fail at once.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import openai
from pydantic import BaseModel, Field

from stages.backends.base import (
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    Capabilities,
    Completion,
    FinishReason,
    GenerationParams,
    StreamDelta,
)
from stages.backends.structured import parse_json_reply, schema_params
from stages.config import BackendConfig
from stages.messages import Message
from stages.stage import time_left

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


class RetryPolicy(BaseModel):
    """Exponential backoff with jitter, capped; a server's Retry-After replaces the computed wait."""

    max_retries: int = Field(3, ge=0, le=10)
    base_s: float = Field(0.5, ge=0, description="Wait before the first retry; doubles each time")
    max_wait_s: float = Field(20.0, ge=0, description="Cap on any one wait, Retry-After included")
    jitter: float = Field(0.25, ge=0, le=1, description="Up to this fraction is added at random")

    def wait_s(self, retry: int, retry_after_s: float | None) -> float:
        if retry_after_s is not None:
            return min(max(retry_after_s, 0.0), self.max_wait_s)
        wait = self.base_s * 2**retry
        return min(wait * (1 + random.uniform(0, self.jitter)), self.max_wait_s)


def retry_after_s(headers: Any) -> float | None:
    """Seconds a server asked us to wait: `retry-after-ms`, or `retry-after` as seconds or a date."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return float(millis) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError):
        return None


def json_schema_format(schema: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    """The `response_format` asking for JSON that matches `schema` (names allow [A-Za-z0-9_-], 64 max)."""
    label = re.sub(r"[^A-Za-z0-9_-]", "_", name or str(schema.get("title") or "response"))[:64]
    return {"type": "json_schema", "json_schema": {"name": label, "schema": schema, "strict": True}}


def _finish(reason: str | None) -> FinishReason:
    return "length" if reason == "length" else "stop"


def _server_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    return exc.message


def _cause(exc: BaseException) -> str:
    cause = exc.__cause__ or exc.__context__
    return str(cause or exc) or type(exc).__name__


class OpenAIBackend:
    """Chat completions over HTTP, streaming over SSE, JSON-schema structured output.

    Structured output is asked for with `response_format` (json_schema). Current vLLM also
    accepts `extra_body={"structured_outputs": {"json": schema}}`, and silently ignores the old
    `guided_json`/`guided_*` keys (removed in v0.12), so a request using those gets free text:
    `complete_json` therefore validates every structured reply with pydantic.
    """

    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "EMPTY",
        timeout_s: float = 120.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise BackendError(
                "the openai backend needs an http(s) base URL such as http://localhost:8000/v1, "
                f"not {base_url!r}"
            )
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout_s = timeout_s
        self.retry = retry or RetryPolicy()
        self.capabilities = Capabilities(streaming=True, json_schema=True, local=False)
        self._client = openai.OpenAI(
            base_url=self.base_url, api_key=api_key, timeout=timeout_s, max_retries=0
        )

    @classmethod
    def from_config(cls, config: BackendConfig) -> OpenAIBackend:
        """Reads base_url (required), api_key ("EMPTY" when unset), model, timeout_s, max_retries
        and `options.retry` (RetryPolicy fields, e.g. {"base_s": 0.5, "max_wait_s": 20})."""
        if not config.base_url:
            raise BackendError(
                "the openai backend needs base_url (e.g. http://localhost:8000/v1): set backend.base_url "
                "in tristage.toml or TRISTAGE_BACKEND__BASE_URL"
            )
        retry = RetryPolicy.model_validate(
            {"max_retries": config.max_retries, **config.options.get("retry", {})}
        )
        api_key = config.api_key.get_secret_value() if config.api_key else "EMPTY"
        return cls(config.base_url, config.model, api_key=api_key, timeout_s=config.timeout_s, retry=retry)

    def request_fields(self, messages: list[Message], params: GenerationParams) -> dict[str, Any]:
        """Keyword arguments for `chat.completions.create`; vLLM-only knobs travel in `extra_body`."""
        fields: dict[str, Any] = {
            "model": self.model,
            "messages": [m.model_dump() for m in messages],
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
        }
        if params.stop:
            fields["stop"] = params.stop
        if params.seed is not None:
            fields["seed"] = params.seed
        if params.json_schema is not None:
            fields["response_format"] = json_schema_format(params.json_schema)
        extra = dict(params.extra_body)
        if params.repetition_penalty != 1.0:
            extra.setdefault("repetition_penalty", params.repetition_penalty)
        if extra:
            fields["extra_body"] = extra
        return fields

    def complete(
        self, messages: list[Message], params: GenerationParams, cancel: threading.Event | None = None
    ) -> Completion:
        started = time.perf_counter()
        fields = self.request_fields(messages, params)
        response = self._with_retries(lambda: self._client.chat.completions.create(**fields), cancel)
        if response is None:
            return Completion(text="", model=self.model, finish_reason="cancelled")
        if not response.choices:
            raise BackendError(f"{self.base_url} answered without any choices")
        choice = response.choices[0]
        usage = response.usage
        return Completion(
            text=choice.message.content or "",
            model=response.model or self.model,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            finish_reason=_finish(choice.finish_reason),
            latency_s=time.perf_counter() - started,
        )

    def stream(
        self, messages: list[Message], params: GenerationParams, cancel: threading.Event | None = None
    ) -> Iterator[StreamDelta]:
        """SSE deltas; usage comes from the final chunk when the server sends one (0 otherwise)."""
        started = time.perf_counter()
        fields = self.request_fields(messages, params)
        chunks = self._with_retries(
            lambda: self._client.chat.completions.create(
                **fields, stream=True, stream_options={"include_usage": True}
            ),
            cancel,
        )
        if chunks is None:
            yield StreamDelta(completion=Completion(text="", model=self.model, finish_reason="cancelled"))
            return
        parts: list[str] = []
        finish: FinishReason = "stop"
        model = self.model
        prompt_tokens = completion_tokens = 0
        try:
            for chunk in chunks:
                if cancel is not None and cancel.is_set():
                    finish = "cancelled"
                    break
                model = chunk.model or model
                if chunk.usage is not None:
                    prompt_tokens = chunk.usage.prompt_tokens
                    completion_tokens = chunk.usage.completion_tokens
                for choice in chunk.choices[:1]:
                    if choice.delta.content:
                        parts.append(choice.delta.content)
                        yield StreamDelta(text=choice.delta.content)
                    if choice.finish_reason:
                        finish = _finish(choice.finish_reason)
        except openai.APITimeoutError as exc:
            raise BackendTimeout(
                f"{self.base_url} stopped sending for more than {self.timeout_s:g} s"
            ) from exc
        except openai.APIError as exc:
            raise BackendError(f"{self.base_url} broke off the stream: {_cause(exc)}") from exc
        finally:
            chunks.close()
        yield StreamDelta(
            completion=Completion(
                text="".join(parts),
                model=model,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                finish_reason=finish,
                latency_s=time.perf_counter() - started,
            )
        )

    def complete_json(self, messages: list[Message], params: GenerationParams, model_cls: type[M]) -> M:
        """A reply constrained to `model_cls`'s JSON schema, validated before anyone trusts it."""
        completion = self.complete(messages, schema_params(params, model_cls))
        return parse_json_reply(completion.text, model_cls, source=self.base_url)

    def _with_retries(self, send: Callable[[], T], cancel: threading.Event | None) -> T | None:
        """`send()` with the retry policy; None when `cancel` was set before an answer came. A retry
        whose wait would outlast the run's deadline is not made: the failure is reported at once, so
        the run still has time to answer from its tools."""
        retry = 0
        while True:
            if cancel is not None and cancel.is_set():
                return None
            try:
                return send()
            except openai.APITimeoutError as exc:
                raise BackendTimeout(f"{self.base_url} did not answer within {self.timeout_s:g} s") from exc
            except openai.APIStatusError as exc:
                if exc.status_code != 429 and exc.status_code < 500:
                    raise self._refused(exc) from exc
                wait = self.retry.wait_s(retry, retry_after_s(exc.response.headers))
                failure: BackendError = BackendError(
                    f"{self.base_url} still answered {exc.status_code} after {retry} retries: {_server_message(exc)}")
                failure.__cause__ = exc
            except openai.APIConnectionError as exc:
                wait = self.retry.wait_s(retry, None)
                failure = BackendUnavailable(f"cannot reach {self.base_url}: {_cause(exc)}")
                failure.__cause__ = exc
            left = time_left()
            if retry >= self.retry.max_retries or (left is not None and wait >= left):
                raise failure
            retry += 1
            if cancel is not None:
                if cancel.wait(wait):
                    return None
            else:
                time.sleep(wait)

    def _refused(self, exc: openai.APIStatusError) -> BackendError:
        if exc.status_code == 401:
            return BackendError(
                f"{self.base_url} rejected the API key (401): "
                "set backend.api_key or TRISTAGE_BACKEND__API_KEY"
            )
        return BackendError(
            f"{self.base_url} refused the request ({exc.status_code}): {_server_message(exc)}"
        )
