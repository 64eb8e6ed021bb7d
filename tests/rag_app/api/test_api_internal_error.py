"""A bug behind a route: a generic 500 in the error shape, no stack trace, a log line with the request id."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support.wait import wait_until

from rag_app.api import create_app
from rag_app.api.context import RequestIdFilter
from rag_app.settings import Settings


class BrokenAssistant:
    """Loads fine, fails on every question."""

    embeddings = SimpleNamespace(fingerprint="fake")
    store = SimpleNamespace(count=lambda: 0)

    def ask(self, *args: Any) -> None:
        raise RuntimeError("secret internals /etc/passwd")


def test_unexpected_error_is_a_generic_500(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(rag_data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings, load_assistant=lambda _: BrokenAssistant())  # type: ignore[arg-type,return-value]
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.ERROR, logger="rag_app.api"), TestClient(app) as client:
        wait_until(lambda: client.get("/readyz").status_code == 200, 30, "/readyz 200")
        response = client.post("/v1/ask", json={"question": "q"}, headers={"X-Request-ID": "bug-1"})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "bug-1"
    assert response.json()["error"] == {"code": "internal_error",
                                        "message": "internal error (request id bug-1)"}
    record = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert record.request_id == "bug-1" and record.exc_info is not None  # type: ignore[attr-defined]
