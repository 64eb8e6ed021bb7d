"""Staff password hashes and the per-session slow-down after failed sign-ins."""

from __future__ import annotations

import pytest
from support.clock import FakeClock

from rag_app.ui.auth import FREE_FAILURES, Backoff, hash_password, verify_password


def test_the_hash_checks_the_password_and_differs_every_time() -> None:
    encoded = hash_password("correct horse battery")
    assert verify_password("correct horse battery", encoded)
    assert not verify_password("correct horse batterx", encoded)
    assert "correct" not in encoded and "$" not in encoded  # `.env` and shells take it unquoted
    assert hash_password("correct horse battery") != encoded  # salted


def test_a_setting_that_is_not_a_hash_is_reported() -> None:
    with pytest.raises(ValueError, match="STAFF_PASSWORD_HASH"):
        verify_password("secret", "secret")



def test_failures_after_the_free_ones_make_the_session_wait_longer_each_time() -> None:
    clock = FakeClock(100.0)
    backoff = Backoff(clock)
    for _ in range(FREE_FAILURES):
        backoff.failed()
        assert backoff.wait_s() == 0
    backoff.failed()
    assert backoff.wait_s() == 2
    clock.now += 2
    assert backoff.wait_s() == 0
    backoff.failed()
    assert backoff.wait_s() == 4

    backoff.succeeded()
    assert backoff.wait_s() == 0 and backoff.failures == 0
    assert Backoff(clock).wait_s() == 0  # another session is not held up
