"""QuickBooks Online's per-realm throttles: 500 calls a minute and 10 in flight (notes §5).

- ``per_minute`` calls per realm in a fixed window of ``window_seconds`` that opens with the
  realm's first call (``ar_sync.sandbox.limits``) -> 429, ``Retry-After`` = whole seconds
  until the window ends (at least 1);
- ``concurrent`` calls in flight per realm -> 429, ``Retry-After: 1``.

Real QBO's ``Retry-After`` is UNCONFIRMED (third-party claims only); the sandbox sends one so
that clients that honour it are exercised. A refused call uses no quota. Both refusals carry
QBO's XML ThrottleExceeded body (``responses.throttled``). OAuth calls are not limited.
"""

from __future__ import annotations

from dataclasses import dataclass

from ar_sync.sandbox.limits import Quota, RatePolicy


@dataclass(frozen=True)
class SandboxLimits:
    """Limits per realm; QBO's defaults. ``window_seconds`` is the minute window's length."""

    per_minute: int = 500
    concurrent: int = 10
    window_seconds: float = 60.0

    def policy(self) -> RatePolicy:
        """The minute window, then concurrency (``Retry-After: 1``, UNCONFIRMED as above)."""
        return RatePolicy(
            quotas=(Quota("minute", self.per_minute, self.window_seconds),),
            concurrent=self.concurrent,
            concurrent_retry_after=1,
        )
