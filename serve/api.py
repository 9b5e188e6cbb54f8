"""The OpenAI-compatible API: /v1/models, /v1/chat/completions (JSON and SSE), /health.

Handlers stay thin: parse and check the request, take a slot at the gate, run the pipeline in a
worker thread (serve.runner) and shape its reply as OpenAI's schema plus the `tristage` field.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi import Request as HttpRequest
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from sse_starlette import EventSourceResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistants.registry import UnknownAssistant
from serve.errors import error_body, error_response, redact, reply_status
from serve.limits import OverLimit
from serve.pipelines import Pipelines, UnknownBackend
from serve.runner import Busy, Gate, Run, start
from serve.schemas import (
    ChatCompletionRequest,
    chunk,
    completion_body,
    extension,
    finish_reason,
    to_engine_request,
    usage,
)
from stages.events import CheckDone, Event, Final, StageFinished, StageStarted, Token
from stages.pipeline import one_line
from stages.models import served_adapter
from stages.reply import Status

log = logging.getLogger("tristage.serve")


class ApiError(Exception):
    """A refused request, answered with OpenAI's error shape."""

    def __init__(self, status: int, message: str, code: str | None = None, param: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param, self.headers = status, message, code, param, headers


def request_id(http: HttpRequest) -> str:
    return str(getattr(http.state, "request_id", ""))


def has_key(http: HttpRequest) -> bool:
    """Whether the request carries the API key (always true when none is configured)."""
    expected: str | None = http.app.state.api_key
    if not expected:
        return True
    scheme, _, given = http.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected.encode())


def client_id(http: HttpRequest) -> str:
    """Who is asking, for per-client limits: the caller's address."""
    return f"api:{http.client.host if http.client else 'unknown'}"


def require_key(http: HttpRequest) -> None:
    """Bearer auth on /v1 when an API key is configured."""
    if not has_key(http):
        raise ApiError(401, "Missing or invalid API key: send 'Authorization: Bearer <key>'.",
                       code="invalid_api_key", headers={"WWW-Authenticate": "Bearer"})


router = APIRouter(prefix="/v1", dependencies=[Depends(require_key)])


@router.get("/models")
async def list_models(http: HttpRequest) -> dict[str, Any]:
    pipelines: Pipelines = http.app.state.pipelines
    served = await asyncio.to_thread(pipelines.available)
    created = http.app.state.started
    return {
        "object": "list",
        "data": [
            {"id": name, "object": "model", "created": created, "owned_by": "tristage", "description": text,
             "served_by": {"kind": config.kind, "model": config.model}
             | ({"adapter": adapter} if (adapter := served_adapter(config.kind, config.model, config.adapter)) else {})}
            for name, text in served.items()
            for config in [pipelines.backend_config(name)]
        ],
    }


async def read_body(http: HttpRequest, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes `limit` bytes."""
    declared = http.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"The request body is {int(declared):,} bytes; the limit is {limit:,}.",
                       code="request_too_large")
    body = bytearray()
    async for piece in http.stream():
        body += piece
        if len(body) > limit:
            raise ApiError(413, f"The request body is over the limit of {limit:,} bytes.", code="request_too_large")
    return bytes(body)


def parse_chat(body: bytes) -> ChatCompletionRequest:
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"The body is not valid JSON: {exc}", code="invalid_json") from None
    try:
        return ChatCompletionRequest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        param = ".".join(str(part) for part in first["loc"])
        raise ApiError(400, f"{param}: {first['msg']}", code="invalid_request", param=param) from None


@router.post("/chat/completions", response_model=None)
async def chat_completions(http: HttpRequest) -> Response:
    state = http.app.state
    chat = parse_chat(await read_body(http, state.max_body_bytes))
    rid = request_id(http)
    try:
        engine_request = to_engine_request(chat, rid, state.limits, client_id(http))
    except OverLimit as exc:
        raise ApiError(400, str(exc), code="over_limit", param=exc.param) from None
    except (ValueError, ValidationError) as exc:
        raise ApiError(400, one_line(exc), code="invalid_request") from None
    pipelines: Pipelines = state.pipelines
    try:
        pipeline = pipelines.cached(chat.model, chat.backend) or await asyncio.to_thread(
            pipelines.get, chat.model, pipelines.backend_config(chat.model, chat.backend)
        )
    except UnknownAssistant as exc:
        raise ApiError(404, str(exc).strip("'\""), code="model_not_found", param="model") from None
    except UnknownBackend as exc:
        raise ApiError(400, str(exc).strip("'\""), code="unknown_backend", param="backend") from None
    except Exception as exc:  # the backend could not be built: model missing, bad config
        log.warning("[%s] the %s backend could not be built: %s", rid, chat.model, one_line(exc))
        raise ApiError(503, f"The {chat.model} backend is unavailable (request id {rid}; the server log has "
                            "the detail).", code="backend_unavailable") from None
    try:
        run = await start(state.gate, pipeline, engine_request, progress=chat.stream)
    except Busy as exc:
        raise ApiError(429, f"Too many requests: {exc}.", code="too_many_requests",
                       headers={"Retry-After": "1"}) from None
    if chat.stream:
        include_usage = bool(chat.stream_options and chat.stream_options.include_usage)
        return EventSourceResponse(stream_chunks(run, chat.model, rid, include_usage), ping=15, sep="\n")
    reply = await run.reply(http.is_disconnected)
    if reply is None:
        log.info("[%s] client disconnected; run cancelled", rid)
        return Response(status_code=499)
    reply = redact(reply, rid)
    if reply.status is Status.ERROR:
        status, _ = reply_status(reply.error_type)
        return error_response(status, reply.text, code=reply.error_type, tristage=extension(reply, rid))
    return JSONResponse(completion_body(reply, chat.model, rid))


def event_payload(event: Event) -> dict[str, Any]:
    """A compact progress event for stream chunks; the full trace comes with the last chunk."""
    if isinstance(event, StageFinished):
        record = event.record
        return {
            "type": event.type,
            "stage": record.stage,
            "attempt": record.attempt,
            "summary": record.summary,
            "duration_ms": round(record.duration_ms, 3),
            "error": record.error,
        }
    if isinstance(event, (StageStarted, CheckDone, Token)):
        return event.model_dump(mode="json")
    raise TypeError(f"no payload for {type(event).__name__}")


async def stream_chunks(run: Run, model: str, rid: str, include_usage: bool) -> AsyncIterator[str]:
    """SSE data lines: a role chunk, progress in `tristage.event`, the answer, `[DONE]`.

    Only the final answer travels as `content` (drafts may fail verification and be replaced), so
    concatenated deltas always equal the non-streaming answer; draft tokens arrive live as
    `tristage.event` of type `token`. A client that goes away cancels the run.
    """
    created = int(time.time())
    finished = False
    try:
        yield json.dumps(chunk(model, rid, created, {"role": "assistant", "content": ""}))
        async for event in run.events():
            if not isinstance(event, Final):
                yield json.dumps(chunk(model, rid, created, {}, tristage={"event": event_payload(event)}))
                continue
            finished = True
            reply = redact(event.reply, rid)
            if reply.status is Status.ERROR:
                status, kind = reply_status(reply.error_type)
                body = error_body(reply.text, status, code=reply.error_type, error_type=kind)
                yield json.dumps({**body, "tristage": extension(reply, rid)})
            else:
                yield json.dumps(chunk(model, rid, created, {"content": reply.text}))
                yield json.dumps(chunk(model, rid, created, {}, finish_reason(reply), tristage=extension(reply, rid)))
                if include_usage:
                    yield json.dumps(chunk(model, rid, created, None, usage=usage(reply)))
            yield "[DONE]"
    finally:
        if not finished:
            run.cancel()
            log.info("[%s] stream closed before the end; run cancelled", rid)


@router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
async def unknown_endpoint(http: HttpRequest, path: str) -> Response:
    """Keeps unknown /v1 paths out of the UI mounted at / and answers them in OpenAI's shape."""
    raise ApiError(404, f"No endpoint {http.method} /v1/{path}; tristage serves GET /v1/models and "
                        "POST /v1/chat/completions.", code="unknown_endpoint")


health = APIRouter()


@health.get("/health")
async def health_check(http: HttpRequest) -> dict[str, Any]:
    """Liveness; with the API key (or none configured), readiness and load in the body too."""
    if not has_key(http):
        return {"status": "ok"}
    pipelines: Pipelines = http.app.state.pipelines
    gate: Gate = http.app.state.gate
    return {
        "status": "ok",
        "ready": pipelines.ready,
        "assistants": [name for name in pipelines.names if name not in pipelines.problems],
        "problems": pipelines.problems,
        "active": gate.active,
        "queued": gate.waiting,
    }


@health.get("/health/ready")
async def readiness(http: HttpRequest) -> JSONResponse:
    """200 once the assistants and their default models are loaded, 503 until then (problems with the key)."""
    pipelines: Pipelines = http.app.state.pipelines
    body: dict[str, Any] = {"ready": pipelines.ready}
    if has_key(http):
        body["problems"] = pipelines.problems
    return JSONResponse(body, status_code=200 if pipelines.ready else 503)


def is_api(http: HttpRequest) -> bool:
    return http.url.path.startswith("/v1")


def install(app: FastAPI) -> None:
    """Add the API routes and its error handlers to an app whose state is already set up."""
    app.include_router(router)
    app.include_router(health)

    @app.exception_handler(ApiError)
    async def _api_error(http: HttpRequest, exc: ApiError) -> JSONResponse:
        log.info("[%s] %s %s", request_id(http), exc.status, exc.message)
        return error_response(exc.status, exc.message, exc.code, exc.param, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(http: HttpRequest, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        param = ".".join(str(part) for part in first["loc"])
        return error_response(422, f"{param}: {first['msg']}", code="invalid_request", param=param)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(http: HttpRequest, exc: StarletteHTTPException) -> Response:
        if is_api(http):
            return error_response(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _internal(http: HttpRequest, exc: Exception) -> JSONResponse:
        log.exception("[%s] internal error", request_id(http))
        return error_response(500, f"Internal error ({type(exc).__name__}); request id {request_id(http)}.",
                              code="internal")
