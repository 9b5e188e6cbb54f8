"""One error shape for every API failure: OpenAI's `{"error": {...}}`, which its clients parse."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi.responses import JSONResponse

from stages.reply import Reply, Status

log = logging.getLogger("tristage.serve")

# Reply.error_type -> (HTTP status, OpenAI error type)
REPLY_ERRORS: dict[str, tuple[int, str]] = {
    "bad_input": (400, "invalid_request_error"),
    "backend_timeout": (504, "server_error"),
    "backend_unavailable": (503, "server_error"),
    "backend_error": (502, "server_error"),
    "budget": (500, "server_error"),
    "cancelled": (499, "server_error"),
    "internal": (500, "server_error"),
}

STATUS_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}


def error_body(message: str, status: int, code: str | None = None, param: str | None = None,
               error_type: str | None = None) -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": error_type or STATUS_TYPES.get(status, "server_error"),
            "param": param,
            "code": code,
        }
    }


def error_response(
    status: int,
    message: str,
    code: str | None = None,
    param: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A JSON error response; `extra` adds top-level fields (e.g. the `tristage` extension)."""
    return JSONResponse({**error_body(message, status, code, param), **extra}, status_code=status, headers=headers)


def reply_status(error_type: str) -> tuple[int, str]:
    return REPLY_ERRORS.get(error_type, REPLY_ERRORS["internal"])


# Failures whose detail names hosts, ports, files or code: users get the kind and a request id.
_PRIVATE_FAILURES: dict[str, str] = {
    "backend_unavailable": "the model backend is unavailable",
    "backend_timeout": "the model backend did not answer in time",
    "backend_error": "the model backend failed",
    "internal": "an internal error occurred",
}


def public_model(name: str) -> str:
    """A model as users may see it: a local folder's name, never its path (hub ids `org/name` stay)."""
    local = name.startswith(("/", "~", ".")) or "\\" in name or name.count("/") > 1
    return Path(name).name if local else name


# Stage failures users may read in full: about their own request, not about the server.
_PUBLIC_FAILURES = ("BadInput", "BudgetExceeded", "Cancelled", "InvalidSmiles")


def public_error(error: str) -> str:
    """A stage's error as users may see it: in full when it is about the request, else its kind only."""
    kind = error.partition(":")[0].strip()
    return error if kind in _PUBLIC_FAILURES else f"{kind} (the server log has the detail)"


def redact(reply: Reply, request_id: str) -> Reply:
    """The reply as users see it: failures that could reveal the server's hosts, ports or files
    say only what kind of failure it was (the detail goes to the log), and model folders lose
    their paths."""
    trace = [
        record.model_copy(update={
            "model_calls": [c.model_copy(update={"model": public_model(c.model)}) for c in record.model_calls],
            "error": public_error(record.error) if record.error else None,
            "summary": public_error(record.summary) if record.error else record.summary,
        })
        for record in reply.trace
    ]
    public = _PRIVATE_FAILURES.get(reply.error_type) if reply.status is Status.ERROR else None
    if public is None:
        return reply.model_copy(update={"trace": trace})
    log.warning("[%s] %s: %s", request_id, reply.error_type, reply.reason)
    text = f"Sorry, I could not answer: {public} (request id {request_id or 'n/a'}; the server log has the detail)."
    return reply.model_copy(update={"text": text, "reason": public, "trace": trace})
