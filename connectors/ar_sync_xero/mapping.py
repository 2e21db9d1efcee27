"""Pure translation of xero-python models into ar-sync's domain records.

Each ``*_from_xero`` function takes one SDK model (already deserialised, money as ``Decimal``)
and returns a domain record, or ``None`` for documents that are not receivables at all (``ACCPAY``
bills, supplier credit notes, spend-money overpayments). A record that cannot be understood raises
``DataError`` naming it; the connector counts it and goes on. So does one with an amount the
store cannot hold (``money.check_storable``: more than 4 decimal places), rather than failing
the whole page when it is written.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ar_sync.domain import (
    Allocation,
    AllocationSource,
    Credit,
    CreditKind,
    Customer,
    DocumentStatus,
    Invoice,
    Org,
    RateQuote,
    make_org_id,
)
from ar_sync.errors import DataError
from ar_sync.money import RATE_PLACES, check_storable
from ar_sync_xero.timezones import iana_timezone

PLATFORM = "xero"

# Xero statuses shared by invoices and credits. AUTHORISED is the only state that is owed.
_STATUS = {
    "DRAFT": DocumentStatus.DRAFT,
    "SUBMITTED": DocumentStatus.SUBMITTED,
    "AUTHORISED": DocumentStatus.OPEN,
    "PAID": DocumentStatus.PAID,
    "VOIDED": DocumentStatus.VOIDED,
    "DELETED": DocumentStatus.DELETED,
}

_RECEIVABLE_CREDIT_TYPES = {
    "ACCRECCREDIT": CreditKind.CREDIT_NOTE,
    "RECEIVE-OVERPAYMENT": CreditKind.OVERPAYMENT,
    "AROVERPAYMENT": CreditKind.OVERPAYMENT,
    "RECEIVE-PREPAYMENT": CreditKind.PREPAYMENT,
    "ARPREPAYMENT": CreditKind.PREPAYMENT,
}

_ALLOCATION_SOURCE = {
    CreditKind.CREDIT_NOTE: AllocationSource.CREDIT_NOTE,
    CreditKind.OVERPAYMENT: AllocationSource.OVERPAYMENT,
    CreditKind.PREPAYMENT: AllocationSource.PREPAYMENT,
}


def _text(value: Any) -> str | None:
    """An SDK enum or string as plain text (enums carry their wire value in ``.value``)."""
    if value is None:
        return None
    return str(getattr(value, "value", value))


def _status(value: Any, record_id: str) -> DocumentStatus:
    status = _STATUS.get(_text(value) or "")
    if status is None:
        raise DataError(f"unknown status {_text(value)!r}", record_id=record_id)
    return status


def _required(value: Any, field: str, record_id: str) -> Any:
    if value is None:
        raise DataError(f"missing {field}", record_id=record_id)
    return value


def _utc(moment: datetime, record_id: str) -> datetime:
    if moment.tzinfo is None:
        raise DataError("UpdatedDateUTC has no timezone", record_id=record_id)
    return moment.astimezone(UTC)


def _rate(value: Decimal | None, record_id: str) -> Decimal:
    """Xero omits CurrencyRate (or sends 1) for base-currency documents."""
    if value in (None, 0):
        return Decimal(1)
    return check_storable(Decimal(value), "CurrencyRate", record_id=record_id, places=RATE_PLACES)


def org_from_xero(
    organisation: Any, *, tenant_id: str, connection_id: str, api_url: str | None
) -> Org:
    """An ``Org`` from ``GET /Organisation``; unknown timezones fall back to UTC."""
    return Org(
        org_id=make_org_id(PLATFORM, tenant_id),
        platform=PLATFORM,
        tenant_id=tenant_id,
        name=organisation.name or tenant_id,
        base_currency=_text(organisation.base_currency) or "USD",
        timezone=iana_timezone(_text(organisation.timezone)) or "UTC",
        connection_id=connection_id,
        api_url=api_url,
    )


def customer_from_xero(contact: Any, *, org_id: str, base_currency: str = "") -> Customer:
    """A contact; ``base_currency`` is accepted so every mapper has one signature."""
    contact_id = _required(contact.contact_id, "ContactID", "contact")
    return Customer(
        org_id=org_id,
        customer_id=str(contact_id),
        name=contact.name or "",
        email=contact.email_address or None,
        is_active=_text(contact.contact_status) in (None, "ACTIVE"),
        updated_at=_utc(contact.updated_date_utc, str(contact_id))
        if contact.updated_date_utc
        else None,
    )


def invoice_from_xero(invoice: Any, *, org_id: str, base_currency: str) -> Invoice | None:
    """A sales invoice, or None for anything that is not ``ACCREC``."""
    record_id = str(_required(invoice.invoice_id, "InvoiceID", "invoice"))
    if _text(invoice.type) != "ACCREC":
        return None
    status = _status(invoice.status, record_id)
    issue_date: date = _required(invoice.date, "Date", record_id)
    contact = _required(invoice.contact, "Contact", record_id)
    total = check_storable(
        invoice.total if invoice.total is not None else Decimal(0), "Total", record_id=record_id
    )
    payments = tuple(
        Allocation(
            org_id=org_id,
            allocation_id=str(payment.payment_id),
            invoice_id=record_id,
            source=AllocationSource.PAYMENT,
            source_id=str(payment.payment_id),
            amount=check_storable(
                _required(payment.amount, "Payments[].Amount", record_id),
                "Payments[].Amount",
                record_id=record_id,
            ),
            date=_required(payment.date, "Payments[].Date", record_id),
        )
        for payment in invoice.payments or ()
        if payment.payment_id and _text(payment.status) != "DELETED"
    )
    return Invoice(
        org_id=org_id,
        invoice_id=record_id,
        customer_id=str(_required(contact.contact_id, "Contact.ContactID", record_id)),
        number=invoice.invoice_number or "",
        status=status,
        issue_date=issue_date,
        # A draft may have no due date yet; it is not aged, so its date stands in.
        due_date=invoice.due_date or issue_date,
        currency=_text(invoice.currency_code) or base_currency,
        fx_rate=_rate(invoice.currency_rate, record_id),
        fx_quote=RateQuote.DOCUMENT_PER_BASE,
        total=total,
        amount_due=check_storable(invoice.amount_due, "AmountDue", record_id=record_id)
        if invoice.amount_due is not None
        else total,
        updated_at=_utc(_required(invoice.updated_date_utc, "UpdatedDateUTC", record_id), record_id),
        payments=payments,
    )


def fallback_allocation_id(
    credit_id: str, invoice_id: str, day: date, amount: Decimal, occurrence: int
) -> str:
    """An id for an allocation Xero sent without ``AllocationID``, stable across re-reads.

    ``occurrence`` counts the earlier allocations of the same credit with the same invoice, date
    and amount (0 for the first), so two identical same-day allocations stay two, and adding or
    removing any other allocation changes no id: ``"<credit>:<invoice>:<date>:<amount>:<n>"``.
    """
    return f"{credit_id}:{invoice_id}:{day.isoformat()}:{amount.normalize():f}:{occurrence}"


def credit_from_xero(
    document: Any, *, record_id: str, number: str, org_id: str, base_currency: str
) -> Credit | None:
    """A credit note, overpayment or prepayment; None for the supplier-side kinds.

    Allocations flagged ``IsDeleted`` are left out; one without an ``AllocationID`` gets the id
    ``fallback_allocation_id`` makes (Xero leaves it out on overpayments and prepayments).
    """
    kind = _RECEIVABLE_CREDIT_TYPES.get(_text(document.type) or "")
    if kind is None:
        return None
    contact = _required(document.contact, "Contact", record_id)
    allocations: list[Allocation] = []
    seen: Counter[tuple[str, date, Decimal]] = Counter()
    for allocation in document.allocations or ():
        if allocation.invoice is None or allocation.is_deleted:
            continue
        invoice_id = str(allocation.invoice.invoice_id)
        amount = check_storable(
            _required(allocation.amount, "Allocations[].Amount", record_id),
            "Allocations[].Amount",
            record_id=record_id,
        )
        day = _required(allocation.date, "Allocations[].Date", record_id)
        occurrence = seen[(invoice_id, day, amount)]
        seen[(invoice_id, day, amount)] += 1
        allocations.append(
            Allocation(
                org_id=org_id,
                allocation_id=str(
                    allocation.allocation_id
                    or fallback_allocation_id(record_id, invoice_id, day, amount, occurrence)
                ),
                invoice_id=invoice_id,
                source=_ALLOCATION_SOURCE[kind],
                source_id=record_id,
                amount=amount,
                date=day,
            )
        )
    total = check_storable(
        document.total if document.total is not None else Decimal(0), "Total", record_id=record_id
    )
    return Credit(
        org_id=org_id,
        credit_id=record_id,
        kind=kind,
        customer_id=str(_required(contact.contact_id, "Contact.ContactID", record_id)),
        number=number,
        status=_status(document.status, record_id),
        date=_required(document.date, "Date", record_id),
        currency=_text(document.currency_code) or base_currency,
        fx_rate=_rate(document.currency_rate, record_id),
        fx_quote=RateQuote.DOCUMENT_PER_BASE,
        total=total,
        remaining=check_storable(document.remaining_credit, "RemainingCredit", record_id=record_id)
        if document.remaining_credit is not None
        else total,
        updated_at=_utc(_required(document.updated_date_utc, "UpdatedDateUTC", record_id), record_id),
        allocations=tuple(allocations),
    )


def credit_note_from_xero(note: Any, *, org_id: str, base_currency: str) -> Credit | None:
    record_id = str(_required(note.credit_note_id, "CreditNoteID", "credit note"))
    number = note.credit_note_number or note.reference or ""
    return credit_from_xero(
        note, record_id=record_id, number=number, org_id=org_id, base_currency=base_currency
    )


def overpayment_from_xero(overpayment: Any, *, org_id: str, base_currency: str) -> Credit | None:
    record_id = str(_required(overpayment.overpayment_id, "OverpaymentID", "overpayment"))
    return credit_from_xero(
        overpayment,
        record_id=record_id,
        number=overpayment.reference or "",
        org_id=org_id,
        base_currency=base_currency,
    )


def prepayment_from_xero(prepayment: Any, *, org_id: str, base_currency: str) -> Credit | None:
    record_id = str(_required(prepayment.prepayment_id, "PrepaymentID", "prepayment"))
    number = prepayment.invoice_number or prepayment.reference or ""
    return credit_from_xero(
        prepayment, record_id=record_id, number=number, org_id=org_id, base_currency=base_currency
    )


def trial_balance_amount(report: Any, account_id: str) -> Decimal:
    """An account's balance in a ``Reports/TrialBalance`` report, base currency, debit positive.

    The balance is the row's ``YTD Debit`` less its ``YTD Credit`` (for asset, liability and
    equity accounts the YTD figures carry the balance of earlier years; ``Debit``/``Credit`` are
    the report month's alone). The row is the one whose cells carry the attribute
    ``account = account_id``; Xero leaves out accounts without a balance, so no row is 0.
    """
    rows = report.reports[0].rows or []
    header = next((row for row in rows if _text(row.row_type) == "Header"), None)
    titles = [cell.value for cell in (header.cells or [])] if header is not None else []
    debit = titles.index("YTD Debit") if "YTD Debit" in titles else 3
    credit = titles.index("YTD Credit") if "YTD Credit" in titles else 4
    wanted = account_id.lower()
    for section in rows:
        for row in section.rows or []:
            cells = row.cells or []
            ids = {
                str(attribute.value).lower()
                for cell in cells
                for attribute in cell.attributes or ()
                if attribute.id == "account"
            }
            if wanted in ids:
                return _cell_amount(cells, debit) - _cell_amount(cells, credit)
    return Decimal("0.00")


def _cell_amount(cells: list[Any], index: int) -> Decimal:
    """A report cell's amount (report cells are strings; empty means nothing)."""
    value = cells[index].value if index < len(cells) else None
    if value in (None, ""):
        return Decimal("0.00")
    try:
        return Decimal(str(value).replace(",", ""))
    except ArithmeticError:
        raise DataError(f"a Trial Balance amount is not a number: {value!r}") from None
