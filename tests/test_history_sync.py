"""History in the store: the window a sync keeps, the history pass's bookkeeping, a backfill's
call arithmetic, the AR_SYNC_HISTORY_MONTHS setting, and a QuickBooks credit memo applied
through a payment stored as the memo's allocation (on SQLite and PostgreSQL).

The syncs and backfills themselves, against both sandboxes, are in
``tests/conformance/test_history.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from ar_sync_quickbooks import mapping

from ar_sync.aging.measures import allocations_by_invoice, credit_remaining_at, open_amount_at
from ar_sync.domain import Allocation, AllocationSource, DocumentStatus
from ar_sync.store import Store
from ar_sync.store.orgs import save_org
from ar_sync.store.records import load_credits, upsert_records
from ar_sync.sync.history import (
    calls_for,
    day_budget,
    finished_since,
    plan_pass,
    since_instant,
    window_start,
)
from tests.postgres import postgres_url, store_url  # noqa: F401  (fixtures)
from tests.store.records import ORG, T0, make_org

STREAMS = ("invoices", "credit_memos", "payments")


@pytest.mark.parametrize(
    ("today", "months", "start"),
    [
        (date(2026, 12, 2), 12, date(2025, 12, 1)),
        (date(2026, 12, 31), 24, date(2024, 12, 1)),
        (date(2026, 1, 31), 1, date(2025, 12, 1)),
        (date(2026, 3, 1), 13, date(2025, 2, 1)),
    ],
)
def test_the_window_starts_on_the_first_of_the_month_n_months_back(today, months, start):
    assert window_start(today, months) == start


def test_the_window_starts_at_midnight_in_the_orgs_timezone():
    assert since_instant(date(2025, 12, 1), "Pacific/Auckland") == datetime(
        2025, 11, 30, 11, 0, tzinfo=UTC)
    assert since_instant(date(2025, 7, 1), "America/New_York") == datetime(
        2025, 7, 1, 4, 0, tzinfo=UTC)


D12, D24 = date(2025, 12, 1), date(2024, 12, 1)


@pytest.mark.parametrize(
    ("states", "wanted", "force", "plan"),
    [
        # history off: nothing, even with a pass left by a backfill
        ({"history-pass": {"since": "2024-12-01", "pending": ["payments"]}}, None, False, None),
        # a first sync: every document stream from the window's start
        ({}, D12, False, {"since": "2025-12-01", "pending": list(STREAMS)}),
        # complete from the window's start or earlier: none
        ({"history": {"since": "2025-12-01"}}, D12, False, None),
        ({"history": {"since": "2024-12-01"}}, D12, False, None),
        # a longer window than the stored history: a new pass
        ({"history": {"since": "2025-12-01"}}, D24, False,
         {"since": "2024-12-01", "pending": list(STREAMS)}),
        # an interrupted first pass: resumed where it stopped
        ({"history-pass": {"since": "2025-12-01", "pending": ["payments"]}}, D12, False,
         {"since": "2025-12-01", "pending": ["payments"]}),
        # a backfill from a date a pass under way already covers: resumed
        ({"history": {"since": "2025-12-01"},
          "history-pass": {"since": "2024-12-01", "pending": ["credit_memos", "payments"]}},
         D24, True, {"since": "2024-12-01", "pending": ["credit_memos", "payments"]}),
        # a backfill reaching further than the pass under way: a new pass
        ({"history-pass": {"since": "2025-12-01", "pending": ["payments"]}}, D24, True,
         {"since": "2024-12-01", "pending": list(STREAMS)}),
        # a backfill of what is already complete reads it again (the user asked)
        ({"history": {"since": "2024-12-01"}}, D12, True,
         {"since": "2025-12-01", "pending": list(STREAMS)}),
    ],
)
def test_the_history_pass_a_run_makes(states, wanted, force, plan):
    assert plan_pass(states, STREAMS, wanted, force=force) == plan


def test_a_finished_pass_only_ever_lowers_the_history_since():
    assert finished_since({}, D12) == D12
    assert finished_since({"history": {"since": "2025-12-01"}}, D24) == D24
    assert finished_since({"history": {"since": "2024-12-01"}}, D12) == D24


@pytest.mark.parametrize(
    ("documents", "calls"), [(0, 1), (1, 1), (999, 1), (1000, 2), (1001, 2), (4321, 5)]
)
def test_a_stream_of_documents_takes_its_full_pages_and_a_short_last_one(documents, calls):
    assert calls_for(documents, 1000) == calls


def test_a_backfill_keeps_a_tenth_of_a_daily_allowance_for_syncs():
    assert (day_budget(5000), day_budget(1000), day_budget(None)) == (4500, 900, None)


@pytest.mark.parametrize("value", ["twelve", "-1", "1.5", "121", "١٢"])
def test_a_bad_history_setting_is_one_line_naming_it(cli, monkeypatch, value):
    monkeypatch.setenv("AR_SYNC_HISTORY_MONTHS", value)
    result = cli("sync")
    assert result.code == 2
    assert result.err.strip() == (
        "error: AR_SYNC_HISTORY_MONTHS: expected the months of history a sync keeps (a whole "
        f"number from 0 to 120), got {value!r}"
    )


# ------------------------------------------- QuickBooks: a credit memo applied by a payment


def _memo(remaining: str) -> dict:
    return {"Id": "9", "DocNumber": "CM-1", "TxnDate": "2026-03-02", "TotalAmt": Decimal("80.00"),
            "RemainingCredit": Decimal(remaining), "CustomerRef": {"value": "3"},
            "MetaData": {"LastUpdatedTime": "2026-03-20T10:00:00Z"}}


def _applying_payment(*lines: tuple[str, str, str]) -> dict:
    """A zero-total payment whose lines link (TxnType, TxnId, Amount), as QBO applies a memo."""
    return {
        "Id": "301", "TxnDate": "2026-03-20", "TotalAmt": Decimal("0"),
        "UnappliedAmt": Decimal("0"), "CustomerRef": {"value": "3"},
        "Line": [{"Amount": Decimal(amount), "LinkedTxn": [{"TxnId": target, "TxnType": kind}]}
                 for kind, target, amount in lines],
        "MetaData": {"LastUpdatedTime": "2026-03-20T10:00:00Z"},
    }


MEMO_APPLIED = Allocation(
    org_id=ORG, allocation_id="301:0:130:9~by-payment", invoice_id="130",
    source=AllocationSource.CREDIT_NOTE, source_id="9", amount=Decimal("80.00"),
    date=date(2026, 3, 20),
)


def test_a_zero_total_payment_linking_a_memo_and_an_invoice_is_the_memos_allocation():
    payment = mapping.payment_from_quickbooks(
        _applying_payment(("Invoice", "130", "80.00"), ("CreditMemo", "9", "80.00")),
        org_id=ORG, base_currency="USD",
    )
    assert (payment.status, payment.total, payment.remaining) == (
        DocumentStatus.PAID, Decimal(0), Decimal(0))
    assert payment.allocations == (MEMO_APPLIED,)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:  # noqa: F811
    with Store(store_url) as opened:
        with opened.transaction() as tx:
            save_org(tx, make_org(), now=T0)
        yield opened


def test_a_memo_applied_by_a_payment_keeps_its_allocation_whoever_is_stored_last(store):
    memo = mapping.credit_memo_from_quickbooks(_memo("0.00"), org_id=ORG, base_currency="USD")
    applying = mapping.payment_from_quickbooks(
        _applying_payment(("Invoice", "130", "80.00"), ("CreditMemo", "9", "80.00")),
        org_id=ORG, base_currency="USD",
    )
    for batch in ([memo], [applying], [memo]):  # the memo again: it leaves the payment's alone
        with store.transaction() as tx:
            upsert_records(tx, batch)
    with store.reading() as tx:
        credits = {c.credit_id: c for c in load_credits(tx, ORG, with_allocations=True)}
    assert credits["9"].allocations == (MEMO_APPLIED,)
    assert credits["301"].allocations == ()
    # So the memo was unapplied until the 20th, and the invoice owed 80.00 less from then.
    assert [credit_remaining_at(credits["9"], date(2026, 3, d)) for d in (19, 20)] == [
        Decimal("80.00"), Decimal("0.00")]
    by_invoice = allocations_by_invoice([], credits.values())
    assert by_invoice == {"130": (MEMO_APPLIED,)}

    # The payment edited to link the invoice alone: the memo's allocation goes with it.
    relinked = mapping.payment_from_quickbooks(
        _applying_payment(("Invoice", "130", "80.00")), org_id=ORG, base_currency="USD")
    with store.transaction() as tx:
        upsert_records(tx, [relinked])
    with store.reading() as tx:
        credits = {c.credit_id: c for c in load_credits(tx, ORG, with_allocations=True)}
    assert credits["9"].allocations == ()
    assert [a.source for a in credits["301"].allocations] == [AllocationSource.PAYMENT]


def test_open_amount_counts_the_memo_from_the_day_the_payment_applied_it():
    invoice = mapping.invoice_from_quickbooks(
        {"Id": "130", "DocNumber": "1130", "TxnDate": "2026-03-01", "DueDate": "2026-03-31",
         "TotalAmt": Decimal("200.00"), "Balance": Decimal("120.00"),
         "CustomerRef": {"value": "3"},
         "MetaData": {"LastUpdatedTime": "2026-03-20T10:00:00Z"}},
        org_id=ORG, base_currency="USD",
    )
    assert [open_amount_at(invoice, [MEMO_APPLIED], date(2026, 3, d)) for d in (19, 20)] == [
        Decimal("200.00"), Decimal("120.00")]
