"""The call log and the write log the control endpoints report.

Calls: every request except ``/_sandbox/`` ones, counted by endpoint (``"GET Invoices"``,
``"PUT Invoices/{id}/History"``, ``"POST connect/token"``), with the number of 429s.
Writes: every applied write (history notes, attachments, invoice emails) and every replay of
one, per tenant. Both are thread-safe; ``reset_calls`` clears the call log only.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Recorder:
    _calls: list[dict[str, object]] = field(default_factory=list)
    _by_endpoint: Counter[str] = field(default_factory=Counter)
    _rate_limited: int = 0
    _writes: list[dict[str, object]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def call(self, endpoint: str, entry: dict[str, object]) -> None:
        """Log one call; ``entry`` has method, path, query, status, if_modified_since, tenant."""
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

    def writes(self, tenant_id: str) -> list[dict[str, object]]:
        with self._lock:
            return [w for w in self._writes if w["tenant"] == tenant_id]

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()
            self._by_endpoint.clear()
            self._rate_limited = 0
