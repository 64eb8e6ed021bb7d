"""A scriptable OpenAI-compatible chat server on 127.0.0.1, for tests that drive the real openai client.

Replies are queued in order (the last one repeats): a text (sent as JSON, or as SSE chunks when the
request asks to stream) or a Fault. Every request body is recorded, with its path and Authorization header.
"""

from __future__ import annotations

import json
import threading
import time
from enum import Enum
from http.server import BaseHTTPRequestHandler
from typing import Any

from support.http_fake import FakeServer

SLOW_S = 5.0  # how long a SLOW reply waits: longer than any test's client timeout
CHUNK_CHARS = 6  # a streamed reply goes out in pieces this long


class Fault(Enum):
    """A reply that is not an answer."""

    ERROR_500 = "500"
    UNAUTHORIZED = "401"
    SLOW = "slow"  # answers only after the client gave up
    DROP = "drop"  # streams a few chunks, then the connection dies


class FakeLLM(FakeServer):
    """The server; use as a context manager (or through the `fake_llm` fixture)."""

    def __init__(self, default: str | Fault = "OK [1]") -> None:
        super().__init__(_Handler)
        self._replies: list[str | Fault] = [default]
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return self.url("/v1")

    @property
    def chat_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"] == "/v1/chat/completions"]

    def reply(self, *replies: str | Fault) -> None:
        """Replace the queue: these replies in order, the last one for every later request."""
        with self._lock:
            self._replies = list(replies)

    def next_reply(self) -> str | Fault:
        with self._lock:
            return self._replies.pop(0) if len(self._replies) > 1 else self._replies[0]



class _Handler(BaseHTTPRequestHandler):
    server: Any

    def do_GET(self) -> None:
        if self.path == "/v1/models":
            self._json(200, {"object": "list", "data": [{"id": "fake", "object": "model", "owned_by": "me"}]})
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        fake = self.server.fake
        fake.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        if self.path != "/v1/chat/completions":
            self.send_error(404)
            return
        reply = fake.next_reply()
        try:
            self._answer(body, reply)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first

    def _answer(self, body: dict[str, Any], reply: str | Fault) -> None:
        if reply is Fault.UNAUTHORIZED:
            self._json(401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                                       "code": "invalid_api_key"}})
        elif reply is Fault.ERROR_500:
            self._json(500, {"error": {"message": "The server had an error", "type": "server_error"}})
        elif reply is Fault.SLOW:
            self.server.fake.stopping.wait(SLOW_S)
            self._json(200, _completion(body, "Too late [1]"))
        elif reply is Fault.DROP:
            self._stream(body, "Partial answer that never ends", drop=True)
        elif body.get("stream"):
            self._stream(body, reply, drop=False)
        else:
            self._json(200, _completion(body, reply))

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, body: dict[str, Any], text: str, *, drop: bool) -> None:
        pieces = [text[i:i + CHUNK_CHARS] for i in range(0, len(text), CHUNK_CHARS)]
        if drop:
            pieces = pieces[:2]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        if drop:  # promise more than is sent, so the client sees the connection die mid-body
            self.send_header("Content-Length", "1000000")
        self.end_headers()
        deltas = [{"role": "assistant", "content": ""}] + [{"content": piece} for piece in pieces]
        for delta in deltas:
            self._event(_chunk(body, delta, None))
            time.sleep(0.005)
        if drop:
            return
        self._event(_chunk(body, {}, "stop"))
        self.wfile.write(b"data: [DONE]\n\n")

    def _event(self, payload: dict[str, Any]) -> None:
        self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
        self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def _completion(body: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": body.get("model", "fake"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunk(body: dict[str, Any], delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0,
        "model": body.get("model", "fake"),
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
