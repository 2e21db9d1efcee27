"""Xero's ``Idempotency-Key``: a retried write within the key's lifetime is replayed, not redone.

- Keys apply to POST, PUT and PATCH, are at most 128 characters, and are scoped per app
  (here: per OAuth client id).
- The first request with a key runs; for ``ttl`` seconds after it, a request with the same key
  and the same fingerprint (tenant, method, path, body) gets the first response again without
  running; one with a different fingerprint is refused. After ``ttl`` the key is new.
- Two requests with one key at the same moment: the second waits for the first and replays it.

The cache itself is ``ar_sync.sandbox_kit.idempotency``.
"""

from __future__ import annotations

from ar_sync.sandbox_kit.idempotency import IdempotencyCache, KeyReused

MAX_KEY_LENGTH = 128

__all__ = ["MAX_KEY_LENGTH", "IdempotencyCache", "KeyReused"]
