"""Money and instants survive the round trip exactly, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from ar_sync.domain import RateQuote
from ar_sync.store import Store
from ar_sync.store.records import load_customers, load_invoices, upsert_records
from ar_sync.store.runs import last_sync_run, start_sync_run
from tests.store.records import ORG, T0, customer, invoice, payment


@pytest.mark.parametrize(
    ("total", "amount_due", "fx_rate"),
    [
        ("1234567890.1234", "1234567890.1234", "0.9150"),
        ("-0.01", "-0.01", "1.0850000001"),
        ("100", "0.0001", "1"),
        ("99999999999999.9999", "0.00", "0.0000000001"),
    ],
)
def test_decimals_round_trip_exactly(
    org_store: Store, total: str, amount_due: str, fx_rate: str
) -> None:
    stored = invoice(
        "I1",
        total=Decimal(total),
        amount_due=Decimal(amount_due),
        fx_rate=Decimal(fx_rate),
        fx_quote=RateQuote.BASE_PER_DOCUMENT,
        payments=(payment("P1", "I1", "-0.0001"),),
    )
    with org_store.transaction() as tx:
        upsert_records(tx, [stored])
    with org_store.reading() as tx:
        [loaded] = load_invoices(tx, ORG, with_allocations=True)
    assert loaded == stored
    # Same digits, not just the same value: "0.9150" stays "0.9150", not "0.915".
    assert [v.as_tuple() for v in (loaded.total, loaded.amount_due, loaded.fx_rate)] == [
        Decimal(text).as_tuple() for text in (total, amount_due, fx_rate)
    ]
    assert all(isinstance(v, Decimal) for v in (loaded.total, loaded.amount_due, loaded.fx_rate))
    assert str(loaded.payments[0].amount) == "-0.0001"


def test_more_decimal_places_than_the_column_holds_are_refused(org_store: Store) -> None:
    with (
        pytest.raises(ValueError, match=r"0\.00001 has more than 4 decimal places"),
        org_store.transaction() as tx,
    ):
        upsert_records(tx, [invoice("I1", amount_due=Decimal("0.00001"))])
    with (
        pytest.raises(ValueError, match=r"has more than 10 decimal places"),
        org_store.transaction() as tx,
    ):
        upsert_records(tx, [invoice("I1", fx_rate=Decimal("1.00000000001"))])
    with org_store.reading() as tx:
        assert load_invoices(tx, ORG) == []


def test_floats_are_refused_as_money(org_store: Store) -> None:
    with (
        pytest.raises(TypeError, match="expected a Decimal, got float 0.1"),
        org_store.transaction() as tx,
    ):
        upsert_records(tx, [invoice("I1", total=0.1)])


def test_aware_datetimes_come_back_in_utc(org_store: Store) -> None:
    auckland = timezone(timedelta(hours=13))
    written = datetime(2025, 3, 2, 8, 15, 30, 123456, tzinfo=auckland)
    with org_store.transaction() as tx:
        upsert_records(tx, [invoice("I1", updated_at=written), customer("C1")])
    with org_store.reading() as tx:
        [loaded] = load_invoices(tx, ORG)
        assert loaded.updated_at == datetime(2025, 3, 1, 19, 15, 30, 123456, tzinfo=UTC)
        assert loaded.updated_at.tzinfo is UTC
        assert load_customers(tx, ORG)[0].updated_at == T0


def test_naive_datetimes_are_refused(org_store: Store) -> None:
    naive = datetime(2025, 3, 1, 9, 30)
    with pytest.raises(ValueError, match="naive"), org_store.transaction() as tx:
        upsert_records(tx, [invoice("I1", updated_at=naive)])
    with (
        pytest.raises(ValueError, match=r"refusing naive datetime 2025-03-01T09:30:00"),
        org_store.transaction() as tx,
    ):
        start_sync_run(tx, ORG, naive)
    with org_store.reading() as tx:
        assert load_invoices(tx, ORG) == []
        assert last_sync_run(tx, ORG, status=None) is None
