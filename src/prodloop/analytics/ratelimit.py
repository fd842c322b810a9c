"""A token bucket per project key: events per second with a burst allowance."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Admits events while a key's bucket has tokens; a batch may take it below zero.

    Letting a batch overdraw keeps batches larger than the burst possible, and the debt makes
    the next ``Retry-After`` honest about how long the key must wait.
    """

    def __init__(
        self,
        *,
        per_second: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_second = per_second
        self.burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def admit(self, key: str, events: int) -> int | None:
        """Take ``events`` tokens for ``key``; None when admitted, else seconds to wait."""
        if self.per_second <= 0:
            return None
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.per_second)
            if tokens <= 0:
                self._buckets[key] = (tokens, now)
                return max(1, math.ceil(-tokens / self.per_second))
            self._buckets[key] = (tokens - events, now)
            return None
