"""Products over HTTP: the upload's product field, filters on ask and chat completions, and the
question back (clarify -> the user's choice -> an answer about that product), against a real server."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from api_server import Server
from support.product_guides import KETTLE_GUIDE

pytestmark = pytest.mark.server

CAPACITY = "What is the capacity of the kettle?"


@pytest.fixture(scope="module")
def http(start_server: Callable[..., Server]) -> Iterator[httpx.Client]:
    """A server whose knowledge base also holds two sibling kettles, uploaded with their product."""
    with start_server().client() as client:
        for model, capacity, weeks in (("K1", "1.5 L", 4), ("K2", "1.7 L", 6)):
            guide = KETTLE_GUIDE.format(model=model, capacity=capacity, power="2000 W", weeks=weeks,
                                        e4="Sensor fault", e4_fix="Contact service")
            response = client.post("/v1/documents", data={"product": f"Acme {model}"},
                                   files={"file": (f"kettle_{model}.md", guide.encode(), "text/markdown")})
            assert response.status_code == 200, response.text
        yield client


def sources_products(body: dict) -> set[str]:
    return {s["source"] for s in body["sources"]}


def test_filters_keep_every_source_to_the_chosen_product(http: httpx.Client) -> None:
    body = http.post("/v1/ask", json={"question": CAPACITY, "filters": {"product": "Acme K2"}}).json()
    assert body["clarify"] is None and body["refused"] is False
    assert sources_products(body) == {"kettle_K2.md"} and body["product"] == "Acme K2"
    listed = http.post("/v1/ask", json={"question": "How do I descale the kettle?",
                                        "filters": {"source": ["kettle_K1.md"], "product": ["Acme K1", "x"]}}).json()
    assert sources_products(listed) == {"kettle_K1.md"}


def test_clarify_round_trip_in_a_session(http: httpx.Client) -> None:
    asked = http.post("/v1/ask", json={"question": CAPACITY}).json()
    assert asked["refused"] is False and asked["sources"] == []
    assert sorted(o["product"] for o in asked["clarify"]["options"]) == ["Acme K1", "Acme K2"]
    assert asked["answer"] == asked["clarify"]["question"]

    chosen = http.post("/v1/ask", json={"question": "Acme K1", "session_id": asked["session_id"]}).json()
    assert chosen["clarify"] is None and chosen["refused"] is False
    assert sources_products(chosen) == {"kettle_K1.md"} and "1.5 L" in chosen["sources"][0]["text"]


def test_chat_completions_take_filters_and_carry_the_question_back(http: httpx.Client) -> None:
    messages = [{"role": "user", "content": CAPACITY}]
    asked = http.post("/v1/chat/completions", json={"messages": messages}).json()
    options = [o["product"] for o in asked["clarify"]["options"]]
    assert sorted(options) == ["Acme K1", "Acme K2"]
    assert asked["choices"][0]["message"]["content"] == asked["clarify"]["question"]

    scoped = http.post("/v1/chat/completions", json={"messages": messages, "filters": {"product": "Acme K2"}}).json()
    assert scoped["clarify"] is None and sources_products(scoped) == {"kettle_K2.md"}


def test_unknown_filter_fields_are_refused_by_name(http: httpx.Client) -> None:
    response = http.post("/v1/ask", json={"question": CAPACITY, "filters": {"brand": "Acme"}})
    assert response.status_code == 422 and "brand" in response.json()["error"]["message"]
    too_long = http.post("/v1/documents", data={"product": "x" * 201},
                         files={"file": ("k.md", b"# K\n\nText.\n", "text/markdown")})
    assert too_long.status_code == 422 and "product" in too_long.json()["error"]["message"]
