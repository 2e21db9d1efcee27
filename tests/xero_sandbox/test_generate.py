"""The seeded company generator: determinism, exact counts, realistic spread, size."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from ar_sync_xero.sandbox import Company, XeroSandbox, generate_company
from ar_sync_xero.sandbox.company import company_document, parse_company
from ar_sync_xero.sandbox.wire import dumps

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def company() -> Company:
    return generate_company(customers=40, invoices=400, paid=200, seed=7, today=TODAY)


def _open(company: Company) -> list:
    return [
        i
        for i in company.invoices
        if i.Type == "ACCREC" and i.Status == "AUTHORISED" and i.AmountDue > 0
    ]


def test_same_arguments_same_company(company: Company) -> None:
    assert generate_company(customers=40, invoices=400, paid=200, seed=7, today=TODAY) == company
    assert generate_company(customers=40, invoices=400, paid=200, seed=8, today=TODAY) != company


def test_exact_counts(company: Company) -> None:
    kinds = Counter((i.Type, i.Status) for i in company.invoices)
    assert len(_open(company)) == 400
    assert kinds == {
        ("ACCREC", "AUTHORISED"): 400,
        ("ACCREC", "PAID"): 200,
        ("ACCREC", "DRAFT"): 4,
        ("ACCREC", "SUBMITTED"): 4,
        ("ACCREC", "VOIDED"): 4,
        ("ACCREC", "DELETED"): 4,
        ("ACCPAY", "AUTHORISED"): 12,
        ("ACCPAY", "PAID"): 8,
    }
    assert len(company.contacts) == 45  # 40 customers, 5 suppliers
    assert generate_company(customers=3, invoices=7, seed=1, today=TODAY).invoices.__len__() > 7
    assert len(_open(generate_company(customers=3, invoices=7, seed=1, today=TODAY))) == 7


def test_every_aging_bucket_and_due_dates_within_range(company: Company) -> None:
    overdue = [(TODAY - i.DueDate).days for i in _open(company)]
    buckets = Counter(
        "current"
        if d <= 0
        else "1-30"
        if d <= 30
        else "31-60"
        if d <= 60
        else "61-90"
        if d <= 90
        else "91+"
        for d in overdue
    )
    assert set(buckets) == {"current", "1-30", "31-60", "61-90", "91+"}
    assert min(overdue) >= -30 and max(overdue) <= 200


def test_part_payments_credits_and_foreign_currency(company: Company) -> None:
    open_invoices = _open(company)
    part_paid = [i for i in open_invoices if i.AmountPaid > 0]
    credited = [i for i in open_invoices if i.AmountCredited > 0]
    assert 60 <= len(part_paid) <= 140 and credited
    assert {c.Status for c in company.credit_notes} == {"AUTHORISED", "PAID"}
    assert all(c.RemainingCredit > 0 for c in company.overpayments)
    # Prepayments: base currency only (as Xero takes them); in turn unapplied, applied in full
    # to one open invoice, applied in part. 400 open invoices make four.
    shapes = []
    for prepayment in company.prepayments:
        assert prepayment.CurrencyCode == "NZD"
        applied = sum((a.Amount for a in prepayment.Allocations), Decimal("0.00"))
        assert prepayment.RemainingCredit == prepayment.Total - applied
        shapes.append((prepayment.Status, len(prepayment.Allocations), applied > 0,
                       prepayment.RemainingCredit > 0))
    assert shapes == [
        ("AUTHORISED", 0, False, True),  # unapplied
        ("PAID", 1, True, False),  # applied in full
        ("AUTHORISED", 1, True, True),  # applied in part
        ("AUTHORISED", 0, False, True),
    ]
    foreign = [i for i in company.invoices if i.CurrencyCode != "NZD"]
    assert {i.CurrencyCode for i in foreign} == {"AUD"}
    assert all(Decimal("0.9000") <= i.CurrencyRate <= Decimal("0.9299") for i in foreign)
    assert all(i.Total.as_tuple().exponent == -2 for i in company.invoices)


def test_stamps_are_in_the_past_and_distinct(company: Company) -> None:
    midnight = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=UTC)
    stamps = [i.UpdatedDateUTC for i in company.invoices]
    assert max(stamps) < midnight
    assert len(set(stamps)) == len(stamps)
    assert all(p.Date < TODAY for p in company.payments)


def test_generated_books_pass_the_file_loader(company: Company) -> None:
    """Written out and read back through every file check, the company is unchanged."""
    document = json.loads(dumps(company_document(company)), parse_float=Decimal)
    assert parse_company(document, source="generated") == company


@pytest.mark.slow
def test_twenty_thousand_open_invoices_generate_and_page(connect, http) -> None:
    """How fast this goes is ``make bench``'s to report (next to its target), not a test's."""
    big = generate_company(customers=400, invoices=20_000, seed=3, today=TODAY)
    assert len(_open(big)) == 20_000
    with XeroSandbox([big]) as sandbox:
        xero = connect(sandbox)
        headers = {
            "Authorization": f"Bearer {xero.token['access_token']}",
            "xero-tenant-id": xero.tenant,
        }
        url = (
            f"{sandbox.api_url}/Invoices?where=Type%3D%3D%22ACCREC%22+AND+AmountDue%3E0"
            "&order=UpdatedDateUTC+ASC&Statuses=AUTHORISED&page=7&summaryOnly=False&pageSize=1000"
        )
        for _ in range(2):  # the first request fills the cache; the second is served from it
            response = http("GET", url, headers=headers)
            assert response.status == 200
            assert len(json.loads(response.data)["Invoices"]) == 1000
        page = xero.api.get_invoices(
            xero.tenant,
            where='Type=="ACCREC" AND AmountDue>0',
            statuses=["AUTHORISED"],
            page=20,
            page_size=1000,
            order="UpdatedDateUTC ASC",
        )
        assert len(page.invoices) == 1000 and page.pagination.page_count == 20
