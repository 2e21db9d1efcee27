"""Bulk upserts hand the driver the same values SQLAlchemy's own INSERT would, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from ar_sync.domain import DocumentStatus
from ar_sync.store import Store
from ar_sync.store.records import load_invoices, upsert_records
from ar_sync.store.tables import invoices
from tests.store.records import ORG, customer, invoice

COLUMNS = ", ".join(invoices.c.keys())
AUCKLAND = timezone(timedelta(hours=13))


def _stored(store: Store, invoice_id: str) -> tuple[object, ...]:
    """The row as the database holds it (no column types applied on the way out)."""
    with store.reading() as tx:
        row = tx.exec_driver_sql(
            f"SELECT {COLUMNS} FROM invoices WHERE invoice_id = '{invoice_id}'"
        ).one()
    return tuple(row)[2:]  # without org_id and invoice_id


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {  # another zone, microseconds, a negative zero and an exponent, rate digits kept
            "updated_at": datetime(2025, 3, 2, 8, 15, 30, 123456, tzinfo=AUCKLAND),
            "total": Decimal("1E+2"),
            "amount_due": Decimal("-0.00"),
            "fx_rate": Decimal("0.9150000000"),
            "status": DocumentStatus.PAID,
        },
        {  # a year below 1000 and a UTC instant on the second
            "issue_date": date(999, 1, 2),
            "due_date": date(9999, 12, 31),
            "updated_at": datetime(2025, 1, 1, tzinfo=UTC),
            "status": "voided",  # the value of a status is accepted as the member
        },
    ],
)
def test_a_bulk_upsert_stores_what_sqlalchemy_would(
    org_store: Store, changes: dict[str, object]
) -> None:
    record = invoice("BULK", **changes)
    row = {name: getattr(record, name) for name in invoices.c.keys()}
    row |= {"invoice_id": "CORE", "status": str(DocumentStatus(record.status).value),
            "fx_quote": record.fx_quote.value}
    with org_store.transaction() as tx:
        upsert_records(tx, [record])
        tx.execute(invoices.insert(), row)  # SQLAlchemy's own parameter processing
    assert _stored(org_store, "BULK") == _stored(org_store, "CORE")
    with org_store.reading() as tx:
        loaded = {i.invoice_id: i for i in load_invoices(tx, ORG)}
    assert loaded["BULK"].total == record.total
    assert str(loaded["BULK"].amount_due) == str(abs(record.amount_due))
    assert loaded["BULK"].updated_at == record.updated_at
    assert loaded["BULK"].updated_at.tzinfo is UTC


def test_an_unknown_status_is_refused_before_anything_is_written(org_store: Store) -> None:
    with (
        pytest.raises(ValueError, match="'settled' is not a valid DocumentStatus"),
        org_store.transaction() as tx,
    ):
        upsert_records(tx, [customer("C1"), invoice("I1", status="settled")])
    with org_store.reading() as tx:
        assert load_invoices(tx, ORG) == []
