"""The fixed rate-limit window both platforms' limits are built from, and a concurrency count.

A ``FixedWindow`` of ``length`` seconds opens with the first call counted in it; the next one
opens with the first call after it ends, so windows reset at different times per company.
Times are seconds from a monotonic clock. Not thread-safe: the limiter holds its own lock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class FixedWindow:
    """Calls counted in the current window (``count``) and when it opened (``started``)."""

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
