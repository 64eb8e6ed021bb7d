"""Per-key rate limits."""

from __future__ import annotations

import time
from collections.abc import Callable

_MAX_IDLE_BUCKETS = 10_000


class RateLimiter:
    """A token bucket per client: bursts up to `per_minute`, refilled at `per_minute` a minute.

    Only touched from the event loop, so it needs no lock.
    """

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)

    def acquire(self, client: str) -> float:
        """0 when the request may go ahead, else the seconds until it may."""
        now = self._clock()
        rate = self.per_minute / 60.0
        tokens, when = self._buckets.get(client, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - when) * rate)
        if tokens < 1.0:
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) / rate
        if len(self._buckets) > _MAX_IDLE_BUCKETS:  # clients without keys are many: forget the idle ones
            self._buckets = {c: (tokens_then, then) for c, (tokens_then, then) in self._buckets.items()
                             if tokens_then + (now - then) * rate < self.per_minute}
        self._buckets[client] = (tokens - 1.0, now)
        return 0.0
