"""POST /v1/ask, sessions, probes, request ids and input errors, against a real open (loopback) server."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest
from api_server import EN_QUESTION, ZH_QUESTION, Server

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(start_server: Callable[..., Server]) -> Server:
    return start_server()


@pytest.fixture(scope="module")
def http(server: Server) -> Iterator[httpx.Client]:
    with server.client() as client:
        yield client


def assert_error(response: httpx.Response, status: int, code: str | None = None, names: str = "") -> str:
    """The one error shape, no stack trace, and a message naming what is at fault."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message"}
    if code:
        assert error["code"] == code
    assert names in error["message"]
    assert "Traceback" not in response.text
    return str(error["message"])


def test_probes(http: httpx.Client) -> None:
    assert http.get("/healthz").json() == {"status": "ok"}
    ready = http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["chunks"] > 0
    assert http.get("/docs").status_code == 200
    assert "/v1/chat/completions" in http.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize(("question", "source"), [(EN_QUESTION, "kettle_care_en.md"),
                                                  (ZH_QUESTION, "bottle_care_zh.md")])
def test_ask_answers_with_citations(http: httpx.Client, question: str, source: str) -> None:
    body = http.post("/v1/ask", json={"question": question}).json()
    assert set(body) == {"answer", "mode", "refused", "sources", "session_id", "notice", "clarify", "product",
                         "refused_by", "gate"}
    assert body["mode"] == "extractive" and body["refused"] is False and body["refused_by"] is None
    assert body["sources"][0]["source"] == source
    assert set(body["sources"][0]) == {"id", "source", "section", "page", "text", "score"}
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", body["answer"])}
    assert cited and all(1 <= n <= len(body["sources"]) for n in cited)
    assert body["session_id"]


def test_k_bounds_the_sources(http: httpx.Client) -> None:
    assert len(http.post("/v1/ask", json={"question": EN_QUESTION, "k": 1}).json()["sources"]) == 1


def test_off_topic_question_is_refused(http: httpx.Client) -> None:
    body = http.post("/v1/ask", json={"question": "Who won the 1998 football world cup final?"}).json()
    assert body["refused"] is True and body["sources"] == [] and body["refused_by"] == "gate"
    # The thresholds the collection measured for itself at ingest, per question language.
    gate = body["gate"]
    assert gate["origin"] == "calibrated" and gate["calibrated_at"] and gate["overridden"] == []
    for limits in gate["thresholds"].values():
        assert limits["floor"] <= limits["threshold"] < limits["confident"] < limits["certain"]


def test_session_keeps_the_conversation(http: httpx.Client) -> None:
    first = http.post("/v1/ask", json={"question": EN_QUESTION}).json()
    follow = http.post("/v1/ask", json={"question": "And the filter?", "session_id": first["session_id"]})
    assert follow.status_code == 200
    assert follow.json()["session_id"] == first["session_id"]
    assert follow.json()["sources"][0]["source"] == "kettle_care_en.md"


def test_history_seeds_a_new_session(http: httpx.Client) -> None:
    history = [{"role": "user", "content": EN_QUESTION}, {"role": "assistant", "content": "Use vinegar [1]."}]
    body = http.post("/v1/ask", json={"question": "And the filter?", "history": history}).json()
    assert body["session_id"] and body["sources"][0]["source"] == "kettle_care_en.md"


def test_unknown_session_is_404(http: httpx.Client) -> None:
    response = http.post("/v1/ask", json={"question": EN_QUESTION, "session_id": "no-such-session"})
    assert_error(response, 404, "session_not_found", "session_id")


def test_session_and_history_together_are_refused(http: httpx.Client) -> None:
    sid = http.post("/v1/ask", json={"question": EN_QUESTION}).json()["session_id"]
    response = http.post("/v1/ask", json={"question": "And?", "session_id": sid,
                                          "history": [{"role": "user", "content": "hi"}]})
    assert_error(response, 400, "conflicting_fields", "history")


def test_limits(http: httpx.Client) -> None:
    assert_error(http.post("/v1/ask", json={"question": "x" * 2001}), 422, "question_too_long", "2000")
    assert http.post("/v1/ask", json={"question": "x" * 2000}).status_code == 200
    history = [{"role": "user", "content": "hi"}] * 21
    too_long = http.post("/v1/ask", json={"question": "q", "history": history})
    assert_error(too_long, 422, "history_too_long", "20")
    assert_error(http.post("/v1/ask", json={"question": "   "}), 422, names="question")
    big = {"question": "q", "history": [{"role": "user", "content": "x" * 1024 * 1024}]}
    assert_error(http.post("/v1/ask", json=big), 413, "too_large", "limit")


def test_malformed_and_mistyped_requests(http: httpx.Client) -> None:
    headers = {"Content-Type": "application/json"}
    broken = http.post("/v1/ask", content=b'{"question": ', headers=headers)
    assert_error(broken, 400, "malformed_json", "JSON")
    assert_error(http.post("/v1/ask", json={"question": 42}), 422, "invalid_request", "question")
    assert_error(http.post("/v1/ask", json={}), 422, "invalid_request", "question")
    assert_error(http.post("/v1/ask", json={"question": "q", "k": 0}), 422, names="k")
    assert_error(http.post("/v1/ask", json={"question": "q", "history": [{"role": "bot", "content": "x"}]}),
                 422, names="history[0].role")
    assert_error(http.post("/v1/ask", json={"question": "q", "colour": "red"}), 422, names="colour")
    assert_error(http.get("/v1/nowhere"), 404, "not_found")
    assert_error(http.put("/v1/ask", json={}), 405)


def test_request_id_is_echoed_generated_and_logged(server: Server, http: httpx.Client) -> None:
    given = http.get("/healthz", headers={"X-Request-ID": "trace-abc.123"})
    assert given.headers["X-Request-ID"] == "trace-abc.123"
    forged = http.get("/healthz", headers={"X-Request-ID": "forged] INFO fake log line"})
    made = forged.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    error = http.post("/v1/ask", json={}, headers={"X-Request-ID": "trace-err-1"})
    assert error.headers["X-Request-ID"] == "trace-err-1"
    http.post("/v1/ask", json={"question": EN_QUESTION}, headers={"X-Request-ID": "trace-ask-1"})
    # The access line is written after the response has gone out: wait for this request's own line
    # (earlier tests on this server wrote other "POST /v1/ask 200" lines).
    log = server.wait_log("[trace-ask-1] rag_app.api.access: POST /v1/ask 200", timeout=30)
    assert re.search(r"\[trace-abc\.123\] rag_app\.api\.access: GET /healthz 200", log)
    assert "fake log line" not in log
