"""A clock a test moves by hand, for code that takes `clock=time.monotonic`."""

from __future__ import annotations


class FakeClock:
    """Callable like `time.monotonic`; `advance` moves it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
