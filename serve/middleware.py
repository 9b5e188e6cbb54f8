"""Request ids: taken from `X-Request-ID` when sane, else made; logged and echoed on every response."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("tristage.serve")

_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def new_request_id(given: str | None) -> str:
    return given if given and _SANE_ID.match(given) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Pure ASGI (no buffering), so streaming responses and disconnects pass through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        rid = new_request_id(headers.get(b"x-request-id", b"").decode("latin-1"))
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            path = scope.get("path", "")
            level = logging.INFO if path.startswith(("/v1", "/health")) else logging.DEBUG
            log.log(level, "[%s] %s %s -> %s in %.1f ms", rid, scope.get("method"), path, status,
                    (time.perf_counter() - started) * 1000)
