"""Stay under a ledger's rate limits before they are hit.

``RequestPacer`` enforces, per tenant, at most ``per_window`` calls in any sliding window of
``window_seconds`` and at most ``concurrent`` calls in flight. A sliding window is stricter than the
fixed windows ledgers count in, so a paced client never trips a fixed-window limit of the same size.
When the ledger reports (through response headers) that its budget is spent anyway, for example
because another process shares the tenant, ``exhausted`` holds the next call back until the oldest
of our own calls in the sliding window leaves it (or for the ledger's ``Retry-After``): never a
fixed window, since the ledger's window may reset seconds later.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RateLimits:
    """A ledger's per-tenant limits: calls per window (seconds) and calls in flight."""

    per_window: int
    window_seconds: float
    concurrent: int


# For a sandbox whose rate limits are lifted (a rehearsal's copy of the books, the demo's
# writes): calls are never held back. Never for a real ledger.
UNPACED = RateLimits(per_window=1_000_000, window_seconds=60.0, concurrent=64)


class RequestPacer:
    """Blocks callers just long enough to respect ``RateLimits``. Thread-safe.

    ``waited_seconds`` accumulates the time spent waiting, for progress and benchmarks.
    """

    def __init__(
        self,
        limits: RateLimits,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if limits.per_window < 1 or limits.concurrent < 1 or limits.window_seconds <= 0:
            raise ValueError(f"rate limits must be positive: {limits}")
        self.limits = limits
        self._clock = clock
        self._sleep = sleep
        self._in_flight = threading.BoundedSemaphore(limits.concurrent)
        self._lock = threading.Lock()
        self._sent: deque[float] = deque()  # start times of calls inside the current window
        self._blocked_until = 0.0
        self.waited_seconds = 0.0

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one call's place: waits for a free concurrent slot and window budget."""
        with self._in_flight:
            self._wait_for_budget()
            yield

    def exhausted(self, retry_after: float | None = None) -> None:
        """The ledger says the window's budget is spent: send nothing until ``retry_after``
        seconds (when the ledger said) or else until the oldest of our calls still inside the
        sliding window leaves it, when the ledger's count has room for one call more whatever
        window it counts in (its count includes that call). No call of ours in the window: no
        wait (the budget was spent by someone else; a 429 then says how long)."""
        with self._lock:
            now = self._clock()
            self._forget_before(now - self.limits.window_seconds)
            if retry_after is not None:
                until = now + retry_after
            elif self._sent:
                until = self._sent[0] + self.limits.window_seconds
            else:
                return
            self._blocked_until = max(self._blocked_until, until)

    def _forget_before(self, window_start: float) -> None:
        """Drop the calls that started at or before ``window_start``; caller holds the lock."""
        while self._sent and self._sent[0] <= window_start:
            self._sent.popleft()

    def _wait_for_budget(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                window_start = now - self.limits.window_seconds
                self._forget_before(window_start)
                delay = self._blocked_until - now
                if delay <= 0 and len(self._sent) < self.limits.per_window:
                    self._sent.append(now)
                    return
                if delay <= 0:
                    delay = self._sent[0] - window_start
            self.waited_seconds += delay
            self._sleep(delay)
