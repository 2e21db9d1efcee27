"""A generated Xero company with two years of history, and Xero's reports at past dates.

The company: ``generate_company(customers=40, invoices=400, seed=1, today=2026-12-02,
history_months=24)``. The expected open amounts at a date are worked out here from the company
file's raw documents by the rules of ``reports.py``'s docstring (an ACCREC invoice AUTHORISED or
PAID, dated on or before ``D``: total less payments and allocations dated on or before ``D``; a
credit note or overpayment dated on or before ``D``: minus its total less allocations dated on
or before ``D``; prepayments left out; each converted at its own rate and rounded to the cent).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from ar_sync_xero.sandbox import Company, SandboxLimits, generate_company
from ar_sync_xero.sandbox.company import company_document, file_json
from openapi_core.datatypes import RequestParameters

# The spec and its request/response adapters, as test_openapi.py (same directory) reads them.
from test_openapi import SPEC_SERVER, SpecRequest, SpecResponse
from test_openapi import xero_spec as openapi_spec  # noqa: F401 (a fixture)
from werkzeug.datastructures import Headers, ImmutableMultiDict

from ar_sync.sandbox.history import months_back

TODAY = date(2026, 12, 2)
MONTH_ENDS = [
    date(2025, 3, 31),
    date(2025, 6, 30),
    date(2025, 9, 30),
    date(2025, 12, 31),
    date(2026, 3, 31),
    date(2026, 9, 30),
]
ZERO = Decimal("0.00")


@pytest.fixture(scope="module")
def company() -> Company:
    return generate_company(customers=40, invoices=400, seed=1, today=TODAY, history_months=24)


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _paid_days(company: Company) -> dict[str, list[date]]:
    """Invoice id -> the dates of its payments and allocations (credit notes, overpayments)."""
    days: defaultdict[str, list[date]] = defaultdict(list)
    for payment in company.payments:
        if payment.Invoice is not None and payment.Status == "AUTHORISED":
            days[payment.Invoice.InvoiceID].append(payment.Date)
    for credit in (*company.credit_notes, *company.overpayments, *company.prepayments):
        for allocation in credit.Allocations:
            days[allocation.Invoice.InvoiceID].append(allocation.Date)
    return days


def _open_at(company: Company, day: date) -> tuple[Decimal, set[str]]:
    """The receivables total at the end of ``day`` (module docstring) and the invoices open."""
    taken: defaultdict[str, Decimal] = defaultdict(lambda: ZERO)
    for payment in company.payments:
        if payment.Status == "AUTHORISED" and payment.Date <= day:
            target = payment.Invoice.InvoiceID if payment.Invoice else payment.CreditNote.CreditNoteID
            taken[target] += payment.Amount
    approved = ("AUTHORISED", "PAID")
    for credit in (*company.credit_notes, *company.overpayments, *company.prepayments):
        for allocation in credit.Allocations:
            if credit.Status in approved and allocation.Date <= day:
                taken[allocation.Invoice.InvoiceID] += allocation.Amount
                taken[credit.id] += allocation.Amount
    total, open_ids = ZERO, set()
    for invoice in company.invoices:
        if invoice.Type == "ACCREC" and invoice.Status in approved and invoice.Date <= day:
            due = invoice.Total - taken[invoice.id]
            if due:
                total += _cents(due / (invoice.CurrencyRate or Decimal(1)))
                open_ids.add(invoice.id)
    for credit in (*company.credit_notes, *company.overpayments):
        if credit.Status in approved and credit.Date <= day:
            total -= _cents((credit.Total - taken[credit.id]) / (credit.CurrencyRate or Decimal(1)))
    return total, open_ids


def test_no_history_is_the_company_as_before() -> None:
    def dumped(**extra: int) -> str:
        made = generate_company(customers=12, invoices=60, seed=3, today=TODAY, **extra)
        return json.dumps(file_json(company_document(made)), sort_keys=True, default=str)

    assert dumped(history_months=0) == dumped()
    assert dumped(history_months=3) != dumped()


def test_two_years_of_documents_every_month_and_every_date_in_the_past(company) -> None:
    sales = [i for i in company.invoices if i.Type == "ACCREC"]
    months = Counter((i.Date.year, i.Date.month) for i in sales)
    wanted = [(2024 + (11 + k) // 12, (11 + k) % 12 + 1) for k in range(24)]  # 2024-12..2026-11
    assert wanted[0] == (2024, 12) and wanted[-1] == (2026, 11)
    assert min(months[m] for m in wanted) == 15
    assert min(i.Date for i in sales) == date(2024, 12, 3)
    assert len(sales) == 1068
    # Every date <= today; every stamp before today 00:00 UTC and on or after the day of the
    # document's last payment or allocation.
    midnight = datetime(2026, 12, 2, tzinfo=UTC)
    paid_days = _paid_days(company)
    for invoice in company.invoices:
        assert invoice.Date <= TODAY and invoice.UpdatedDateUTC < midnight
        last = max([invoice.Date, *paid_days.get(invoice.id, [])])
        assert invoice.UpdatedDateUTC.date() >= last, invoice.InvoiceNumber
    for credit in (*company.credit_notes, *company.overpayments, *company.prepayments):
        last = max([credit.Date, *(a.Date for a in credit.Allocations)])
        assert credit.UpdatedDateUTC < midnight and credit.UpdatedDateUTC.date() >= last
    assert all(p.Date < TODAY and p.UpdatedDateUTC < midnight for p in company.payments)


def test_each_behaviour_is_there(company) -> None:
    paid_days = _paid_days(company)
    sales = [i for i in company.invoices if i.Type == "ACCREC"]
    paid = [i for i in sales if i.Status == "PAID"]
    late = [i for i in paid if max(paid_days[i.id]) > i.DueDate]
    part_paid = [
        i for i in paid
        if sum(1 for p in company.payments if p.Invoice and p.Invoice.InvoiceID == i.id) >= 2
    ]
    credited_later = [
        c for c in company.credit_notes if any(a.Date > c.Date for a in c.Allocations)
    ]
    overpaid_later = [
        o for o in company.overpayments if any(a.Date > o.Date for a in o.Allocations)
    ]
    assert (len(paid), len(late), len(part_paid)) == (640, 304, 94)
    assert (len(credited_later), len(overpaid_later)) == (34, 17)
    assert sum(1 for i in sales if i.Status == "VOIDED") == 16
    assert Counter(i.CurrencyCode for i in paid) == {"NZD": 539, "AUD": 101}
    assert sum(1 for c in credited_later if c.CurrencyCode == "AUD") == 8
    # Customers differ: some always on time, some late on most invoices, some new.
    by_customer: defaultdict[str, list[bool]] = defaultdict(list)
    for invoice in paid:
        by_customer[invoice.Contact.ContactID].append(invoice in late)
    always_on_time = [c for c, lates in by_customer.items() if not any(lates)]
    mostly_late = [c for c, lates in by_customer.items() if sum(lates) * 2 > len(lates)]
    first_bill = {}
    for invoice in sales:
        contact = invoice.Contact.ContactID
        first_bill[contact] = min(first_bill.get(contact, invoice.Date), invoice.Date)
    new = [c for c, day in first_bill.items() if (TODAY - day).days < 90]
    assert (len(always_on_time), len(mostly_late), len(new)) == (5, 16, 4)


def _rows(report) -> list:
    return [inner for row in report.rows for inner in (row.rows or [row])]


def test_reports_at_past_month_ends_add_up_to_the_open_documents(
    company, make_sandbox, connect
) -> None:
    sandbox = make_sandbox([company], limits=SandboxLimits(per_minute=100_000, per_day=100_000))
    xero = connect(sandbox)
    paid_days = _paid_days(company)
    voided = {i.id for i in company.invoices if i.Status == "VOIDED"}
    customers = {i.Contact.ContactID for i in company.invoices if i.Type == "ACCREC"}
    # An invoice paid late, open at the first month-end and paid before the second.
    late = next(
        i for i in company.invoices
        if i.Status == "PAID" and i.Date <= MONTH_ENDS[0] < max(paid_days[i.id]) <= MONTH_ENDS[1]
        and max(paid_days[i.id]) > i.DueDate
    )
    seen: dict[date, set[str]] = {}
    for day in MONTH_ENDS:
        expected, open_ids = _open_at(company, day)
        total, listed = ZERO, set()
        for contact_id in sorted(customers):
            (report,) = xero.api.get_report_aged_receivables_by_contact(
                xero.tenant, contact_id, date=day.isoformat()
            ).reports
            rows = _rows(report)
            total += Decimal(rows[-1].cells[-1].value)
            listed |= {
                a.value for r in rows for a in (r.cells[0].attributes or [])
                if a.id == "invoiceID"
            }
        assert total == expected, day
        assert listed == open_ids and not listed & voided, day
        (trial,) = xero.api.get_report_trial_balance(xero.tenant, date=day.isoformat()).reports
        (receivables,) = [r for r in _rows(trial) if r.cells[0].value.startswith("Accounts Rec")]
        ytd_debit, ytd_credit = receivables.cells[3].value, receivables.cells[4].value
        assert (Decimal(ytd_debit) if ytd_debit else -Decimal(ytd_credit)) == expected, day
        seen[day] = listed
    assert late.id in seen[MONTH_ENDS[0]] and late.id not in seen[MONTH_ENDS[1]]


def test_past_reports_conform_to_the_spec(
    company, openapi_spec, make_sandbox, connect, http  # noqa: F811 (the imported fixture)
) -> None:
    sandbox = make_sandbox([company], limits=SandboxLimits(per_minute=1000))
    xero = connect(sandbox)
    headers = {"Authorization": f"Bearer {xero.token['access_token']}",
               "xero-tenant-id": xero.tenant}
    contact = next(i.Contact.ContactID for i in company.invoices if i.Status == "VOIDED")
    for day in MONTH_ENDS[:2]:
        for target in (
            f"/Reports/AgedReceivablesByContact?contactId={contact}&date={day}",
            f"/Reports/TrialBalance?date={day}",
        ):
            response = http("GET", sandbox.api_url + target, headers=headers)
            assert response.status == 200
            url = urlsplit(sandbox.api_url + target)
            openapi_spec.validate_response(
                SpecRequest(
                    host_url=SPEC_SERVER, path=url.path, method="get",
                    parameters=RequestParameters(
                        query=ImmutableMultiDict(parse_qsl(url.query)),
                        header=Headers({"xero-tenant-id": xero.tenant}),
                    ),
                    body=None, content_type="",
                ),
                SpecResponse(200, response.data, Headers(list(response.headers.items())),
                             response.headers.get("Content-Type", "")),
            )


def test_months_back_keeps_the_day_or_the_months_last() -> None:
    assert months_back(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_back(date(2026, 12, 2), 24) == date(2024, 12, 2)
    assert months_back(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert months_back(date(2026, 1, 15), 13) == date(2024, 12, 15)
