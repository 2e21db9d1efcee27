"""QuickBooks Online's per-realm throttles: 500 calls a minute and 10 in flight (notes §5).

- ``per_minute`` calls per realm in a fixed window of ``window_seconds`` that opens with the
  realm's first call (``ar_sync.sandbox_kit.windows``) -> 429, ``Retry-After`` = whole seconds
  until the window ends (at least 1);
- ``concurrent`` calls in flight per realm -> 429, ``Retry-After: 1``.

Real QBO's ``Retry-After`` is UNCONFIRMED (third-party claims only); the sandbox sends one so
that clients that honour it are exercised. A refused call uses no quota. Both refusals carry
QBO's XML ThrottleExceeded body (``responses.throttled``). OAuth calls are not limited.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ar_sync.sandbox_kit.windows import FixedWindow


@dataclass(frozen=True)
class SandboxLimits:
    """Limits per realm; QBO's defaults. ``window_seconds`` is the minute window's length."""

    per_minute: int = 500
    concurrent: int = 10
    window_seconds: float = 60.0


@dataclass
class _Realm:
    minute: FixedWindow
    in_flight: int = 0


@dataclass(frozen=True)
class Decision:
    """``problem`` (``"minute"``/``"concurrent"``) is None when the call may go ahead (then
    ``release`` it when done)."""

    problem: str | None
    retry_after: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


class RateLimiter:
    """Counts calls per realm; thread-safe. ``clock`` returns seconds (monotonic)."""

    def __init__(self, limits: SandboxLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        self._realms: defaultdict[str, _Realm] = defaultdict(
            lambda: _Realm(FixedWindow(limits.window_seconds))
        )

    def acquire(self, realm_id: str) -> Decision:
        with self._lock:
            now = self._clock()
            realm = self._realms[realm_id]
            realm.minute.roll(now)
            if realm.minute.count >= self.limits.per_minute:
                return Decision("minute", realm.minute.retry_after(now))
            if realm.in_flight >= self.limits.concurrent:
                return Decision("concurrent", 1)
            realm.minute.take(now)
            realm.in_flight += 1
            return Decision(None)

    def release(self, realm_id: str) -> None:
        with self._lock:
            self._realms[realm_id].in_flight -= 1
