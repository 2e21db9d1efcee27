"""The call log and the write log the control endpoints report.

Calls: every request except ``/_sandbox/`` ones, counted by endpoint name (the platform's route
name, e.g. ``"GET Invoices"`` or ``"POST query"``), with the number of 429s.
Writes: every applied write (notes, attachments, emails...) and every replay of one; each entry
names its company in the field ``scope_field`` (``"tenant"`` for Xero, ``"realm"`` for
QuickBooks). Both logs are thread-safe; ``reset_calls`` clears the call log only.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Recorder:
    scope_field: str = "tenant"
    _calls: list[dict[str, object]] = field(default_factory=list)
    _by_endpoint: Counter[str] = field(default_factory=Counter)
    _rate_limited: int = 0
    _writes: list[dict[str, object]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, endpoint: str, entry: dict[str, object]) -> None:
        """Log one call; ``entry`` must have ``status`` (the rest is the platform's choice)."""
        with self._lock:
            self._calls.append(entry)
            self._by_endpoint[endpoint] += 1
            if entry["status"] == 429:
                self._rate_limited += 1

    def write(self, entry: dict[str, object]) -> None:
        with self._lock:
            self._writes.append(entry)

    def calls(self) -> dict[str, object]:
        """``{"total", "by_endpoint", "rate_limited", "log"}``."""
        with self._lock:
            return {
                "total": len(self._calls),
                "by_endpoint": dict(self._by_endpoint),
                "rate_limited": self._rate_limited,
                "log": list(self._calls),
            }

    def writes(self, scope: str) -> list[dict[str, object]]:
        """The writes of one company (``entry[scope_field] == scope``), oldest first."""
        with self._lock:
            return [w for w in self._writes if w[self.scope_field] == scope]

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()
            self._by_endpoint.clear()
            self._rate_limited = 0
