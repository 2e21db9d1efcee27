"""The sandboxes' one clock read: a server stamps each request with the current instant.

Sandboxes are servers, so they read the clock (the product below the CLI never does); the
pipeline reads it once per request and hands the instant to the ledger's handlers.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """The current UTC instant, truncated to the millisecond (what both ledgers' wire formats
    carry: Xero's ``/Date(ms)/``, QuickBooks' response ``time``)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
