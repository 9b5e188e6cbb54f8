"""A real HTTP server on a loopback port that speaks OpenAI chat completions, with faults on cue.

Real servers cannot be told to answer 429, 503, hang or drop the connection at a chosen moment,
so the fault paths of the OpenAI-compatible backend are tested against this one. It answers
non-streaming and SSE-streaming requests, honours `stop`, `max_tokens` and
`stream_options.include_usage`, checks the bearer key when one is set, and records every request.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Fault:
    """How to answer one request instead of normally; `status == 0` answers normally."""

    status: int = 0
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


@dataclass
class Seen:
    """One request as it arrived."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float


class FakeOpenAIServer:
    """Scriptable server; `faults` are consumed one per request, then requests are answered normally."""

    def __init__(self) -> None:
        self.reply = "Benzene has six carbon atoms. It is aromatic."
        self.api_key: str | None = None
        self.send_usage = True
        self.chunk_delay_s = 0.0
        self.faults: list[Fault] = []
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def next_fault(self) -> Fault:
        with self._lock:
            return self.faults.pop(0) if self.faults else Fault()

    def record(self, seen: Seen) -> None:
        with self._lock:
            self.requests.append(seen)

    def answer(self, body: dict[str, Any]) -> tuple[list[str], str, dict[str, int]]:
        """The words to send, the finish reason and usage, as a real server would compute them."""
        text = self.reply
        finish = "stop"
        for stop in body.get("stop") or []:
            if stop and stop in text:
                text = text[: text.index(stop)]
        words = [w if i == 0 else " " + w for i, w in enumerate(text.split(" "))] if text else []
        limit = body.get("max_tokens") or body.get("max_completion_tokens")
        if limit is not None and len(words) > limit:
            words, finish = words[:limit], "length"
        prompt = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
        usage = {"prompt_tokens": prompt, "completion_tokens": len(words)}
        return words, finish, {**usage, "total_tokens": prompt + len(words)}


def _handler_for(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as separate writes

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence access logs
            return

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            try:
                self._answer()
            except (BrokenPipeError, ConnectionResetError):
                return  # the client gave up (timeout, cancel): nothing to answer

        def _answer(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.loads(raw or b"{}")
            headers = {k.lower(): v for k, v in self.headers.items()}
            server.record(Seen(self.path, headers, body, time.monotonic()))
            fault = server.next_fault()
            if fault.delay_s:
                time.sleep(fault.delay_s)
            if fault.drop:
                self.close_connection = True
                self.connection.close()
                return
            if fault.status:
                error = {"error": {"message": f"fake fault {fault.status}", "type": "fault"}}
                self._json(fault.status, error, fault.headers)
                return
            if server.api_key is not None and self.headers.get("Authorization") != f"Bearer {server.api_key}":
                error = {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}
                self._json(401, error)
                return
            if not self.path.endswith("/chat/completions"):
                self._json(404, {"error": {"message": f"no route {self.path}"}})
                return
            if body.get("stream"):
                self._stream(body)
            else:
                self._complete(body)

        def _complete(self, body: dict[str, Any]) -> None:
            words, finish, usage = server.answer(body)
            payload = {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "fake"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "".join(words)},
                        "finish_reason": finish,
                    }
                ],
            }
            if server.send_usage:
                payload["usage"] = usage
            self._json(200, payload)

        def _stream(self, body: dict[str, Any]) -> None:
            words, finish, usage = server.answer(body)
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            base = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": body.get("model", "fake"),
            }
            for event in _chunks(base, words, finish):
                if server.chunk_delay_s:
                    time.sleep(server.chunk_delay_s)
                self._event(event)
            if server.send_usage and (body.get("stream_options") or {}).get("include_usage"):
                self._event({**base, "choices": [], "usage": usage})
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

        def _event(self, data: dict[str, Any]) -> None:
            self.wfile.write(f"data: {json.dumps(data)}\n\n".encode())
            self.wfile.flush()

        def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _chunks(base: dict[str, Any], words: list[str], finish: str) -> Iterator[dict[str, Any]]:
    opening = {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
    yield {**base, "choices": [opening]}
    for word in words:
        yield {**base, "choices": [{"index": 0, "delta": {"content": word}, "finish_reason": None}]}
    yield {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}


@pytest.fixture
def fake_server() -> Iterator[FakeOpenAIServer]:
    server = FakeOpenAIServer().start()
    try:
        yield server
    finally:
        server.stop()
