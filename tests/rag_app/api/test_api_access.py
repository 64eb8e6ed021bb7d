"""API keys, rate limits, the loopback rule, and readiness: who gets in, how often, and when."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import openai
import pytest
from api_server import BIN, EN_QUESTION, Server, clean_env
from support.net import free_port
from support.wait import wait_until

pytestmark = pytest.mark.server

KEYS = ("key-one", "key-two", "key-three")
RATE = 5


@pytest.fixture(scope="module")
def server(start_server: Callable[..., Server]) -> Server:
    return start_server(keys=KEYS, RATE_LIMIT_PER_MINUTE=str(RATE))


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_probes_need_no_key(server: Server) -> None:
    assert httpx.get(server.url + "/healthz").status_code == 200
    assert httpx.get(server.url + "/readyz").status_code == 200


@pytest.mark.parametrize("headers", [
    {}, bearer("key-on"), bearer("key-one-and-more"), {"Authorization": "Basic a2V5LW9uZQ=="},
    {"Authorization": "key-one"},
])
def test_missing_or_wrong_key_is_401(server: Server, headers: dict[str, str]) -> None:
    routes = (("GET", "/v1/documents"), ("POST", "/v1/ask"), ("DELETE", "/v1/documents/kettle_care_en.md"))
    for method, path in routes:
        response = httpx.request(method, server.url + path, headers=headers, json={"question": EN_QUESTION})
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json()["error"]["code"] == "unauthorized"
        assert "RAG_API_KEYS" in response.json()["error"]["message"]


def test_unauthenticated_upload_is_refused_before_its_body_matters(server: Server) -> None:
    response = httpx.post(server.url + "/v1/documents", files={"file": ("a.md", b"# A\n" + b"x" * 500_000)})
    assert response.status_code == 401


def test_every_key_works(server: Server) -> None:
    for key in KEYS[:2]:
        assert httpx.get(server.url + "/v1/documents", headers=bearer(key)).status_code == 200


def test_openai_client_with_a_wrong_key(server: Server) -> None:
    client = openai.OpenAI(base_url=server.url + "/v1", api_key="nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(model="g", messages=[{"role": "user", "content": EN_QUESTION}])
    good = openai.OpenAI(base_url=server.url + "/v1", api_key=KEYS[1], max_retries=0)
    assert good.chat.completions.create(model="g", messages=[{"role": "user", "content": EN_QUESTION}])


def test_rate_limit_is_per_key_with_retry_after(server: Server) -> None:
    statuses = [httpx.get(server.url + "/v1/documents", headers=bearer("key-three")).status_code
                for _ in range(RATE + 1)]
    assert statuses == [200] * RATE + [429]
    limited = httpx.get(server.url + "/v1/documents", headers=bearer("key-three"))
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60 // RATE
    assert limited.json()["error"]["code"] == "rate_limited"
    assert "RATE_LIMIT_PER_MINUTE" in limited.json()["error"]["message"]
    assert httpx.get(server.url + "/healthz").status_code == 200  # probes are never limited


def test_no_keys_off_loopback_refuses_to_start(tmp_path: Path) -> None:
    port = free_port()
    done = subprocess.run([str(BIN / "rag-serve"), "--host", "0.0.0.0", "--port", str(port)], cwd=tmp_path,
                          env=clean_env(RAG_DATA_DIR=str(tmp_path)), check=False, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert "0.0.0.0" in done.stderr and "RAG_API_KEYS" in done.stderr
    assert "Traceback" not in done.stderr


def test_readyz_gives_the_reason_when_loading_failed(start_server: Callable[..., Server],
                                                     tmp_path: Path) -> None:
    server = start_server(ready=False, EMBEDDING_MODEL=str(tmp_path / "no-such-model"))
    with server.client() as http:
        def failed() -> httpx.Response | None:
            ready = http.get("/readyz")
            assert ready.status_code == 503 and "loading" in ready.json()["error"]["message"]
            return ready if "loading failed" in ready.text else None

        # Failing takes a while: the sentence-transformers path loads torch first.
        ready = wait_until(failed, 120, "/readyz reporting the failed load")
        assert ready.json()["error"]["code"] == "not_ready"
        assert "no-such-model" in ready.json()["error"]["message"]
        ask = http.post("/v1/ask", json={"question": EN_QUESTION})
        assert ask.status_code == 503 and "loading failed" in ask.json()["error"]["message"]
        assert http.get("/healthz").status_code == 200
