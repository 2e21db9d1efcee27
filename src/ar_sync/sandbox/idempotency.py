"""A retried write within its key's lifetime is replayed, not redone (Xero's ``Idempotency-Key``,
QuickBooks' ``requestid``).

- The first request with a key runs; for ``ttl`` seconds after it, a request with the same key
  and the same fingerprint (the platform decides what goes in: realm, method, path, body...) gets
  the first result again without running; one with a different fingerprint raises ``KeyReused``.
  After ``ttl`` the key is new.
- Keys are scoped (an OAuth client id, a realm...) by the caller.
- Two requests with one key at the same moment: the second waits for the first and replays it.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

R = TypeVar("R")


class KeyReused(Exception):
    """The key was first used with a different request."""


@dataclass
class _Entry(Generic[R]):
    fingerprint: str
    created: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    result: R | None = None


class IdempotencyCache(Generic[R]):
    """Remembered results by (scope, key); thread-safe. ``clock`` returns seconds (monotonic)."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], _Entry[R]] = {}

    def run(
        self, scope: str, key: str, fingerprint: str, compute: Callable[[], R]
    ) -> tuple[R, bool]:
        """``(result, replayed)``: the remembered result, or ``compute()``'s, remembered now.

        Raises ``KeyReused`` when the key is live for a different fingerprint.
        """
        with self._lock:
            now = self._clock()
            self._entries = {k: e for k, e in self._entries.items() if now - e.created < self.ttl}
            entry = self._entries.get((scope, key))
            if entry is None:
                entry = self._entries[(scope, key)] = _Entry(fingerprint, now)
            elif entry.fingerprint != fingerprint:
                raise KeyReused(key)
        with entry.lock:
            if entry.result is not None:
                return entry.result, True
            entry.result = compute()
            return entry.result, False


def body_hash(body: bytes) -> str:
    """The SHA-256 of a request body in hex, for a fingerprint."""
    return hashlib.sha256(body).hexdigest()
