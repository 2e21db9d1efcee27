"""Rate limits as both ledgers count them: fixed windows per company, and calls in flight.

A ledger states its numbers as a ``RatePolicy``: ``Quota`` windows checked in order, then the
calls a company may have in flight. A ``Quota`` window of ``seconds`` opens with the first call
counted in it; the next one opens with the first call after it ends, so windows reset at
different times per company. A ``shared`` quota has one window for every company (Xero's
per-app minute). A refused call uses no quota; ``Retry-After`` is the whole seconds until the
exhausted window ends (at least 1), or the policy's ``concurrent_retry_after`` for concurrency.
Times are seconds from a monotonic clock.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class FixedWindow:
    """Calls counted in the current window (``count``) and when it opened (``started``).
    Not thread-safe: the limiter holds its own lock."""

    length: float
    started: float | None = None
    count: int = 0

    def roll(self, now: float) -> None:
        """Close the window if it has ended (a closed window counts nothing)."""
        if self.started is None or now >= self.started + self.length:
            self.started, self.count = None, 0

    def take(self, now: float) -> None:
        """Count one call, opening the window if needed."""
        if self.started is None:
            self.started = now
        self.count += 1

    def retry_after(self, now: float) -> int:
        """Whole seconds until the window ends, at least 1 (what ``Retry-After`` says)."""
        end = (self.started if self.started is not None else now) + self.length
        return max(1, math.ceil(end - now))


@dataclass(frozen=True)
class Quota:
    """``calls`` per window of ``seconds``; over it a 429 naming ``problem``. ``header``, when
    set, reports what is left on every answer (Xero's ``X-MinLimit-Remaining``)."""

    problem: str
    calls: int
    seconds: float
    shared: bool = False
    header: str | None = None


@dataclass(frozen=True)
class RatePolicy:
    """A ledger's limits: ``quotas`` in the order they are checked, then ``concurrent`` calls in
    flight per company (over it: ``concurrent_problem``, ``Retry-After`` as given or none)."""

    quotas: tuple[Quota, ...]
    concurrent: int
    concurrent_problem: str = "concurrent"
    concurrent_retry_after: int | None = None


@dataclass(frozen=True)
class Decision:
    """``problem`` is None when the call may go ahead (then ``release`` it when done);
    ``headers`` report the quotas left."""

    problem: str | None
    retry_after: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Company:
    windows: list[FixedWindow]
    in_flight: int = 0


class RateLimiter:
    """Counts calls per company under ``policy``; thread-safe. ``clock`` returns seconds."""

    def __init__(self, policy: RatePolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self._clock = clock
        self._lock = threading.Lock()
        shared = {q.problem: FixedWindow(q.seconds) for q in policy.quotas if q.shared}
        self._companies: defaultdict[str, _Company] = defaultdict(
            lambda: _Company(
                [shared[q.problem] if q.shared else FixedWindow(q.seconds) for q in policy.quotas]
            )
        )

    def acquire(self, company: str) -> Decision:
        """Admit a call (counting it and holding a concurrency slot) or say which limit it hit."""
        policy = self.policy
        with self._lock:
            now = self._clock()
            state = self._companies[company]
            for window in state.windows:
                window.roll(now)
            for quota, window in zip(policy.quotas, state.windows, strict=True):
                if window.count >= quota.calls:
                    return Decision(quota.problem, window.retry_after(now), self._headers(state))
            if state.in_flight >= policy.concurrent:
                return Decision(
                    policy.concurrent_problem, policy.concurrent_retry_after, self._headers(state)
                )
            for window in state.windows:
                window.take(now)
            state.in_flight += 1
            return Decision(None, None, self._headers(state))

    def remaining(self, company: str) -> dict[str, str]:
        """The remaining-quota headers, without counting a call."""
        with self._lock:
            return self._headers(self._companies[company])

    def release(self, company: str) -> None:
        """End an admitted call."""
        with self._lock:
            self._companies[company].in_flight -= 1

    def storm_retry_after(self, problem: str, retry_after: int) -> int | None:
        """The ``Retry-After`` of an injected 429 naming ``problem``: none where the real
        refusal has none (concurrency, when the policy gives it none)."""
        if problem == self.policy.concurrent_problem and self.policy.concurrent_retry_after is None:
            return None
        return retry_after

    def _headers(self, state: _Company) -> dict[str, str]:
        return {
            quota.header: str(max(0, quota.calls - window.count))
            for quota, window in zip(self.policy.quotas, state.windows, strict=True)
            if quota.header is not None
        }
