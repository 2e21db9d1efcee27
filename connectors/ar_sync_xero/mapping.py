"""Pure translation of Xero wire JSON into ar-sync's domain records.

Each ``*_from_xero`` function takes one record of a list page as Xero sends it, parsed with
``json.loads(..., parse_float=Decimal)`` (so money is ``Decimal``), and returns a domain record,
or ``None`` for documents that are not receivables at all (``ACCPAY`` bills, supplier credit
notes, spend-money overpayments). The SDK's per-record model deserialiser is not involved: it
cost half of a sync's CPU. What it checked and the mapping relies on is checked here the same
way, so a record it would have refused is still refused, alone:

- dates and instants are ``/Date(1518685950940+0000)/`` (epoch milliseconds, UTC; the offset
  is informational): a ``Date`` is that instant's UTC calendar day, as xero-python's
  ``date[ms-format]`` deserialiser has it; any other form is refused as the SDK refuses it;
- enums are strict, with the SDK's own value lists (``xero_python.accounting.models``:
  ``Invoice.type``/``status``, ``CreditNote``, ``Overpayment``, ``Prepayment``,
  ``Contact.contact_status``, ``Payment.status``, the ``CurrencyCode`` enum): an unknown
  ``Status`` or ``CurrencyCode`` is a ``DataError`` for that record, never a lost page;
- amounts are ``Decimal`` (a JSON integer too), finite and storable.

A record that cannot be understood raises ``DataError`` naming it; the connector counts it and
goes on. So does one with an amount the store cannot hold (``money.check_storable``: more than
4 decimal places), rather than failing the whole page when it is written. ``org_from_xero`` and
``trial_balance_amount`` take the SDK's models: they are one call each, not per record.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from xero_python.accounting.models import CurrencyCode

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

Json = Mapping[str, Any]

# Xero statuses shared by invoices and credits. AUTHORISED is the only state that is owed.
_STATUS = {
    "DRAFT": DocumentStatus.DRAFT,
    "SUBMITTED": DocumentStatus.SUBMITTED,
    "AUTHORISED": DocumentStatus.OPEN,
    "PAID": DocumentStatus.PAID,
    "VOIDED": DocumentStatus.VOIDED,
    "DELETED": DocumentStatus.DELETED,
}
# The values each SDK model's setter accepts (xero-python 15.x, accounting/models/*.py).
_INVOICE_TYPES = frozenset({"ACCPAY", "ACCPAYCREDIT", "APOVERPAYMENT", "APPREPAYMENT", "ACCREC",
                            "ACCRECCREDIT", "AROVERPAYMENT", "ARPREPAYMENT"})
_CREDIT_NOTE_TYPES = frozenset({"ACCPAYCREDIT", "ACCRECCREDIT"})
_OVERPAYMENT_TYPES = frozenset({"RECEIVE-OVERPAYMENT", "SPEND-OVERPAYMENT", "AROVERPAYMENT"})
_PREPAYMENT_TYPES = frozenset({"RECEIVE-PREPAYMENT", "SPEND-PREPAYMENT", "ARPREPAYMENT",
                               "APPREPAYMENT"})
_DOCUMENT_STATUSES = frozenset(_STATUS)  # Invoice and CreditNote
_PAYMENT_DOCUMENT_STATUSES = frozenset({"AUTHORISED", "PAID", "VOIDED"})  # Over-/Prepayment
_CONTACT_STATUSES = frozenset({"ACTIVE", "ARCHIVED", "GDPRREQUEST"})
_PAYMENT_STATUSES = frozenset({"AUTHORISED", "DELETED"})
_CURRENCIES = frozenset(code.value for code in CurrencyCode)

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

_ZERO = Decimal(0)
_MS_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{2,4})?\)/")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def ms_instant(text: Any) -> datetime | None:
    """``/Date(1518685950940+0000)/`` as an aware UTC datetime, exact to the millisecond;
    None when ``text`` is not in that form."""
    return _ms_instant(text) if isinstance(text, str) else None


@lru_cache(maxsize=4096)
def _ms_instant(text: str) -> datetime | None:
    """``ms_instant`` of a string, cached: a sync reads each record's ``UpdatedDateUTC`` twice
    (its page's watermark, then its mapping), a page of records apart."""
    match = _MS_DATE.fullmatch(text)
    if match is None:
        return None
    return _EPOCH + timedelta(milliseconds=int(match.group(1)))


@lru_cache(maxsize=4096)
def _ms_day(text: str) -> date | None:
    """``ms_instant(text)``'s UTC calendar day (documents share few distinct dates: cached)."""
    moment = ms_instant(text)
    return None if moment is None else moment.date()


def _text(value: Any) -> str | None:
    """An SDK enum or string as plain text (enums carry their wire value in ``.value``)."""
    if value is None:
        return None
    return str(getattr(value, "value", value))


def _id(row: Json, field: str, what: str) -> str:
    value = row.get(field)
    if value in (None, ""):
        raise DataError(f"missing {field}", record_id=what)
    return str(value)


def _required(row: Json, field: str, record_id: str) -> Any:
    value = row.get(field)
    if value is None:
        raise DataError(f"missing {field}", record_id=record_id)
    return value


def _object(row: Json, field: str, record_id: str) -> Json:
    value = _required(row, field, record_id)
    if value.__class__ is not dict and not isinstance(value, Mapping):  # dict: skip the ABC check
        raise DataError(f"{field} is not an object", record_id=record_id)
    return value


def _enum(row: Json, field: str, allowed: frozenset[str], record_id: str) -> str | None:
    """``row[field]``, which must be one of ``allowed`` when present (as the SDK requires)."""
    value = row.get(field)
    if value in (None, ""):
        return None
    if value not in allowed:
        raise DataError(f"unknown {field} {value!r}", record_id=record_id)
    return str(value)


def _status(row: Json, allowed: frozenset[str], record_id: str) -> DocumentStatus:
    value = _enum(row, "Status", allowed, record_id)
    if value is None:
        raise DataError("unknown status None", record_id=record_id)
    return _STATUS[value]


def _currency(row: Json, base_currency: str, record_id: str) -> str:
    return _enum(row, "CurrencyCode", _CURRENCIES, record_id) or base_currency


def _instant(row: Json, field: str, record_id: str, *, label: str | None = None) -> datetime:
    """A required ``/Date(ms)/`` instant field, UTC; ``label`` names it in messages."""
    name = label or field
    text = row.get(field)
    if text is None:
        raise DataError(f"missing {name}", record_id=record_id)
    moment = ms_instant(text)
    if moment is None:
        raise DataError(f"{name} is not a Xero date: {text!r}", record_id=record_id)
    return moment


def _day(row: Json, field: str, record_id: str, *, label: str | None = None) -> date:
    """A required ``/Date(ms)/`` date field: the instant's UTC calendar day."""
    text = row.get(field)
    day = _ms_day(text) if isinstance(text, str) else None
    return day if day is not None else _instant(row, field, record_id, label=label).date()


def _optional_day(row: Json, field: str, record_id: str) -> date | None:
    return _day(row, field, record_id) if row.get(field) is not None else None


def _amount(row: Json, field: str, record_id: str, *, label: str | None = None,
            default: Decimal | None = None, places: int | None = None) -> Decimal:
    """``row[field]`` as a storable ``Decimal`` (``default`` when absent; else DataError);
    ``label`` names it in messages (``Payments[].Amount``)."""
    name = label or field
    value = row.get(field)
    if value is None:
        if default is None:
            raise DataError(f"missing {name}", record_id=record_id)
        value = default
    if not isinstance(value, Decimal):
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise DataError(f"{name} is not an amount: {value!r}", record_id=record_id)
        try:
            value = Decimal(value)
        except ArithmeticError:
            raise DataError(f"{name} is not an amount: {value!r}", record_id=record_id) from None
    if places is None:
        return check_storable(value, name, record_id=record_id)
    return check_storable(value, name, record_id=record_id, places=places)


def _rate(row: Json, record_id: str) -> Decimal:
    """Xero omits CurrencyRate (or sends 1) for base-currency documents."""
    if row.get("CurrencyRate") in (None, 0):
        return Decimal(1)
    return _amount(row, "CurrencyRate", record_id, places=RATE_PLACES)


def _list(row: Json, field: str, record_id: str) -> list[Json]:
    value = row.get(field) or ()
    if not isinstance(value, list | tuple) or not all(
        v.__class__ is dict or isinstance(v, Mapping) for v in value
    ):
        raise DataError(f"{field} is not a list of objects", record_id=record_id)
    return list(value)


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


def customer_from_xero(contact: Json, *, org_id: str, base_currency: str = "") -> Customer:
    """A contact; ``base_currency`` is accepted so every mapper has one signature."""
    contact_id = _id(contact, "ContactID", "contact")
    status = _enum(contact, "ContactStatus", _CONTACT_STATUSES, contact_id)
    return Customer(
        org_id=org_id,
        customer_id=contact_id,
        name=str(contact.get("Name") or ""),
        email=str(contact.get("EmailAddress") or "") or None,
        is_active=status in (None, "ACTIVE"),
        updated_at=_instant(contact, "UpdatedDateUTC", contact_id)
        if contact.get("UpdatedDateUTC") is not None
        else None,
    )


def invoice_from_xero(invoice: Json, *, org_id: str, base_currency: str) -> Invoice | None:
    """A sales invoice, or None for anything that is not ``ACCREC``.

    Called once per invoice of a sync, so each field's common form (a non-empty id, a known
    status, a ``/Date(ms)/`` string, a ``Decimal`` amount, no payments) is taken inline and
    anything else goes through the same helper as the other records, with its refusal."""
    record_id = invoice.get("InvoiceID")
    if record_id.__class__ is not str or not record_id:
        record_id = _id(invoice, "InvoiceID", "invoice")
    if invoice.get("Type") != "ACCREC":
        _enum(invoice, "Type", _INVOICE_TYPES, record_id)  # refuses an unknown type
        return None
    status = _STATUS.get(invoice.get("Status"))  # type: ignore[arg-type]
    if status is None:
        status = _status(invoice, _DOCUMENT_STATUSES, record_id)
    text = invoice.get("Date")
    issue_date = _ms_day(text) if text.__class__ is str else None
    if issue_date is None:
        issue_date = _day(invoice, "Date", record_id)
    contact = invoice.get("Contact")
    if contact.__class__ is not dict:
        contact = _object(invoice, "Contact", record_id)
    total = _amount(invoice, "Total", record_id, default=_ZERO)
    payments = _payments(invoice, org_id, record_id) if invoice.get("Payments") else ()
    customer_id = _contact_id(contact, record_id)
    text = invoice.get("DueDate")
    due_date = _ms_day(text) if text.__class__ is str else None
    if due_date is None:
        # A draft may have no due date yet; it is not aged, so its date stands in.
        due_date = _optional_day(invoice, "DueDate", record_id) or issue_date
    currency = invoice.get("CurrencyCode")
    if currency not in _CURRENCIES:  # None or "" (the base currency), else refused
        currency = _currency(invoice, base_currency, record_id)
    rate = invoice.get("CurrencyRate")
    due = invoice.get("AmountDue")
    return Invoice(
        org_id=org_id,
        invoice_id=record_id,
        customer_id=customer_id,
        number=str(invoice.get("InvoiceNumber") or ""),
        status=status,
        issue_date=issue_date,
        due_date=due_date,
        currency=currency,
        fx_rate=check_storable(rate, "CurrencyRate", record_id=record_id, places=RATE_PLACES)
        if rate.__class__ is Decimal and rate
        else _rate(invoice, record_id),
        fx_quote=RateQuote.DOCUMENT_PER_BASE,
        total=total,
        amount_due=check_storable(due, "AmountDue", record_id=record_id)
        if due.__class__ is Decimal
        else _amount(invoice, "AmountDue", record_id, default=total),
        updated_at=_instant(invoice, "UpdatedDateUTC", record_id),
        payments=payments,
    )


def _payments(invoice: Json, org_id: str, record_id: str) -> tuple[Allocation, ...]:
    """An invoice's ``Payments`` as its payment allocations (deleted ones left out)."""
    return tuple(
        Allocation(
            org_id=org_id,
            allocation_id=str(payment["PaymentID"]),
            invoice_id=record_id,
            source=AllocationSource.PAYMENT,
            source_id=str(payment["PaymentID"]),
            amount=_amount(payment, "Amount", record_id, label="Payments[].Amount"),
            date=_day(payment, "Date", record_id, label="Payments[].Date"),
        )
        for payment in _list(invoice, "Payments", record_id)
        if payment.get("PaymentID")
        and _enum(payment, "Status", _PAYMENT_STATUSES, record_id) != "DELETED"
    )


def _contact_id(contact: Json, record_id: str) -> str:
    value = contact.get("ContactID")
    if value in (None, ""):
        raise DataError("missing Contact.ContactID", record_id=record_id)
    return str(value)


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
    document: Json,
    *,
    record_id: str,
    number: str,
    org_id: str,
    base_currency: str,
    types: frozenset[str],
    statuses: frozenset[str],
) -> Credit | None:
    """A credit note, overpayment or prepayment; None for the supplier-side kinds. ``types``
    and ``statuses`` are the values the SDK's model of the document accepts.

    Allocations flagged ``IsDeleted`` are left out; one without an ``AllocationID`` gets the id
    ``fallback_allocation_id`` makes (Xero leaves it out on overpayments and prepayments).
    """
    kind = _RECEIVABLE_CREDIT_TYPES.get(_enum(document, "Type", types, record_id) or "")
    if kind is None:
        return None
    contact = _object(document, "Contact", record_id)
    allocations: list[Allocation] = []
    seen: Counter[tuple[str, date, Decimal]] = Counter()
    for allocation in _list(document, "Allocations", record_id):
        invoice = allocation.get("Invoice")
        deleted = allocation.get("IsDeleted")
        if deleted is not None and not isinstance(deleted, bool):
            raise DataError(f"IsDeleted is not a boolean: {deleted!r}", record_id=record_id)
        if not isinstance(invoice, Mapping) or deleted:
            continue
        invoice_id = str(invoice.get("InvoiceID"))
        amount = _amount(allocation, "Amount", record_id, label="Allocations[].Amount")
        day = _day(allocation, "Date", record_id, label="Allocations[].Date")
        occurrence = seen[(invoice_id, day, amount)]
        seen[(invoice_id, day, amount)] += 1
        allocations.append(
            Allocation(
                org_id=org_id,
                allocation_id=str(
                    allocation.get("AllocationID")
                    or fallback_allocation_id(record_id, invoice_id, day, amount, occurrence)
                ),
                invoice_id=invoice_id,
                source=_ALLOCATION_SOURCE[kind],
                source_id=record_id,
                amount=amount,
                date=day,
            )
        )
    total = _amount(document, "Total", record_id, default=Decimal(0))
    return Credit(
        org_id=org_id,
        credit_id=record_id,
        kind=kind,
        customer_id=_contact_id(contact, record_id),
        number=number,
        status=_status(document, statuses, record_id),
        date=_day(document, "Date", record_id),
        currency=_currency(document, base_currency, record_id),
        fx_rate=_rate(document, record_id),
        fx_quote=RateQuote.DOCUMENT_PER_BASE,
        total=total,
        remaining=_amount(document, "RemainingCredit", record_id, default=total),
        updated_at=_instant(document, "UpdatedDateUTC", record_id),
        allocations=tuple(allocations),
    )


def credit_note_from_xero(note: Json, *, org_id: str, base_currency: str) -> Credit | None:
    record_id = _id(note, "CreditNoteID", "credit note")
    number = str(note.get("CreditNoteNumber") or note.get("Reference") or "")
    return credit_from_xero(
        note, record_id=record_id, number=number, org_id=org_id, base_currency=base_currency,
        types=_CREDIT_NOTE_TYPES, statuses=_DOCUMENT_STATUSES,
    )


def overpayment_from_xero(overpayment: Json, *, org_id: str, base_currency: str) -> Credit | None:
    record_id = _id(overpayment, "OverpaymentID", "overpayment")
    return credit_from_xero(
        overpayment, record_id=record_id, number=str(overpayment.get("Reference") or ""),
        org_id=org_id, base_currency=base_currency,
        types=_OVERPAYMENT_TYPES, statuses=_PAYMENT_DOCUMENT_STATUSES,
    )


def prepayment_from_xero(prepayment: Json, *, org_id: str, base_currency: str) -> Credit | None:
    record_id = _id(prepayment, "PrepaymentID", "prepayment")
    number = str(prepayment.get("InvoiceNumber") or prepayment.get("Reference") or "")
    return credit_from_xero(
        prepayment, record_id=record_id, number=number, org_id=org_id,
        base_currency=base_currency, types=_PREPAYMENT_TYPES,
        statuses=_PAYMENT_DOCUMENT_STATUSES,
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
