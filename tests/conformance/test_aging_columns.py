"""The store's aging (``aging_for``: columns read in one SELECT, aged with numpy) equals the
reference ``age(receivables(...))`` on every ledger's generated company, synced into a real
store, to the cent, in every scheme and basis.

Each generated company has credits and a foreign currency (Xero: AUD customers, credit notes,
overpayments, prepayments; QuickBooks: multicurrency customers, credit memos, unapplied
payments). Three documents are added in the store after the sync, as a sync would write them:
a customer whose invoice and credit note cancel (listed at zero), a foreign invoice whose
conversion rounds half-up on the half cent, and its foreign credit. The aging is taken at
today, 45 days ahead, and 60 days back (when much of the company is issued after the as-of
date and left out).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ar_sync.aging.age import age, receivables
from ar_sync.aging.snapshots import aging_for
from ar_sync.domain import (
    Basis,
    Credit,
    CreditKind,
    DocumentStatus,
    Invoice,
    Org,
    RateQuote,
    Scheme,
)
from ar_sync.settings import load_settings
from ar_sync.store import Store
from ar_sync.store.orgs import get_org
from ar_sync.store.records import load_receivables, upsert_records
from tests.conformance.support import Ledger, connect


def _extra_documents(org: Org, today: date) -> list[Any]:
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    common = {"org_id": org.org_id, "status": DocumentStatus.OPEN, "updated_at": stamp}
    foreign = "EUR" if org.base_currency != "EUR" else "GBP"
    # 10.01 EUR at 1.5 base per EUR: 15.015 -> 15.02, half-up on the half cent.
    rate = Decimal("1.5")
    quote = RateQuote.BASE_PER_DOCUMENT
    return [
        Invoice(invoice_id="zero-net-invoice", customer_id="zero-net", number="ZN-1",
                issue_date=today - timedelta(days=40), due_date=today - timedelta(days=10),
                currency=org.base_currency, total=Decimal("123.45"),
                amount_due=Decimal("123.45"), **common),
        Credit(credit_id="zero-net-credit", kind=CreditKind.CREDIT_NOTE, customer_id="zero-net",
               number="ZN-CN", date=today - timedelta(days=5), currency=org.base_currency,
               total=Decimal("123.45"), remaining=Decimal("123.45"), **common),
        Invoice(invoice_id="half-cent-invoice", customer_id="half-cent", number="HC-1",
                issue_date=today - timedelta(days=70), due_date=today - timedelta(days=35),
                currency=foreign, fx_rate=rate, fx_quote=quote, total=Decimal("10.01"),
                amount_due=Decimal("10.01"), **common),
        Credit(credit_id="half-cent-credit", kind=CreditKind.CREDIT_NOTE, customer_id="half-cent",
               number="HC-CN", date=today - timedelta(days=3), currency=foreign, fx_rate=rate,
               fx_quote=quote, total=Decimal("3.0030"), remaining=Decimal("3.0030"), **common),
    ]


def test_aging_from_columns_equals_age_on_a_synced_generated_company(
    start_ledger: Callable[..., Ledger], cli: Callable[..., Any], today: date
) -> None:
    ledger = start_ledger(customers=40, invoices=400, seed=11)
    connect(cli, ledger)
    assert cli("sync").code == 0
    with Store(load_settings(None).db_url) as store:
        with store.reading() as tx:
            org = get_org(tx, ledger.org_id)
        assert org is not None
        with store.transaction() as tx:
            upsert_records(tx, _extra_documents(org, today))
        with store.reading() as tx:
            invoices, credits = load_receivables(tx, org.org_id)
            items = receivables(invoices, credits, base_currency=org.base_currency)
            # What the comparison covers: credits, foreign currencies, many customers.
            assert sum(1 for i in items if i.amount < 0) >= 5
            assert len({i.currency for i in items}) >= 3
            assert len({i.customer_id for i in items}) >= 30
            for as_of in (today, today + timedelta(days=45), today - timedelta(days=60)):
                later = sum(1 for i in items if i.issue_date > as_of)
                assert (later > 0) == (as_of < today)
                for scheme in Scheme:
                    for basis in Basis:
                        ours = aging_for(tx, org, as_of=as_of, scheme=scheme, basis=basis)
                        reference = age(items, as_of=as_of, scheme=scheme, basis=basis,
                                        base_currency=org.base_currency)
                        assert ours.report == reference, (as_of, scheme, basis)
            report = aging_for(tx, org, as_of=today).report
    listed = {c.customer_id: c for c in report.customers}
    assert listed["zero-net"].total == Decimal("0.00")
    half_cent = listed["half-cent"]
    # 15.02 (31-60) - 4.50 (3.003 * 1.5 = 4.5045 -> 4.50; 3 days old: 1-30) in base; 10.01
    # and -3.003 -> -3.00 in EUR.
    assert (half_cent.buckets["31-60"], half_cent.buckets["1-30"]) == (
        Decimal("15.02"), Decimal("-4.50")
    )
    foreign = "EUR" if org.base_currency != "EUR" else "GBP"
    assert half_cent.by_currency[foreign]["1-30"] == Decimal("-3.00")
    assert half_cent.total == Decimal("10.52")
