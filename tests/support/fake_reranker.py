"""A reranking server on 127.0.0.1 that scores (query, text) pairs with a function the test gives.

It answers the two shapes deployments serve: text-embeddings-inference's `POST /rerank`
(`{"query", "texts"}` -> `[{"index", "score"}]`) and the Jina/Cohere `POST /v1/rerank` of vLLM and
Xinference (`{"model", "query", "documents", "top_n"?}` -> `{"results": [{"index", "relevance_score"}]}`),
best first, as they do. `fail_with` makes it answer with an HTTP error, or (0) hang until it stops.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

from support.http_fake import FakeServer

HANG_S = 5.0  # how long a hanging reply waits: longer than any test's client timeout

Scorer = Callable[[str, str], float]


class FakeReranker(FakeServer):
    """The server; use as a context manager. Every request body is recorded with its path."""

    def __init__(self, score: Scorer) -> None:
        super().__init__(_Handler)
        self.score = score
        self.fail_with: int | None = None


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def do_POST(self) -> None:
        fake = self.server.fake
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        fake.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        if fake.fail_with == 0:
            fake.stopping.wait(HANG_S)
            return
        if fake.fail_with is not None:
            self._json(fake.fail_with, {"error": "model overloaded"})
        elif self.path == "/rerank":
            ranked = self._ranked(body["query"], body["texts"])
            self._json(200, [{"index": i, "score": s} for i, s in ranked])
        elif self.path == "/v1/rerank":
            ranked = self._ranked(body["query"], body["documents"])[: body.get("top_n")]
            self._json(200, {"id": "rerank-1", "model": body.get("model"),
                             "results": [{"index": i, "relevance_score": s} for i, s in ranked]})
        else:
            self._json(404, {"error": "not found"})

    def _ranked(self, query: str, texts: list[str]) -> list[tuple[int, float]]:
        scored = [(i, self.server.fake.score(query, text)) for i, text in enumerate(texts)]
        return sorted(scored, key=lambda pair: -pair[1])

    def _json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""
