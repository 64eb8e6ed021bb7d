"""Rate limiting and the loopback rule, without a server."""

from __future__ import annotations

import pytest

from rag_app.api.ratelimit import RateLimiter
from rag_app.api.security import check_exposure, is_loopback


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_rate_limiter_allows_a_burst_then_refills_per_key() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=3, clock=clock)
    assert [limiter.acquire("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.acquire("a")
    assert wait == pytest.approx(20.0)  # one token every 20 s
    assert limiter.acquire("b") == 0.0  # another key has its own bucket
    clock.now += 20
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("a") > 0


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True), ("127.0.0.2", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.5", False), ("example.com", False),
])
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_an_open_api_stays_on_loopback() -> None:
    check_exposure("127.0.0.1", [])
    check_exposure("0.0.0.0", ["key"])
    with pytest.raises(ValueError, match="RAG_API_KEYS"):
        check_exposure("0.0.0.0", [])
