"""Xero's API rate limits, per tenant and per app (counted by ``ar_sync.sandbox.limits``).

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

from dataclasses import dataclass

from ar_sync.sandbox.limits import Quota, RatePolicy

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

    def policy(self) -> RatePolicy:
        """The limits in the order Xero's are checked: day, minute, app minute, concurrency."""
        return RatePolicy(
            quotas=(
                Quota("day", self.per_day, DAY_SECONDS, header="X-DayLimit-Remaining"),
                Quota(
                    "minute", self.per_minute, self.window_seconds, header="X-MinLimit-Remaining"
                ),
                Quota(
                    "appminute",
                    self.app_per_minute,
                    self.window_seconds,
                    shared=True,
                    header="X-AppMinLimit-Remaining",
                ),
            ),
            concurrent=self.concurrent,
        )
