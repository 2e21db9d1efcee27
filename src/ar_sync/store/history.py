"""An org's history in the store: since when it is complete, and its documents for past dates.

- ``history_since``: the earliest day an aging can be made for. The sync's history pass (and
  ``ar-sync backfill --since S``) keeps the stream state ``"history"`` = ``{"since":
  "YYYY-MM-DD"}`` once it has read every stream from ``S`` on (every document open since ``S``
  is then stored: those open now, and those paid, credited or voided after ``S``, which were
  updated after ``S``). None when no history was read.
- ``load_history``: the documents the past-date measures (``ar_sync.aging.measures``) need:
  invoices and credits open or paid today, with every allocation that paid them down. Voided
  and deleted documents are left out, as the ledgers' own aged reports leave them out at every
  date.

Both read through ``tx`` (``Store.reading()``) and never commit; the row conversions are
``ar_sync.store.records``'.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection

from ar_sync.domain import Credit, DocumentStatus, Invoice
from ar_sync.store.records import load_credits, load_invoices
from ar_sync.store.runs import get_stream_state

HISTORY_STREAM = "history"  # stream state key: {"since": "YYYY-MM-DD"}
KEPT_STATUSES = frozenset({DocumentStatus.OPEN, DocumentStatus.PAID})


def history_since(tx: Connection, org_id: str) -> date | None:
    """The earliest date of ``org_id``'s complete history (the ``"history"`` state's
    ``since``), or None when no history pass has finished."""
    state = get_stream_state(tx, org_id, HISTORY_STREAM)
    since = (state or {}).get("since")
    return date.fromisoformat(since) if since else None


def load_history(tx: Connection, org_id: str) -> tuple[list[Invoice], list[Credit]]:
    """``org_id``'s invoices and credits whose status is open or paid, each with its
    allocations (an invoice's ``payments``, a credit's ``allocations``), sorted by id."""
    invoices = [
        invoice
        for invoice in load_invoices(tx, org_id, with_allocations=True)
        if invoice.status in KEPT_STATUSES
    ]
    credits = [
        credit
        for credit in load_credits(tx, org_id, with_allocations=True)
        if credit.status in KEPT_STATUSES
    ]
    return invoices, credits
