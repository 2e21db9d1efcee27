"""AgedReceivablesByContact: figures worked out by hand from samples/small_company.json.

As of 23 November 2026 (Due per contact, base currency NZD):

- Harbour Cafe 230.00: INV-0001 230.00 not yet due (INV-0002 and INV-0012 are paid).
- Tui Construction 1295.00: INV-0004 1150.00 - 150.00 credited = 1000.00 (54 days overdue),
  INV-0003 575.00 - 200.00 paid = 375.00 (18 days), CN-0001 230.00 - 150.00 allocated = -80.00.
  Its unapplied 500.00 prepayment of 12 November has no row: Xero's aged receivables report
  leaves prepayments out (3P: poolwerx.freshdesk.com/support/solutions/articles/13000108203).
- Kea Design Studio 437.00: INV-0005 345.00 (101 days), INV-0006 92.00 (79 days).
- Sydney Imports 1092.90: INV-0007 AUD 1000.00 / 0.9150 = 1092.8962 -> 1092.90 (9 days).
- Moana Surf School 360.00: INV-0011 460.00 - 60.00 = 400.00 (3 days), overpayment 100.00 - 60.00
  = -40.00. (INV-0008 DRAFT, INV-0009 SUBMITTED and INV-0010 VOIDED do not count.)
- Pacific Paper Supplies 0.00: a supplier; its bill is payable, not receivable.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from ar_sync_xero.sandbox import generate_company
from ar_sync_xero.sandbox.ledger import cents
from ar_sync_xero.sandbox.models import Prepayment
from ar_sync_xero.sandbox.reports import aged_lines
from hypothesis import given, settings
from hypothesis import strategies as st
from xero_python.exceptions import NotFoundException

CONTACTS = {
    "Harbour Cafe": "11111111-1111-4111-8111-000000000001",
    "Tui Construction Ltd": "11111111-1111-4111-8111-000000000002",
    "Kea Design Studio": "11111111-1111-4111-8111-000000000003",
    "Sydney Imports Pty Ltd": "11111111-1111-4111-8111-000000000004",
    "Moana Surf School": "11111111-1111-4111-8111-000000000005",
    "Pacific Paper Supplies": "11111111-1111-4111-8111-000000000006",
}


def _rows(report) -> list[tuple[str, list[str]]]:
    """Header, then every row inside the sections, as (row type, cell values)."""
    flat = []
    for row in report.rows:
        inner = row.rows if row.rows else [row]
        flat += [(r.row_type.value, [c.value for c in r.cells]) for r in inner]
    return flat


def _report(xero, name: str, **dates: str):
    (report,) = xero.api.get_report_aged_receivables_by_contact(
        xero.tenant, CONTACTS[name], **dates
    ).reports
    return report


def _closing_due(report) -> str:
    return _rows(report)[-1][1][-1]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (
            "2026-11-23",
            {
                "Harbour Cafe": "230.00",
                "Tui Construction Ltd": "1295.00",
                "Kea Design Studio": "437.00",
                "Sydney Imports Pty Ltd": "1092.90",
                "Moana Surf School": "360.00",
                "Pacific Paper Supplies": "0.00",
            },
        ),
        # INV-0012 was paid on 20 Nov. (Tui's prepayment of 12 Nov never counts.)
        (
            "2026-11-15",
            {
                "Harbour Cafe": "299.00",
                "Tui Construction Ltd": "1295.00",
                "Kea Design Studio": "437.00",
                "Sydney Imports Pty Ltd": "1092.90",
                "Moana Surf School": "360.00",
                "Pacific Paper Supplies": "0.00",
            },
        ),
        # Before INV-0003's part payment (10 Nov) and the overpayment (5 Nov).
        (
            "2026-11-01",
            {
                "Harbour Cafe": "69.00",
                "Tui Construction Ltd": "1495.00",
                "Kea Design Studio": "437.00",
                "Sydney Imports Pty Ltd": "1092.90",
                "Moana Surf School": "460.00",
                "Pacific Paper Supplies": "0.00",
            },
        ),
    ],
)
def test_due_per_contact(xero, as_of: str, expected: dict[str, str]) -> None:
    assert {name: _closing_due(_report(xero, name, date=as_of)) for name in CONTACTS} == expected


def test_rows_of_one_contact(xero) -> None:
    report = _report(xero, "Tui Construction Ltd", date="2026-11-23")
    assert (report.report_name, report.report_type, report.report_date) == (
        "Aged Receivables By Contact",
        "AgedReceivablesByContact",
        "23 November 2026",
    )
    assert report.report_titles == [
        "Invoices",
        "Tui Construction Ltd",
        "From 20 August 2026 to 23 November 2026",
        "Showing payments to 23 November 2026",
    ]
    assert _rows(report) == [
        ("Header", ["Date", "Number", "Due Date", "", "Total", "Paid", "Credited", "Due"]),
        ("Row", ["2026-08-20T00:00:00", "Opening Balance", "", "", "", "", "", "0.00"]),
        (
            "Row",
            [
                "2026-08-20T00:00:00",
                "INV-0004",
                "2026-09-30T00:00:00",
                "54 days overdue",
                "1150.00",
                "0.00",
                "150.00",
                "1000.00",
            ],
        ),
        (
            "Row",
            [
                "2026-10-01T00:00:00",
                "INV-0003",
                "2026-11-05T00:00:00",
                "18 days overdue",
                "575.00",
                "200.00",
                "0.00",
                "375.00",
            ],
        ),
        (
            "Row",
            [
                "2026-10-10T00:00:00",
                "CN-0001",
                "2026-10-10T00:00:00",
                "",
                "-230.00",
                "0.00",
                "-150.00",
                "-80.00",
            ],
        ),
        # No row for the unapplied 500.00 prepayment of 12 November.
        ("SummaryRow", ["Total", "", "", "", "1495.00", "200.00", "0.00", "1295.00"]),
        ("SummaryRow", ["Closing Balance", "", "", "", "1495.00", "200.00", "0.00", "1295.00"]),
    ]
    invoice_row = report.rows[2].rows[0]
    assert {(a.id, a.value) for cell in invoice_row.cells for a in cell.attributes} == {
        ("invoiceID", "22222222-2222-4222-8222-000000000004")
    }
    credit_row = report.rows[2].rows[2]
    assert credit_row.cells[0].attributes[0].id == "creditNoteID"


def test_period_moves_earlier_rows_into_the_opening_balance(xero) -> None:
    report = _report(xero, "Tui Construction Ltd", date="2026-11-23", from_date="2026-10-01")
    rows = _rows(report)
    assert rows[1] == (
        "Row",
        ["2026-10-01T00:00:00", "Opening Balance", "", "", "", "", "", "1000.00"],
    )
    assert [r[1][1] for r in rows[2:-2]] == ["INV-0003", "CN-0001"]
    # 375.00 - 80.00 listed; closing 1000.00 + 295.00.
    assert rows[-2][1][-1] == "295.00" and rows[-1][1][-1] == "1295.00"


def test_foreign_rows_are_converted_and_rounded_half_up(http, sandbox, xero) -> None:
    # AUD 0.02 at 0.8000 AUD per NZD is exactly NZD 0.025: half-up gives 0.03 (half-even: 0.02).
    http.json(
        "POST",
        f"{sandbox.url}/_sandbox/invoices",
        body={
            "Type": "ACCREC",
            "InvoiceNumber": "INV-0099",
            "Contact": {"ContactID": CONTACTS["Sydney Imports Pty Ltd"]},
            "Date": "2026-11-20",
            "DueDate": "2026-12-20",
            "Status": "AUTHORISED",
            "LineAmountTypes": "NoTax",
            "CurrencyCode": "AUD",
            "CurrencyRate": 0.8,
            "Total": 0.02,
        },
    )
    rows = _rows(_report(xero, "Sydney Imports Pty Ltd", date="2026-11-23"))
    assert [r[1] for r in rows[2:]] == [
        [
            "2026-10-15T00:00:00",
            "INV-0007",
            "2026-11-14T00:00:00",
            "9 days overdue",
            "1092.90",
            "0.00",
            "0.00",
            "1092.90",
        ],
        [
            "2026-11-20T00:00:00",
            "INV-0099",
            "2026-12-20T00:00:00",
            "",
            "0.03",
            "0.00",
            "0.00",
            "0.03",
        ],
        ["Total", "", "", "", "1092.93", "0.00", "0.00", "1092.93"],
        ["Closing Balance", "", "", "", "1092.93", "0.00", "0.00", "1092.93"],
    ]


def test_default_date_is_today_in_the_organisations_timezone(xero) -> None:
    before = datetime.now(ZoneInfo("Pacific/Auckland")).date()
    report = _report(xero, "Harbour Cafe")
    after = datetime.now(ZoneInfo("Pacific/Auckland")).date()
    assert report.report_date in {f"{d.day} {d:%B %Y}" for d in (before, after)}


def test_parameters(http, sandbox, bearer, xero) -> None:
    url = f"{sandbox.api_url}/Reports/AgedReceivablesByContact"
    missing = http("GET", f"{url}?date=2026-11-23", headers=bearer)
    assert missing.status == 400
    assert json.loads(missing.data)["Elements"][0]["ValidationErrors"][0]["Message"] == (
        "contactId is a required parameter"
    )
    upper = http(
        "GET", f"{url}?ContactID={CONTACTS['Kea Design Studio']}&DATE=2026-11-23", headers=bearer
    )
    assert (
        json.loads(upper.data)["Reports"][0]["Rows"][-1]["Rows"][0]["Cells"][-1]["Value"]
        == "437.00"
    )
    bad_date = http(
        "GET", f"{url}?contactId={CONTACTS['Kea Design Studio']}&date=23/11/2026", headers=bearer
    )
    assert bad_date.status == 400
    with pytest.raises(NotFoundException):
        xero.api.get_report_aged_receivables_by_contact(
            xero.tenant, "11111111-1111-4111-8111-000000000099"
        )


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**32), customers=st.integers(1, 6), invoices=st.integers(0, 30))
def test_report_as_of_today_agrees_with_the_settled_books(seed, customers, invoices) -> None:
    """Computed from dated payments and allocations, the report matches AmountDue and
    RemainingCredit when every payment and allocation is in the past; prepayments have no row
    (their allocations are in the invoices' AmountDue)."""
    today = date(2026, 11, 23)
    company = generate_company(customers=customers, invoices=invoices, seed=seed, today=today)
    for contact in company.contacts:
        lines = aged_lines(company, contact.ContactID, today)
        owed = {
            i.id: cents(i.AmountDue / i.CurrencyRate)
            for i in company.invoices
            if i.Contact.ContactID == contact.ContactID
            and i.Type == "ACCREC"
            and i.Status in ("AUTHORISED", "PAID")
            and i.AmountDue
        }
        credit = {
            c.id: -cents(c.RemainingCredit / c.CurrencyRate)
            for c in company.credits()
            if c.Contact.ContactID == contact.ContactID
            and c.is_receivable
            and not isinstance(c, Prepayment)
            and c.Status in ("AUTHORISED", "PAID")
            and c.RemainingCredit
        }
        assert {line.document_id: line.due for line in lines} == owed | credit
