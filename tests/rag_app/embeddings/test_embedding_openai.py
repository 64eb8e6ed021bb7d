"""The OpenAI-compatible engine against a small real HTTP server on 127.0.0.1, through the openai client."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pytest

from rag_app.embeddings import GuideEmbeddings, make_embeddings
from rag_app.settings import Settings

TASK = "Given a question about a product, retrieve passages of its manual that answer the question"


def fake_vector(text: str, size: int) -> list[float]:
    """Deterministic, not normalised (the engine must normalise)."""
    digest = hashlib.sha256(text.encode()).digest() * (size // 32 + 1)
    return [3.0 * (byte - 127.5) for byte in digest[:size]]


class FakeServer(ThreadingHTTPServer):
    requests: list[dict[str, Any]]


class Handler(BaseHTTPRequestHandler):
    server: FakeServer

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        if self.path != "/v1/embeddings":
            self.send_error(404)
            return
        size = body.get("dimensions", 24)
        data = [{"object": "embedding", "index": i, "embedding": fake_vector(text, size)}
                for i, text in enumerate(body["input"])]
        payload = json.dumps({
            "object": "list", "model": body["model"], "data": data[::-1],  # out of order on purpose
            "usage": {"prompt_tokens": 0, "total_tokens": 0},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def server() -> Iterator[FakeServer]:
    httpd = FakeServer(("127.0.0.1", 0), Handler)
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def _embeddings(server: FakeServer, model: str, dimensions: int | None) -> GuideEmbeddings:
    host, port = server.server_address[:2]
    return make_embeddings(Settings(
        _env_file=None, embedding_model=model, embedding_base_url=f"http://{host}:{port}/v1",
        embedding_api_key="sk-test", embedding_dimensions=dimensions, embedding_batch_size=2,
        embedding_query_task=TASK,
    ))


def _normalised(text: str, size: int) -> np.ndarray:
    vector = np.array(fake_vector(text, size), dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_documents_in_batches_with_dimensions(server: FakeServer) -> None:
    embeddings = _embeddings(server, "text-embedding-3-small", dimensions=16)
    texts = ["clean the filter", "如何清洁过滤器", "pump", "door seal", "spray arm"]
    vectors = np.array(embeddings.embed_documents(texts))

    assert vectors.shape == (5, 16)
    np.testing.assert_allclose(vectors, [_normalised(t, 16) for t in texts], atol=1e-6)
    assert [r["input"] for r in server.requests] == [texts[0:2], texts[2:4], texts[4:5]]
    assert all(r["dimensions"] == 16 and r["model"] == "text-embedding-3-small" for r in server.requests)
    assert all(r["path"] == "/v1/embeddings" and r["auth"] == "Bearer sk-test" for r in server.requests)
    assert embeddings.fingerprint == "openai:text-embedding-3-small:16"


def test_query_instruction_and_probed_dimension(server: FakeServer) -> None:
    embeddings = _embeddings(server, "Qwen/Qwen3-Embedding-0.6B", dimensions=None)
    query = np.array(embeddings.embed_query("how do I clean the filter"))
    document = np.array(embeddings.embed_documents(["how do I clean the filter"])[0])

    instructed = f"Instruct: {TASK}\nQuery:how do I clean the filter"
    np.testing.assert_allclose(query, _normalised(instructed, 24), atol=1e-6)
    np.testing.assert_allclose(document, _normalised("how do I clean the filter", 24), atol=1e-6)
    assert all("dimensions" not in r for r in server.requests)
    assert embeddings.dimension == 24
    assert embeddings.fingerprint == "openai:Qwen/Qwen3-Embedding-0.6B:24"


def test_async_and_token_estimate(server: FakeServer) -> None:
    import asyncio

    embeddings = _embeddings(server, "bge-m3", dimensions=8)
    assert asyncio.run(embeddings.aembed_query("filter")) == pytest.approx(_normalised("filter", 8).tolist())
    assert embeddings.count_tokens("如何清洁过滤器") == 7
    assert embeddings.max_tokens == Settings(_env_file=None).embedding_max_tokens
