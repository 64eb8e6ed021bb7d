"""Waiting for the event a test needs, up to a deadline: never for a fixed time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(probe: Callable[[], T], timeout: float, what: str, interval: float = 0.05,
               explain: Callable[[], str] = lambda: "") -> T:
    """The first truthy value of `probe()`; fails naming `what` (and `explain()`) after `timeout` seconds.

    `probe` may raise OSError (a server still starting) or return a falsy value to mean "not yet".
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = probe()
        except OSError:
            value = None  # type: ignore[assignment]
        if value:
            return value
        if time.monotonic() >= deadline:
            detail = explain()
            raise AssertionError(f"{what}: not within {timeout:g} s" + (f"\n{detail}" if detail else ""))
        time.sleep(interval)
