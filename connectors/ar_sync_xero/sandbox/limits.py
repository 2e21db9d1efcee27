"""Xero's API rate limits, per tenant and per app.

- ``concurrent``: calls in flight per tenant; over it -> 429 ``concurrent``, no Retry-After.
- ``per_minute``: calls per tenant in a fixed window of ``window_seconds`` that starts with the
  tenant's first call (the next window starts with the first call after it ends), so windows
  reset at different times for each tenant -> 429 ``minute``.
- ``per_day``: calls per tenant in a fixed 24-hour window, likewise -> 429 ``day``.
- ``app_per_minute``: calls across all tenants per window -> 429 ``appminute``.

``Retry-After`` is the whole seconds until the exhausted window ends (at least 1). A refused
call uses no quota. Every admitted or refused call reports what is left in
``X-MinLimit-Remaining``, ``X-DayLimit-Remaining`` and ``X-AppMinLimit-Remaining``.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ar_sync.sandbox_kit.windows import FixedWindow

DAY_SECONDS = 86_400.0


@dataclass(frozen=True)
class SandboxLimits:
    """Limits per tenant (and ``app_per_minute`` across tenants) and the high-volume threshold
    of list requests; Xero's defaults."""

    per_minute: int = 60
    window_seconds: float = 60.0
    concurrent: int = 5
    per_day: int = 5000
    app_per_minute: int = 10000
    # Records in a collection above which Xero refuses unoptimised filters (listing.py).
    high_volume: int = 100_000


@dataclass
class _Tenant:
    minute: FixedWindow
    day: FixedWindow
    in_flight: int = 0


@dataclass(frozen=True)
class Decision:
    """``problem`` is None when the call may go ahead (then ``release`` it when done)."""

    problem: str | None
    retry_after: int | None
    headers: dict[str, str] = field(default_factory=dict)


class RateLimiter:
    """Counts calls per tenant; thread-safe. ``clock`` returns seconds (monotonic)."""

    def __init__(self, limits: SandboxLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        self._app = FixedWindow(limits.window_seconds)
        self._tenants: defaultdict[str, _Tenant] = defaultdict(
            lambda: _Tenant(FixedWindow(limits.window_seconds), FixedWindow(DAY_SECONDS))
        )

    def acquire(self, tenant_id: str) -> Decision:
        """Admit a call (counting it and holding a concurrency slot) or say which limit it hit."""
        limits = self.limits
        with self._lock:
            now = self._clock()
            tenant = self._tenants[tenant_id]
            for window in (tenant.minute, tenant.day, self._app):
                window.roll(now)
            if tenant.day.count >= limits.per_day:
                problem, retry = "day", tenant.day.retry_after(now)
            elif tenant.minute.count >= limits.per_minute:
                problem, retry = "minute", tenant.minute.retry_after(now)
            elif self._app.count >= limits.app_per_minute:
                problem, retry = "appminute", self._app.retry_after(now)
            elif tenant.in_flight >= limits.concurrent:
                problem, retry = "concurrent", None
            else:
                problem, retry = None, None
                for window in (tenant.minute, tenant.day, self._app):
                    window.take(now)
                tenant.in_flight += 1
            return Decision(problem, retry, self._headers(tenant))

    def remaining(self, tenant_id: str) -> dict[str, str]:
        """The remaining-quota headers, without counting a call."""
        with self._lock:
            return self._headers(self._tenants[tenant_id])

    def release(self, tenant_id: str) -> None:
        """End an admitted call."""
        with self._lock:
            self._tenants[tenant_id].in_flight -= 1

    def _headers(self, tenant: _Tenant) -> dict[str, str]:
        limits = self.limits
        return {
            "X-MinLimit-Remaining": str(max(0, limits.per_minute - tenant.minute.count)),
            "X-DayLimit-Remaining": str(max(0, limits.per_day - tenant.day.count)),
            "X-AppMinLimit-Remaining": str(max(0, limits.app_per_minute - self._app.count)),
        }
