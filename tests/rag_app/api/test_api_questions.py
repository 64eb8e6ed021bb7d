"""Key scopes and GET /v1/questions: bots ask, admins manage guides and read what went unanswered."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from api_server import EN_QUESTION, Server

pytestmark = pytest.mark.server

ALL, BOT, ADMIN = "key-for-everything", "key-for-the-bot", "key-for-staff"
KEYS = (ALL, f"{BOT}:ask", f"{ADMIN}:admin")
SECRET_HEADER = "X-Shop-Secret"
SECRET_VALUE = "header-value-that-must-not-be-kept"
PARAPHRASES = ("怎么装车顶帐篷", "车顶帐篷安装步骤")


@pytest.fixture(scope="module")
def server(start_server: Callable[..., Server]) -> Server:
    return start_server(keys=KEYS)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def ask(server: Server, key: str, question: str) -> dict[str, object]:
    response = httpx.post(server.url + "/v1/ask", headers=bearer(key) | {SECRET_HEADER: SECRET_VALUE},
                          json={"question": question}, timeout=60)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_an_ask_key_asks_but_gets_403_on_documents_and_questions(server: Server) -> None:
    assert ask(server, BOT, EN_QUESTION)["refused"] is False
    for method, path in (("GET", "/v1/documents"), ("DELETE", "/v1/documents/kettle_care_en.md"),
                         ("GET", "/v1/questions")):
        response = httpx.request(method, server.url + path, headers=bearer(BOT))
        assert response.status_code == 403, (method, path)
        error = response.json()["error"]
        assert error["code"] == "forbidden" and "admin" in error["message"]
    upload = httpx.post(server.url + "/v1/documents", headers=bearer(BOT), files={"file": ("a.md", b"# A\ntext")})
    assert upload.status_code == 403
    assert "kettle_care_en.md" in httpx.get(server.url + "/v1/documents", headers=bearer(ALL)).text  # nothing gone


@pytest.mark.parametrize("key", [ADMIN, ALL])
def test_an_admin_key_and_an_unscoped_key_manage_documents_and_read_questions(server: Server, key: str) -> None:
    documents = httpx.get(server.url + "/v1/documents", headers=bearer(key))
    assert documents.status_code == 200
    assert {d["source"] for d in documents.json()["documents"]} >= {"kettle_care_en.md", "bottle_care_zh.md"}
    assert httpx.get(server.url + "/v1/questions", headers=bearer(key), timeout=60).status_code == 200


@pytest.mark.slow
def test_refused_questions_are_listed_grouped_by_meaning_without_keys_or_headers(server: Server) -> None:
    for question in PARAPHRASES:
        assert ask(server, BOT, question)["refused"] is True
    assert ask(server, BOT, "How do I bake sourdough bread?")["refused"] is True

    response = httpx.get(server.url + "/v1/questions", params={"outcome": "refused"}, headers=bearer(ADMIN),
                         timeout=60)
    assert response.status_code == 200
    groups = response.json()
    assert groups[0]["count"] == 2 and sorted(groups[0]["examples"]) == sorted(PARAPHRASES)
    assert groups[0]["label"] in PARAPHRASES and groups[0]["last_asked"].startswith("20")
    assert [g["examples"] for g in groups[1:]] == [["How do I bake sourdough bread?"]]

    future = httpx.get(server.url + "/v1/questions", params={"since": "2999-01-01"}, headers=bearer(ADMIN),
                       timeout=60)
    assert future.json() == []
    assert httpx.get(server.url + "/v1/questions", params={"outcome": "disliked"}, headers=bearer(ADMIN)).json() == []
    bad = httpx.get(server.url + "/v1/questions", params={"outcome": "angry"}, headers=bearer(ADMIN))
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"

    stored = (server.log_path.parent / "data" / "questions.sqlite3").read_bytes()
    for secret in (BOT, ADMIN, ALL, SECRET_VALUE, SECRET_HEADER, "Bearer"):
        assert secret.encode() not in stored


def test_with_logging_off_nothing_is_written(start_server: Callable[..., Server]) -> None:
    server = start_server(keys=(ALL,), QUESTION_LOG="false")
    assert ask(server, ALL, PARAPHRASES[0])["refused"] is True

    assert not (server.log_path.parent / "data" / "questions.sqlite3").exists()
    assert httpx.get(server.url + "/v1/questions", headers=bearer(ALL), timeout=60).json() == []


def test_without_keys_on_loopback_everything_stays_open(start_server: Callable[..., Server]) -> None:
    server = start_server()
    assert httpx.get(server.url + "/v1/questions", timeout=60).status_code == 200
    assert httpx.get(server.url + "/v1/documents").status_code == 200
