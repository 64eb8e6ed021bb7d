"""The OpenAI protocol, driven by the official `openai` client, with the fake LLM behind the server."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import openai
import pytest
from api_server import EN_QUESTION, Server
from support.fake_llm import SLOW_S, FakeLLM, Fault
from support.wait import wait_until

pytestmark = pytest.mark.server

NOTE = "(Product: Electric Kettle)\n\n"  # what an answer about the kettle begins with


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        yield server


@pytest.fixture
def fresh_llm(llm: FakeLLM) -> FakeLLM:
    llm.reply("Descale it with vinegar and water [1].")
    llm.requests.clear()
    return llm


@pytest.fixture(scope="module")
def server(start_server: Callable[..., Server], llm: FakeLLM) -> Server:
    # A timeout longer than the fake's slow reply, and no pause after a failure: every test gets the LLM.
    return start_server(OPENAI_BASE_URL=llm.base_url, LLM_MODEL="fake", LLM_TIMEOUT_S=str(SLOW_S * 3),
                        LLM_RETRY_AFTER_S="0", LLM_MAX_RETRIES="0")


@pytest.fixture(scope="module")
def client(server: Server) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key="unused", max_retries=0, timeout=60)


def extra(obj: Any) -> dict[str, Any]:
    return dict(obj.model_extra or {})


def test_models_lists_the_knowledge_base(client: openai.OpenAI) -> None:
    assert [m.id for m in client.models.list()] == ["guides"]


def test_plain_completion_carries_sources(client: openai.OpenAI, fresh_llm: FakeLLM) -> None:
    completion = client.chat.completions.create(
        model="guides",
        messages=[{"role": "system", "content": "Be nice."}, {"role": "user", "content": EN_QUESTION}],
    )
    assert completion.object == "chat.completion"
    # two products, and no tag says the Electric Kettle is a kettle: the answer says whose guide it quotes
    assert completion.choices[0].message.content == f"{NOTE}Descale it with vinegar and water [1]."
    assert completion.choices[0].finish_reason == "stop"
    fields = extra(completion)
    assert fields["mode"] == "llm" and fields["refused"] is False and fields["session_id"]
    assert fields["sources"][0]["source"] == "kettle_care_en.md"
    prompt = str(fresh_llm.chat_requests[-1]["messages"])
    assert "Be nice." not in prompt and "vinegar" in prompt  # our prompt, with the retrieved passages


def test_streamed_completion_ends_with_sources(client: openai.OpenAI, fresh_llm: FakeLLM) -> None:
    stream = client.chat.completions.create(
        model="guides", messages=[{"role": "user", "content": EN_QUESTION}], stream=True
    )
    chunks = list(stream)
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text == f"{NOTE}Descale it with vinegar and water [1]."
    assert len(chunks) > 3  # the fake streams six characters a chunk, and so does the server
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert extra(last)["sources"][0]["source"] == "kettle_care_en.md" and extra(last)["session_id"]
    assert all("sources" not in extra(c) for c in chunks[:-1])


def test_raw_sse_ends_with_done(server: Server, fresh_llm: FakeLLM) -> None:
    with server.client() as http, http.stream("POST", "/v1/chat/completions", json={
        "model": "x", "stream": True, "messages": [{"role": "user", "content": EN_QUESTION}],
    }) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    assert all(line.startswith("data: ") for line in lines)


def test_session_via_extra_body(client: openai.OpenAI, fresh_llm: FakeLLM) -> None:
    first = client.chat.completions.create(model="g", messages=[{"role": "user", "content": EN_QUESTION}])
    sid = extra(first)["session_id"]
    # The rewritten question, then the answer.
    fresh_llm.reply("How do I clean the kettle filter?", "Brush it monthly [1].")
    follow = client.chat.completions.create(
        model="g", messages=[{"role": "user", "content": "And the filter?"}],
        extra_body={"session_id": sid, "k": 2},
    )
    assert extra(follow)["session_id"] == sid
    assert len(extra(follow)["sources"]) <= 2
    # The server's copy of the conversation reached the LLM, though the client sent one message.
    assert any(EN_QUESTION in str(r["messages"]) for r in fresh_llm.chat_requests[-2:])


def test_unknown_session_raises_not_found(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError, match="session_id"):
        client.chat.completions.create(model="g", messages=[{"role": "user", "content": "hi"}],
                                       extra_body={"session_id": "gone"})
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="g", messages=[{"role": "user", "content": "hi"}], stream=True,
                                       extra_body={"session_id": "gone"})


def test_bad_requests(server: Server, client: openai.OpenAI) -> None:
    with pytest.raises(openai.UnprocessableEntityError, match="last message"):
        client.chat.completions.create(model="g", messages=[{"role": "assistant", "content": "hi"}])
    with pytest.raises(openai.UnprocessableEntityError, match="question_too_long|2000"):
        client.chat.completions.create(model="g", messages=[{"role": "user", "content": "x" * 2001}])
    with server.client() as http:
        response = http.post("/v1/chat/completions", json={"messages": []})
    assert response.status_code == 422 and "messages" in response.json()["error"]["message"]


def test_long_conversations_are_trimmed_not_refused(client: openai.OpenAI, fresh_llm: FakeLLM) -> None:
    messages: list[Any] = [{"role": "user" if n % 2 == 0 else "assistant", "content": f"turn {n}"}
                           for n in range(40)]
    messages.append({"role": "user", "content": EN_QUESTION})
    assert client.chat.completions.create(model="g", messages=messages).choices[0].message.content


def test_llm_dying_mid_stream_falls_back_to_quotes(client: openai.OpenAI, fresh_llm: FakeLLM) -> None:
    fresh_llm.reply(Fault.DROP)
    chunks = list(client.chat.completions.create(
        model="g", messages=[{"role": "user", "content": EN_QUESTION}], stream=True
    ))
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text.startswith(f"{NOTE}Partial")  # what was streamed before the LLM died...
    assert "[1]" in text  # ...then the quotes with their citations
    assert extra(chunks[-1])["mode"] == "extractive" and extra(chunks[-1])["notice"]


def test_slow_llm_does_not_block_other_requests(server: Server, fresh_llm: FakeLLM) -> None:
    fresh_llm.reply(Fault.SLOW, "Quick answer [1].")
    slow: dict[str, float] = {}

    def ask_slowly() -> None:
        started = time.monotonic()
        with server.client() as http:
            assert http.post("/v1/ask", json={"question": EN_QUESTION}).status_code == 200
        slow["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=ask_slowly)
    thread.start()
    wait_until(lambda: fresh_llm.chat_requests, 30, "the slow ask reaching the LLM")
    with server.client() as http:
        assert http.get("/healthz").status_code == 200
        assert http.get("/v1/documents").status_code == 200
        fast = http.post("/v1/ask", json={"question": EN_QUESTION}).json()
    assert fast["answer"] == f"{NOTE}Quick answer [1]."
    assert "seconds" not in slow  # the slow one is still waiting on its LLM
    thread.join(timeout=30)
    assert slow["seconds"] >= SLOW_S * 0.9


def test_shutdown_lets_requests_in_flight_finish(start_server: Callable[..., Server], llm: FakeLLM) -> None:
    server = start_server(OPENAI_BASE_URL=llm.base_url, LLM_MODEL="fake", LLM_TIMEOUT_S=str(SLOW_S * 3),
                          LLM_STREAMING="false")
    llm.reply(Fault.SLOW)
    llm.requests.clear()
    result: dict[str, httpx.Response] = {}

    def ask() -> None:
        with server.client() as http:
            result["response"] = http.post("/v1/ask", json={"question": EN_QUESTION})

    thread = threading.Thread(target=ask)
    thread.start()
    wait_until(lambda: llm.chat_requests, 30, "the ask reaching the LLM")
    # uvicorn re-raises SIGTERM once it has shut down cleanly, so the exit status is the signal's.
    assert server.stop() in (0, -signal.SIGTERM)
    thread.join(timeout=30)
    assert result["response"].status_code == 200
    assert result["response"].json()["answer"] == f"{NOTE}Too late [1]"
    assert "Application shutdown complete" in server.log()
