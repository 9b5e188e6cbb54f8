"""One error shape for every API failure: OpenAI's `{"error": {...}}`, which its clients parse."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

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
