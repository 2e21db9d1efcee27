"""The columns aging reads (``ar_sync.store.receivables``), on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ar_sync.aging.age import age, receivables
from ar_sync.aging.columns import RECEIVABLE_CREDIT_KINDS
from ar_sync.aging.snapshots import aging_for
from ar_sync.domain import CreditKind, DocumentStatus, RateQuote
from ar_sync.store import Store
from ar_sync.store.orgs import get_org
from ar_sync.store.receivables import ReceivableRow, customer_names, receivable_batches
from ar_sync.store.records import load_receivables, upsert_records
from tests.store.records import ORG, credit, customer, invoice

DOCUMENTS = [
    customer("C1", name="Aroha Cafe"),
    customer("C2", name="Bolt Ltd", is_active=False),
    invoice("I1", amount_due=Decimal("115.00")),
    invoice("I2", amount_due=Decimal("0.00")),  # paid down: not a receivable
    invoice("I3", amount_due=Decimal("0.0001"), issue_date=date(1969, 12, 1),
            due_date=date(1969, 12, 31)),  # before the day numbers' epoch
    invoice("I4", status=DocumentStatus.PAID, amount_due=Decimal("1.00")),
    invoice("I5", customer_id="C2", currency="AUD", fx_rate=Decimal("0.9150000001"),
            amount_due=Decimal("200.0050"), due_date=date(2025, 3, 1)),
    credit("CN1", remaining=Decimal("50.00")),
    credit("CN2", remaining=Decimal("0.00")),
    credit("CN3", kind=CreditKind.PREPAYMENT, remaining=Decimal("0.01")),  # left out
    credit("CN4", kind=CreditKind.OVERPAYMENT, customer_id="C2", currency="USD",
           fx_rate=Decimal("0.6"), fx_quote=RateQuote.BASE_PER_DOCUMENT,
           remaining=Decimal("12.3456"), date=date(2025, 1, 1)),
]


def test_receivable_rows_are_plain_exact_columns(org_store: Store) -> None:
    with org_store.transaction() as tx:
        upsert_records(tx, DOCUMENTS)
    with org_store.reading() as tx:
        batches = receivable_batches(tx, ORG, credit_kinds=RECEIVABLE_CREDIT_KINDS)
        rows = sorted(ReceivableRow._make(row) for batch in batches for row in batch)
        names = customer_names(tx, ORG)
    # Days since 1970-01-01: 2025-01-15 is 20103, 2025-02-14 is 20133, 1969-12-31 is -1.
    # Balances in 10^-4 units, credits negative; a rate of 1 is None, others exact.
    assert [row[:5] for row in rows] == [
        ("C1", "NZD", -31, -1, 1),
        ("C1", "NZD", 20103, 20133, 1_150_000),
        ("C1", "NZD", 20108, 20108, -500_000),
        ("C2", "AUD", 20103, 20148, 2_000_050),
        ("C2", "USD", 20089, 20089, -123_456),
    ]
    assert [(r.fx_rate and Decimal(r.fx_rate), r.fx_quote) for r in rows] == [
        (None, None),
        (None, None),
        (None, None),
        (Decimal("0.9150000001"), "document_per_base"),
        (Decimal("0.6"), "base_per_document"),
    ]
    assert names == {"C1": "Aroha Cafe", "C2": "Bolt Ltd"}


def test_the_store_s_aging_equals_age_of_the_loaded_records(org_store: Store) -> None:
    with org_store.transaction() as tx:
        upsert_records(tx, DOCUMENTS)
    with org_store.reading() as tx:
        org = get_org(tx, ORG)
        assert org is not None
        invoices, credits = load_receivables(tx, ORG)
        items = receivables(invoices, credits, base_currency="NZD")
        for as_of in (date(2025, 1, 10), date(2025, 3, 20), date(2025, 9, 1)):
            ours = aging_for(tx, org, as_of=as_of).report
            assert ours == age(items, as_of=as_of, base_currency="NZD")
        report = aging_for(tx, org, as_of=date(2025, 3, 20)).report
    c1, c2 = report.customers
    # C1: 115.00 (34 days: 31-60), the 0.0001 of 1969 (91+, 0.00 in NZD), -50.00 (59 days).
    assert dict(c1.buckets) == {"current": Decimal("0.00"), "1-30": Decimal("0.00"),
                                "31-60": Decimal("65.00"), "61-90": Decimal("0.00"),
                                "91+": Decimal("0.00")}
    # C2: 200.005 AUD / 0.9150000001 = 218.5846... -> 218.58 (19 days: 1-30); 12.3456 USD *
    # 0.6 = 7.40736 -> -7.41 (78 days: 61-90).
    assert (c2.buckets["1-30"], c2.buckets["61-90"], c2.total) == (
        Decimal("218.58"), Decimal("-7.41"), Decimal("211.17")
    )
    assert c2.by_currency == {
        "AUD": {"current": Decimal("0.00"), "1-30": Decimal("200.01"), "31-60": Decimal("0.00"),
                "61-90": Decimal("0.00"), "91+": Decimal("0.00")},
        "USD": {"current": Decimal("0.00"), "1-30": Decimal("0.00"), "31-60": Decimal("0.00"),
                "61-90": Decimal("-12.35"), "91+": Decimal("0.00")},
    }


def test_balances_become_exact_units_at_any_size(org_store: Store) -> None:
    amounts = ["9999999999999.99", "100", "0.5", "1234567.0001", "100000000000000.0000"]
    with org_store.transaction() as tx:
        upsert_records(tx, [invoice(f"I{n}", amount_due=Decimal(a)) for n, a in enumerate(amounts)])
    with org_store.reading() as tx:
        batches = receivable_batches(tx, ORG, credit_kinds=RECEIVABLE_CREDIT_KINDS)
        units = sorted(row[4] for batch in batches for row in batch)
    assert units == [5_000, 1_000_000, 12_345_670_001, 99_999_999_999_999_900,
                     1_000_000_000_000_000_000]
