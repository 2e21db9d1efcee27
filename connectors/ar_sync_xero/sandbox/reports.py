"""``GET /Reports/AgedReceivablesByContact``, computed from the books as they stood on a date.

The product reconciles its own aging against this report, so it is computed here from the raw
payments and allocations (never from ``AmountDue``), as of the report date ``D``:

- **Invoices**: each ACCREC invoice dated on or before ``D`` that is AUTHORISED or PAID now.
  ``Paid`` = its AUTHORISED payments dated on or before ``D``; ``Credited`` = allocations of
  approved credit notes, overpayments and prepayments dated on or before ``D``;
  ``Due = Total - Paid - Credited``. Listed when ``Due`` is not zero, so an invoice paid after
  ``D`` is still listed. The fourth cell reads ``"N days overdue"`` when ``D`` is past the due
  date (``N = (D - DueDate).days``), else it is empty.
- **Unapplied credit**: each approved customer credit note and overpayment dated on or before
  ``D`` whose remaining credit at ``D`` (Total less allocations and refunds dated on or before
  ``D``) is not zero, as a negative row: ``Total``, ``Paid`` (refunds), ``Credited``
  (allocations) and ``Due`` all negated. Its number cell is the credit note number, or
  ``Overpayment``; its due-date cell is the document date.
- **Prepayments** never have a row of their own, applied or not: Xero's aged receivables report
  leaves them out (3P: poolwerx.freshdesk.com/support/solutions/articles/13000108203, "the Aged
  Receivable Report does not include prepayments"), as Xero keeps an unapplied prepayment out
  of Accounts Receivable (help.xero.com/nz/CustomerStatements-Prepayments). What was applied to
  an invoice by ``D`` is in that invoice's ``Credited``, like a credit note's allocation.
- DRAFT, SUBMITTED, VOIDED and DELETED documents and supplier (AP) documents never appear.
- **Base currency**: every amount of a foreign document is converted as
  ``amount / CurrencyRate`` (the document's rate) and each cell is rounded half-up to cents;
  totals add the rounded cells.
- **Period**: rows dated from ``fromDate`` to ``toDate`` are listed (defaults: the contact's
  first document date, and ``D``); what rows dated before ``fromDate`` still owe at ``D`` is the
  Opening Balance; Closing Balance ``Due`` = Opening Balance + the listed rows' ``Due``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from ar_sync_xero.sandbox import wire
from ar_sync_xero.sandbox.company import Company, payments_by_target
from ar_sync_xero.sandbox.ledger import APPROVED, ZERO, cents, live
from ar_sync_xero.sandbox.models import (
    Contact,
    Credit,
    CreditNote,
    Invoice,
    Overpayment,
    Payment,
    Prepayment,
)

HEADER = ("Date", "Number", "Due Date", "", "Total", "Paid", "Credited", "Due")


@dataclass(frozen=True, slots=True)
class AgedLine:
    """One document's row, amounts already in base currency and rounded."""

    day: date
    number: str
    due_date: date
    overdue_days: int | None
    total: Decimal
    paid: Decimal
    credited: Decimal
    due: Decimal
    attribute: str  # "invoiceID", "creditNoteID" or "overpaymentID"
    document_id: str


def aged_lines(company: Company, contact_id: str, report_date: date) -> list[AgedLine]:
    """Every document of the contact with something outstanding at ``report_date``, by date."""
    return receivable_lines(company, report_date).get(contact_id, [])


def receivable_lines(company: Company, report_date: date) -> dict[str, list[AgedLine]]:
    """Every customer invoice, credit note and overpayment with something outstanding at
    ``report_date`` (no prepayment), by contact id (each list sorted by date, number, id), as
    the module docstring says."""
    payments = payments_by_target(company.payments)
    credits = [c for c in company.credits() if c.is_receivable]
    credited: defaultdict[str, Decimal] = defaultdict(lambda: ZERO)
    for credit in credits:
        if credit.Status in APPROVED:
            for a in live(credit.Allocations):
                if a.Date is not None and a.Date <= report_date:
                    credited[a.Invoice.InvoiceID] += a.Amount
    lines: defaultdict[str, list[AgedLine]] = defaultdict(list)
    for invoice in company.invoices:
        line = _invoice_line(invoice, payments[invoice.id], credited[invoice.id], report_date)
        if line is not None:
            lines[invoice.Contact.ContactID].append(line)
    for credit in credits:
        # Prepayments: in their invoices' Credited above, never a row (module docstring; 3P:
        # poolwerx.freshdesk.com/support/solutions/articles/13000108203).
        if isinstance(credit, Prepayment):
            continue
        line = _credit_line(credit, payments[credit.id], report_date)
        if line is not None:
            lines[credit.Contact.ContactID].append(line)
    for contact_lines in lines.values():
        contact_lines.sort(key=lambda line: (line.day, line.number, line.document_id))
    return dict(lines)


def _invoice_line(
    invoice: Invoice, payments: Sequence[Payment], credited: Decimal, as_of: date
) -> AgedLine | None:
    if invoice.Type != "ACCREC" or invoice.Status not in APPROVED or invoice.Date > as_of:
        return None
    paid = _paid_by(payments, as_of)
    total = invoice.Total or ZERO
    due = total - paid - credited
    if due == 0:
        return None
    overdue = (as_of - invoice.DueDate).days
    return _line(
        invoice,
        invoice.number,
        invoice.DueDate,
        overdue if overdue > 0 else None,
        (total, paid, credited, due),
        "invoiceID",
    )


def _credit_line(
    credit: CreditNote | Overpayment, refunds: Sequence[Payment], as_of: date
) -> AgedLine | None:
    if credit.Status not in APPROVED or credit.Date > as_of:
        return None
    refunded = _paid_by(refunds, as_of)
    allocated = sum(
        (a.Amount for a in live(credit.Allocations) if a.Date is not None and a.Date <= as_of), ZERO
    )
    total = credit.Total or ZERO
    remaining = total - refunded - allocated
    if remaining == 0:
        return None
    if isinstance(credit, CreditNote):
        number, attribute = credit.number, "creditNoteID"
    else:
        number, attribute = "Overpayment", "overpaymentID"
    amounts = (-total, -refunded, -allocated, -remaining)
    return _line(credit, number, credit.Date, None, amounts, attribute)


def _paid_by(payments: Sequence[Payment], as_of: date) -> Decimal:
    return sum((p.Amount for p in payments if p.Status == "AUTHORISED" and p.Date <= as_of), ZERO)


def _line(
    doc: Invoice | Credit,
    number: str,
    due_date: date,
    overdue: int | None,
    amounts: tuple[Decimal, Decimal, Decimal, Decimal],
    attribute: str,
) -> AgedLine:
    rate = doc.CurrencyRate or Decimal(1)
    total, paid, credited, due = (cents(amount / rate) for amount in amounts)
    return AgedLine(
        doc.Date, number, due_date, overdue, total, paid, credited, due, attribute, doc.id
    )


def aged_receivables_report(
    company: Company,
    contact: Contact,
    *,
    report_date: date,
    from_date: date | None,
    to_date: date | None,
    now: datetime,
) -> dict[str, object]:
    """The report object (one element of ``Reports``) shaped like Xero's example."""
    lines = aged_lines(company, contact.ContactID, report_date)
    start = from_date or min((line.day for line in lines), default=report_date)
    end = to_date or report_date
    opening = sum((line.due for line in lines if line.day < start), ZERO)
    listed = [line for line in lines if start <= line.day <= end]
    totals = [
        sum((getattr(line, name) for line in listed), ZERO)
        for name in ("total", "paid", "credited", "due")
    ]
    closing = [*totals[:3], opening + totals[3]]
    return {
        "ReportName": "Aged Receivables By Contact",
        "ReportType": "AgedReceivablesByContact",
        "ReportTitles": [
            "Invoices",
            contact.Name,
            f"From {long_date(start)} to {long_date(end)}",
            f"Showing payments to {long_date(report_date)}",
        ],
        "ReportDate": long_date(report_date),
        "UpdatedDateUTC": wire.ms_datetime(now),
        "Fields": [],
        "Rows": [
            {"RowType": "Header", "Cells": [{"Value": title} for title in HEADER]},
            _section(
                [
                    _row(
                        [
                            wire.iso_day(start),
                            "Opening Balance",
                            "",
                            "",
                            "",
                            "",
                            "",
                            _amount(opening),
                        ]
                    )
                ]
            ),
            _section(
                [
                    *(_line_row(line) for line in listed),
                    _row(["Total", "", "", "", *map(_amount, totals)], "SummaryRow"),
                ]
            ),
            _section([_row(["Closing Balance", "", "", "", *map(_amount, closing)], "SummaryRow")]),
        ],
    }


def _line_row(line: AgedLine) -> dict[str, object]:
    overdue = "" if line.overdue_days is None else f"{line.overdue_days} days overdue"
    values = [
        wire.iso_day(line.day),
        line.number,
        wire.iso_day(line.due_date),
        overdue,
        *(_amount(a) for a in (line.total, line.paid, line.credited, line.due)),
    ]
    attributes = [{"Value": line.document_id, "Id": line.attribute}]
    return {"RowType": "Row", "Cells": [{"Value": v, "Attributes": attributes} for v in values]}


def _row(values: list[str], kind: str = "Row") -> dict[str, object]:
    return {"RowType": kind, "Cells": [{"Value": value} for value in values]}


def _section(rows: list[dict[str, object]]) -> dict[str, object]:
    return {"RowType": "Section", "Title": "", "Rows": rows}


def _amount(value: Decimal) -> str:
    return wire.decimal_text(cents(value))


def long_date(day: date) -> str:
    """``23 April 2019``, the way Xero writes report dates."""
    return f"{day.day} {day:%B %Y}"
