"""Injected faults (Xero flavour): the generic fault book of ``ar_sync.sandbox_kit.faults``
with Xero's rate-limit problems.

A fault matches calls whose path contains ``path`` (case-insensitive; empty matches every
call except ``/_sandbox/``). It lets ``after`` matching calls through, then fires on the next
``count`` ones (``-1``: until cleared). Kinds that act per call:

- ``rate_limit``: a 429 storm with ``X-Rate-Limit-Problem: problem`` (default ``minute``) and
  ``Retry-After: retry_after`` (default 1; none for ``concurrent``), before real limits;
- ``server_error``: ``status`` (default 500) instead of running the request; it happens before
  the idempotency layer, so a retry with the same key really runs;
- ``slow``: sleeps ``seconds`` (default 1.0) while holding a concurrency slot, then runs;
- ``malformed``: runs the request, then answers 200 with the body cut in half.

``expire_tokens`` and ``revoke`` act once, when posted, on the OAuth grants (see ``identity``).
"""

from __future__ import annotations

from collections.abc import Mapping

from ar_sync.sandbox_kit import faults as _kit
from ar_sync.sandbox_kit.faults import CALL_KINDS, IMMEDIATE_KINDS, Fault, Triggered

PROBLEMS = ("minute", "day", "appminute", "concurrent")

__all__ = [
    "CALL_KINDS",
    "IMMEDIATE_KINDS",
    "PROBLEMS",
    "Fault",
    "FaultBook",
    "Triggered",
    "parse_fault",
]


def parse_fault(spec: Mapping[str, object], fault_id: int) -> Fault:
    """A ``Fault`` from the control endpoint's JSON; raises ``ValueError`` naming the field."""
    return _kit.parse_fault(spec, fault_id, PROBLEMS)


class FaultBook(_kit.FaultBook):
    """The armed per-call faults, with Xero's ``problem`` names; thread-safe."""

    def __init__(self) -> None:
        super().__init__(PROBLEMS)
