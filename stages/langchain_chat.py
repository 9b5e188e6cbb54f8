"""tristage assistants as LangChain chat models, and domain tools as LangChain tools.

`TristageChatModel` wraps a Pipeline (assistant + backend), so LangChain code can `invoke`,
`stream`, `batch` an assistant and compose it in chains; each answer carries the run's status,
structured result and trace in `response_metadata`.

Streaming rule: no draft that verification could still reject is ever shown. Tokens are held
until the run ends; then the final attempt's tokens are yielded one by one for as long as they
spell the start of the reply text, and the rest of the reply (a disclaimer, "Not verified" notes,
or the whole text of a corrected, refused or failed reply) follows as one chunk. The chunks
therefore always add up to exactly the text `invoke` returns; the last chunk carries the metadata.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.tools import StructuredTool, ToolException
from pydantic import BaseModel, Field, ValidationError

from stages.backends.base import Backend
from stages.events import Final, Token
from stages.messages import Attachment, Message, Request, RunOptions
from stages.pipeline import Pipeline
from stages.reply import Reply, Status
from stages.stage import Assistant

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


class TristageError(RuntimeError):
    """A run ended with status `error` and the model was asked to raise; `reply` has the details."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(f"{reply.assistant}: {reply.error_type or 'error'}: {reply.reason}")
        self.reply = reply


def from_langchain(message: BaseMessage) -> Message:
    """A LangChain message as an engine message; tool and function messages have no place here."""
    role = _ROLES.get(message.type) or (getattr(message, "role", None) if message.type == "chat" else None)
    if role not in ("system", "user", "assistant"):
        raise ValueError(
            f"tristage assistants read system, human and AI messages, not {message.type!r} messages"
        )
    return Message(role=role, content=str(message.text))


def reply_metadata(reply: Reply, model: str) -> dict[str, Any]:
    """What LangChain callers find in `response_metadata`: the reply's public fields but the text."""
    public = reply.public()
    return {"model_name": model, **{k: v for k, v in public.items() if k not in ("answer", "usage")}}


def reply_usage(reply: Reply) -> UsageMetadata:
    usage = reply.usage
    return UsageMetadata(
        input_tokens=usage.prompt_tokens,
        output_tokens=usage.completion_tokens,
        total_tokens=usage.total_tokens,
    )


def answer_pieces(reply_text: str, tokens: list[str]) -> list[str]:
    """The final draft's tokens while they spell the start of the reply, then the rest in one piece."""
    pieces: list[str] = []
    at = 0
    for token in tokens:
        if at == 0:
            token = token.lstrip()  # a reply is the stripped draft
            if not token:
                continue
        if not reply_text.startswith(token, at):
            break
        pieces.append(token)
        at += len(token)
    if at < len(reply_text):
        pieces.append(reply_text[at:])
    return pieces


class TristageChatModel(BaseChatModel):
    """An assistant on a backend as a LangChain chat model.

    Call-time keyword arguments set RunOptions fields (e.g. `max_repairs=0`, `tools=False`) and
    `attachments` (a list of Attachment or dicts). Stop sequences are refused: an answer is
    verified as a whole, so cutting it afterwards would ship text nobody checked.
    """

    pipeline: Pipeline
    options: RunOptions = Field(default_factory=RunOptions)
    raise_on_error: bool = Field(False, description="Raise TristageError instead of returning error replies")

    @classmethod
    def of(cls, assistant: Assistant, backend: Backend, **kwargs: Any) -> TristageChatModel:
        return cls(pipeline=Pipeline(assistant, backend), **kwargs)

    @property
    def _llm_type(self) -> str:
        return "tristage"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        backend = self.pipeline.backend
        return {"assistant": self.pipeline.assistant.name, "backend": backend.name, "model": backend.model}

    def request(self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]) -> Request:
        """The engine request for one LangChain call."""
        if stop:
            raise ValueError("tristage assistants take no stop sequences: an answer is verified as a whole")
        options = dict(kwargs)
        attachments = options.pop("attachments", [])
        unknown = sorted(set(options) - set(RunOptions.model_fields))
        if unknown:
            known = ", ".join(["attachments", *RunOptions.model_fields])
            raise ValueError(f"unknown option(s) {', '.join(unknown)}; known: {known}")
        return Request(
            messages=[from_langchain(m) for m in messages],
            attachments=[Attachment.model_validate(a) for a in attachments],
            options=RunOptions.model_validate({**self.options.model_dump(), **options}),
        )

    def _checked(self, reply: Reply) -> Reply:
        if self.raise_on_error and reply.status is Status.ERROR:
            raise TristageError(reply)
        return reply

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        reply = self._checked(self.pipeline.run(self.request(messages, stop, kwargs)))
        metadata = reply_metadata(reply, self.pipeline.backend.model)
        message = AIMessage(content=reply.text, response_metadata=metadata, usage_metadata=reply_usage(reply))
        return ChatResult(generations=[ChatGeneration(message=message, generation_info=metadata)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        drafts: dict[int, list[str]] = {}
        reply: Reply | None = None
        for event in self.pipeline.stream(self.request(messages, stop, kwargs)):
            if isinstance(event, Token):
                drafts.setdefault(event.attempt, []).append(event.text)
            elif isinstance(event, Final):
                reply = event.reply
        assert reply is not None, "a pipeline stream always ends with Final"
        reply = self._checked(reply)
        final_tokens = drafts[max(drafts)] if drafts else []
        for piece in answer_pieces(reply.text, final_tokens):
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece))
        metadata = reply_metadata(reply, self.pipeline.backend.model)
        yield ChatGenerationChunk(
            message=AIMessageChunk(content="", usage_metadata=reply_usage(reply), chunk_position="last"),
            generation_info=metadata,
        )


def _plain(value: Any) -> Any:
    """Tool results as JSON-ready data, so agents read fields rather than a Python repr."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _invalid_arguments(exc: ValidationError) -> str:
    """Which arguments were wrong and why, so an agent can fix its call."""
    problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors())
    return f"invalid arguments: {problems}"


def tool_from_function(fn: Callable[..., Any], name: str | None = None) -> StructuredTool:
    """A pure domain tool as a LangChain tool: arguments from its type hints, description and
    argument help from its (Google-style) docstring. Bad input (ValueError, or arguments that do not
    fit the schema) is returned to the agent as the tool's answer, so it can correct the call
    instead of the run failing."""

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return _plain(fn(*args, **kwargs))
        except ValueError as exc:
            raise ToolException(str(exc)) from exc

    return StructuredTool.from_function(
        call,
        name=name or fn.__name__,
        parse_docstring=True,
        error_on_invalid_docstring=False,
        handle_tool_error=True,
        handle_validation_error=_invalid_arguments,
    )
