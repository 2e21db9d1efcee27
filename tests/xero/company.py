"""A small Xero company in Xero's own JSON shapes, dated relative to ``today``.

Every document is placed on a bucket boundary on purpose; the expected aging (days scheme, due
date basis, base currency NZD, timezone UTC) was worked out by hand and is in ``EXPECTED``.

Customer            current     1-30    31-60    61-90      91+     total
Aroha Cafe            70.00   200.00    80.00     0.00     0.00    350.00
Bay Plumbing          45.50     0.00   975.00   500.00   300.00   1820.50
Coastal Freight        0.00  1000.00     0.00     0.00   109.29   1109.29
Eden Florist           0.00   -60.00     0.00     0.00     0.00    -60.00
TOTAL                115.50  1140.00  1055.00   500.00   409.29   3219.79

- Aroha: INV-001 100.00 due in 10 days (current); INV-002 250.00 less a 50.00 payment, due 30
  days ago (1-30, inclusive); INV-003 80.00 due 31 days ago (31-60); an unapplied 30.00
  overpayment dated today (current, negative). A DRAFT and a SUBMITTED invoice are not owed.
- Bay: INV-004 1,075.00 less 75.00 credited from CN-002, due 60 days ago (31-60); INV-005 500.00
  due 61 days ago; INV-006 300.00 due 91 days ago; INV-007 45.50 due today (current). CN-002's
  remaining 25.00 is dated 40 days ago (31-60, negative). INV-011 is VOIDED, INV-012 PAID.
- Coastal (billed in AUD, CurrencyRate 0.9150 AUD per NZD): INV-008 915.00 AUD = 1,000.00 NZD due
  5 days ago; INV-009 100.00 AUD = 109.289... = 109.29 NZD due 95 days ago.
- Eden: CN-001 60.00 unapplied, 10 days ago (1-30). Its unapplied 20.00 prepayment, 100 days
  ago, is not a receivable: Xero keeps a prepayment out of Accounts Receivable until it is
  applied (help.xero.com/nz/CustomerStatements-Prepayments) and out of its aged report, and
  so does the aging (it is synced and stored all the same).
- Dune Supplies is a supplier: its ACCPAY bill and ACCPAYCREDIT note are not receivables.
- 91+ is INV-006 300.00 + INV-009 109.29 = 409.29; TOTAL is 350.00 + 1820.50 + 1109.29 - 60.00.
"""

from __future__ import annotations

import json

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

ORG_ID = "5a6d3e4f-1111-4c2b-9d7e-00000000a001"
AROHA = "c0000000-0000-4000-8000-000000000001"
BAY = "c0000000-0000-4000-8000-000000000002"
COASTAL = "c0000000-0000-4000-8000-000000000003"
DUNE = "c0000000-0000-4000-8000-000000000004"
EDEN = "c0000000-0000-4000-8000-000000000005"

BUCKETS = ("current", "1-30", "31-60", "61-90", "91+")
EXPECTED: dict[str, dict[str, str]] = {
    "Aroha Cafe": {"current": "70.00", "1-30": "200.00", "31-60": "80.00", "61-90": "0.00",
                   "91+": "0.00", "total": "350.00"},
    "Bay Plumbing": {"current": "45.50", "1-30": "0.00", "31-60": "975.00", "61-90": "500.00",
                     "91+": "300.00", "total": "1820.50"},
    "Coastal Freight": {"current": "0.00", "1-30": "1000.00", "31-60": "0.00", "61-90": "0.00",
                        "91+": "109.29", "total": "1109.29"},
    "Eden Florist": {"current": "0.00", "1-30": "-60.00", "31-60": "0.00", "61-90": "0.00",
                     "91+": "0.00", "total": "-60.00"},
}
EXPECTED_TOTALS = {"current": "115.50", "1-30": "1140.00", "31-60": "1055.00", "61-90": "500.00",
                   "91+": "409.29", "total": "3219.79"}

INVOICE_IDS = {f"INV-{n:03d}": f"a0000000-0000-4000-8000-{n:012d}" for n in range(1, 14)}
INVOICE_IDS["BILL-1"] = "a0000000-0000-4000-8000-000000000901"
_MONEY_KEYS = {"SubTotal", "TotalTax", "Total", "AmountDue", "AmountPaid", "AmountCredited",
               "CurrencyRate", "RemainingCredit", "Amount", "UnitAmount", "LineAmount"}


def _numbers(value: Any) -> Any:
    """Money written as strings above becomes JSON numbers (Decimal), as Xero sends them."""
    if isinstance(value, dict):
        return {key: Decimal(item) if key in _MONEY_KEYS and isinstance(item, str)
                else _numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_numbers(item) for item in value]
    return value


def dump_company(company: dict[str, Any]) -> str:
    """JSON text of a company; Decimals become JSON numbers."""
    return json.dumps(company, default=float, indent=1)


def _contact(contact_id: str, name: str, *, email: str | None, supplier: bool = False) -> dict:
    contact: dict[str, Any] = {
        "ContactID": contact_id,
        "Name": name,
        "ContactStatus": "ACTIVE",
        "IsCustomer": not supplier,
        "IsSupplier": supplier,
        "UpdatedDateUTC": "2026-01-05T09:00:00",
    }
    if email:
        contact["EmailAddress"] = email
    return contact


def build_company(today: date) -> dict[str, Any]:
    """The company as a JSON-able dict (ISO dates, which the sandbox loader accepts)."""

    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    stamp_counter = iter(range(1, 1000))

    def stamp() -> str:
        # Distinct, past UpdatedDateUTC values, one minute apart, ending two days ago.
        minute = next(stamp_counter)
        moment = f"{(today - timedelta(days=3)).isoformat()}T08:{minute:02d}:00"
        return moment

    def invoice(
        number: str,
        contact: tuple[str, str],
        total: str,
        *,
        due: int,
        status: str = "AUTHORISED",
        issued: int | None = None,
        paid: str = "0.00",
        credited: str = "0.00",
        currency: str = "NZD",
        rate: str = "1.0",
        kind: str = "ACCREC",
        payments: list[dict] | None = None,
    ) -> dict:
        amount_due = Decimal(total) - Decimal(paid) - Decimal(credited)
        if status in ("VOIDED", "DELETED"):
            amount_due = Decimal(0)  # Xero owes nothing on a voided document
        document = {
            "InvoiceID": INVOICE_IDS[number],
            "InvoiceNumber": number,
            "Type": kind,
            "Status": status,
            "Contact": {"ContactID": contact[0], "Name": contact[1]},
            "Date": day(issued if issued is not None else due - 30),
            "DueDate": day(due),
            "LineAmountTypes": "Exclusive",
            "LineItems": [{"Description": f"Services {number}", "Quantity": Decimal(1),
                           "UnitAmount": total, "LineAmount": total, "AccountCode": "200"}],
            "SubTotal": total,
            "TotalTax": "0.00",
            "Total": total,
            "AmountDue": str(amount_due),
            "AmountPaid": paid,
            "AmountCredited": credited,
            "CurrencyCode": currency,
            "CurrencyRate": rate,
            "UpdatedDateUTC": stamp(),
        }
        if payments:
            document["Payments"] = payments
        return document

    aroha = (AROHA, "Aroha Cafe")
    bay = (BAY, "Bay Plumbing")
    coastal = (COASTAL, "Coastal Freight")
    dune = (DUNE, "Dune Supplies")
    eden = (EDEN, "Eden Florist")

    payment_002 = {"PaymentID": "d0000000-0000-4000-8000-000000000002", "Date": day(-20),
                   "Amount": "50.00"}
    payment_012 = {"PaymentID": "d0000000-0000-4000-8000-000000000012", "Date": day(-50),
                   "Amount": "400.00"}
    invoices = [
        invoice("INV-001", aroha, "100.00", due=10),
        invoice("INV-002", aroha, "250.00", due=-30, paid="50.00", payments=[payment_002]),
        invoice("INV-003", aroha, "80.00", due=-31),
        invoice("INV-004", bay, "1075.00", due=-60, credited="75.00"),
        invoice("INV-005", bay, "500.00", due=-61),
        invoice("INV-006", bay, "300.00", due=-91),
        invoice("INV-007", bay, "45.50", due=0),
        invoice("INV-008", coastal, "915.00", due=-5, currency="AUD", rate="0.9150"),
        invoice("INV-009", coastal, "100.00", due=-95, currency="AUD", rate="0.9150"),
        invoice("INV-010", aroha, "999.00", due=20, status="DRAFT"),
        invoice("INV-011", bay, "777.00", due=-15, status="VOIDED"),
        invoice("INV-012", bay, "400.00", due=-45, status="PAID", paid="400.00",
                payments=[payment_012]),
        invoice("INV-013", aroha, "120.00", due=5, status="SUBMITTED"),
        invoice("BILL-1", dune, "650.00", due=-20, kind="ACCPAY"),
    ]
    payments = [
        {**payment_002, "Invoice": {"InvoiceID": INVOICE_IDS["INV-002"], "InvoiceNumber": "INV-002"},
         "Status": "AUTHORISED", "PaymentType": "ACCRECPAYMENT", "UpdatedDateUTC": stamp()},
        {**payment_012, "Invoice": {"InvoiceID": INVOICE_IDS["INV-012"], "InvoiceNumber": "INV-012"},
         "Status": "AUTHORISED", "PaymentType": "ACCRECPAYMENT", "UpdatedDateUTC": stamp()},
    ]
    credit_notes = [
        {
            "CreditNoteID": "e0000000-0000-4000-8000-000000000001",
            "CreditNoteNumber": "CN-001",
            "Type": "ACCRECCREDIT",
            "Status": "AUTHORISED",
            "Contact": {"ContactID": EDEN, "Name": "Eden Florist"},
            "Date": day(-10),
            "LineAmountTypes": "Exclusive",
            "SubTotal": "60.00", "TotalTax": "0.00", "Total": "60.00",
            "RemainingCredit": "60.00",
            "CurrencyCode": "NZD",
            "UpdatedDateUTC": stamp(),
        },
        {
            "CreditNoteID": "e0000000-0000-4000-8000-000000000002",
            "CreditNoteNumber": "CN-002",
            "Type": "ACCRECCREDIT",
            "Status": "AUTHORISED",
            "Contact": {"ContactID": BAY, "Name": "Bay Plumbing"},
            "Date": day(-40),
            "LineAmountTypes": "Exclusive",
            "SubTotal": "100.00", "TotalTax": "0.00", "Total": "100.00",
            "RemainingCredit": "25.00",
            "CurrencyCode": "NZD",
            "Allocations": [{"AllocationID": "f0000000-0000-4000-8000-000000000002",
                             "Amount": "75.00", "Date": day(-40),
                             "Invoice": {"InvoiceID": INVOICE_IDS["INV-004"],
                                         "InvoiceNumber": "INV-004"}}],
            "UpdatedDateUTC": stamp(),
        },
        {
            "CreditNoteID": "e0000000-0000-4000-8000-000000000003",
            "CreditNoteNumber": "SCN-1",
            "Type": "ACCPAYCREDIT",
            "Status": "AUTHORISED",
            "Contact": {"ContactID": DUNE, "Name": "Dune Supplies"},
            "Date": day(-12),
            "LineAmountTypes": "Exclusive",
            "SubTotal": "35.00", "TotalTax": "0.00", "Total": "35.00",
            "RemainingCredit": "35.00",
            "CurrencyCode": "NZD",
            "UpdatedDateUTC": stamp(),
        },
    ]
    overpayments = [
        {
            "OverpaymentID": "e1000000-0000-4000-8000-000000000001",
            "Type": "RECEIVE-OVERPAYMENT",
            "Status": "AUTHORISED",
            "Contact": {"ContactID": AROHA, "Name": "Aroha Cafe"},
            "Date": day(0),
            "LineAmountTypes": "NoTax",
            "SubTotal": "30.00", "TotalTax": "0.00", "Total": "30.00",
            "RemainingCredit": "30.00",
            "CurrencyCode": "NZD",
            "UpdatedDateUTC": stamp(),
        }
    ]
    prepayments = [
        {
            "PrepaymentID": "e2000000-0000-4000-8000-000000000001",
            "Type": "RECEIVE-PREPAYMENT",
            "Status": "AUTHORISED",
            "Contact": {"ContactID": EDEN, "Name": "Eden Florist"},
            "Date": day(-100),
            "LineAmountTypes": "NoTax",
            "SubTotal": "20.00", "TotalTax": "0.00", "Total": "20.00",
            "RemainingCredit": "20.00",
            "CurrencyCode": "NZD",
            "UpdatedDateUTC": stamp(),
        }
    ]
    return _numbers({
        "Organisation": {
            "OrganisationID": ORG_ID,
            "Name": "Kauri Test Traders",
            "BaseCurrency": "NZD",
            "CountryCode": "NZ",
            "Timezone": "UTC",
            "ShortCode": "!kTT01",
        },
        "Contacts": [
            _contact(AROHA, "Aroha Cafe", email="accounts@aroha.example"),
            _contact(BAY, "Bay Plumbing", email="office@bay.example"),
            _contact(COASTAL, "Coastal Freight", email="ap@coastal.example"),
            _contact(DUNE, "Dune Supplies", email=None, supplier=True),
            _contact(EDEN, "Eden Florist", email="hello@eden.example"),
        ],
        "Invoices": invoices,
        "CreditNotes": credit_notes,
        "Overpayments": overpayments,
        "Prepayments": prepayments,
        "Payments": payments,
    })
