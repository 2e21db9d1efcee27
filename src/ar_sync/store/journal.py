"""The journal: an append-only record of every contact, hold, promise, task, result and failure.

Rows of ``journal_entries`` (``ar_sync.store.tables``) are only ever inserted. The JSON columns
are written so that a loaded ``JournalEntry`` equals the one appended (but for its
``entry_id``):

- ``channels``: the channel names, ``["ledger_note", "email"]``.
- ``invoices``: ``[{"invoice_id", "number", "due_date": "YYYY-MM-DD", "amount_due": "1234.50",
  "currency"}]``: the amount as the ``Decimal``'s own text, so no digit is lost or added.
- ``detail``: a JSON object whose ``Decimal`` values are written as ``{"$decimal": "12.50"}``
  and ``date`` values as ``{"$date": "YYYY-MM-DD"}`` (at any depth) and read back as those
  types; other values must be JSON-able (``TypeError`` otherwise, nothing written).

Every function takes ``tx`` and never commits; instants (``at``) come from the caller.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select

from ar_sync.domain import Channel, JournaledInvoice, JournalEntry, JournalKind, Stage
from ar_sync.store.tables import journal_entries

_DECIMAL = "$decimal"
_DATE = "$date"


def encode_detail(value: Any) -> Any:
    """``value`` as the ``detail`` column keeps it: Decimals and dates tagged (see above)."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"refusing to journal a non-finite amount: {value}")
        return {_DECIMAL: format(value, "f")}
    if isinstance(value, date) and not hasattr(value, "hour"):
        return {_DATE: value.isoformat()}
    if isinstance(value, Mapping):
        return {str(key): encode_detail(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_detail(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"a journal detail cannot hold {type(value).__name__} {value!r}")


def decode_detail(value: Any) -> Any:
    """The inverse of ``encode_detail``: tagged values back to ``Decimal`` and ``date``."""
    if isinstance(value, dict):
        if len(value) == 1 and _DECIMAL in value:
            return Decimal(value[_DECIMAL])
        if len(value) == 1 and _DATE in value:
            return date.fromisoformat(value[_DATE])
        return {key: decode_detail(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode_detail(item) for item in value]
    return value


def _invoice_json(invoice: JournaledInvoice) -> dict[str, str]:
    return {
        "invoice_id": invoice.invoice_id,
        "number": invoice.number,
        "due_date": invoice.due_date.isoformat(),
        "amount_due": format(invoice.amount_due, "f"),
        "currency": invoice.currency,
    }


def _invoice(data: Mapping[str, str]) -> JournaledInvoice:
    return JournaledInvoice(
        invoice_id=data["invoice_id"],
        number=data["number"],
        due_date=date.fromisoformat(data["due_date"]),
        amount_due=Decimal(data["amount_due"]),
        currency=data["currency"],
    )


def _row(entry: JournalEntry) -> dict[str, Any]:
    if entry.entry_id is not None:
        raise ValueError(
            f"journal entry {entry.entry_id} is stored already; the journal only grows"
        )
    return {
        "org_id": entry.org_id,
        "customer_id": entry.customer_id,
        "kind": JournalKind(entry.kind).value,
        "at": entry.at,
        "day": entry.day,
        "stage": None if entry.stage is None else Stage(entry.stage).value,
        "channels": [Channel(channel).value for channel in entry.channels],
        "invoices": [_invoice_json(invoice) for invoice in entry.invoices],
        "text": entry.text,
        "key": entry.key,
        "detail": encode_detail(dict(entry.detail)),
    }


def append_entries(tx: Connection, entries: Iterable[JournalEntry]) -> list[int]:
    """Insert ``entries`` in order; their new ``entry_id`` values, in the same order (ids grow,
    so a later entry always has a larger id). An entry that already has an id is refused with
    ``ValueError`` (nothing is ever rewritten)."""
    rows = [_row(entry) for entry in entries]
    ids: list[int] = []
    statement = insert(journal_entries).returning(journal_entries.c.entry_id)
    for row in rows:  # one by one: the ids must follow the given order on every backend
        ids.append(tx.execute(statement, row).scalar_one())
    return ids


def _entry(row: Any) -> JournalEntry:
    return JournalEntry(
        entry_id=row.entry_id,
        org_id=row.org_id,
        customer_id=row.customer_id,
        kind=JournalKind(row.kind),
        at=row.at,
        day=row.day,
        stage=None if row.stage is None else Stage(row.stage),
        channels=tuple(Channel(name) for name in row.channels),
        invoices=tuple(_invoice(item) for item in row.invoices),
        text=row.text,
        key=row.key,
        detail=decode_detail(row.detail),
    )


def load_journal(
    tx: Connection,
    org_id: str,
    *,
    customer_id: str | None = None,
    since: date | None = None,
    kinds: Collection[JournalKind] | None = None,
) -> tuple[JournalEntry, ...]:
    """An org's journal, oldest first (by ``entry_id``): only ``customer_id``'s entries when
    given, only those whose ``day`` is on or after ``since``, only ``kinds`` (None: every
    kind; empty: none)."""
    table = journal_entries
    query = select(table).where(table.c.org_id == org_id)
    if customer_id is not None:
        query = query.where(table.c.customer_id == customer_id)
    if since is not None:
        query = query.where(table.c.day >= since)
    if kinds is not None:
        query = query.where(table.c.kind.in_([JournalKind(kind).value for kind in kinds]))
    return tuple(_entry(row) for row in tx.execute(query.order_by(table.c.entry_id)))
