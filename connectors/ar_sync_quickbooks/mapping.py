"""Pure translation of QuickBooks Online wire JSON into ar-sync's domain records.

Every function takes one entity as python-quickbooks returns it with ``use_decimal=True`` (a
``dict`` whose amounts are ``Decimal``) and returns a domain record. A record that cannot be
understood raises ``DataError`` naming it; the connector counts it and goes on. So does one
with an amount the store cannot hold (``money.check_storable``: QuickBooks writes line amounts
with up to 5 decimal places, ar-sync stores 4), rather than failing the page when it is written.

QuickBooks' rules, as mapped here:

- An invoice is owed while ``Balance > 0`` (the amount due); ``Balance == 0`` is paid. A voided
  invoice keeps its row with every amount zeroed and ``PrivateNote`` "Voided", or
  "Voided - <the note it had>" (QBO prepends the word to an existing note).
- ``ExchangeRate`` is home-currency units per one unit of the document's currency
  (``RateQuote.BASE_PER_DOCUMENT``); it is absent or 1 for home-currency documents.
- A ``Payment`` is a document of its own: it owns its applications to invoices (lines whose
  ``LinkedTxn`` has ``TxnType`` "Invoice") and its ``UnappliedAmt`` is a customer credit. Invoices
  therefore carry ``payments=None``.
- A ``CreditMemo``'s ``RemainingCredit`` is the credit still to apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.core import get_global

from ar_sync.domain import (
    APPLIED_BY_PAYMENT,
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
from ar_sync.money import AMOUNT_PLACES, RATE_PLACES, check_storable

PLATFORM = "quickbooks"
# What QuickBooks writes into PrivateNote when a document is voided: "Voided", or "Voided - "
# before the note it had (recorded_json/invoice_void.response.json; "Voided - RC 93" in a
# voided bill-payment at docs.cloud-elements.com/home/5dd7b4a).
VOIDED_NOTE = "Voided"
VOIDED_PREFIX = "Voided - "

Json = Mapping[str, Any]


def _id(entity: Json, what: str) -> str:
    value = entity.get("Id")
    if value in (None, ""):
        raise DataError(f"{what} without an Id")
    return str(value)


def _required(entity: Json, field: str, record_id: str) -> Any:
    value = entity.get(field)
    if value in (None, ""):
        raise DataError(f"missing {field}", record_id=record_id)
    return value


def _ref(entity: Json, field: str, record_id: str) -> str:
    """The ``value`` of a reference such as ``CustomerRef: {"value": "1", "name": ...}``."""
    ref = _required(entity, field, record_id)
    value = ref.get("value") if ref.__class__ is dict or isinstance(ref, Mapping) else None
    if value in (None, ""):
        raise DataError(f"{field} has no value", record_id=record_id)
    return str(value)


def _day(entity: Json, field: str, record_id: str) -> date:
    text = entity.get(field)
    if text.__class__ is str and text:
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass  # refused below, with the field's name
    text = _required(entity, field, record_id)
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise DataError(f"{field} is not a date: {text!r}", record_id=record_id) from None


def _amount(
    entity: Json,
    field: str,
    record_id: str,
    default: Decimal | None = None,
    *,
    places: int = AMOUNT_PLACES,
) -> Decimal:
    """``entity[field]`` as a ``Decimal`` the store can hold (at most ``places`` decimal places:
    QuickBooks allows 5 on a line amount, ar-sync stores 4); ``DataError`` otherwise."""
    value = entity.get(field)
    if value.__class__ is Decimal and value.is_finite():  # the common case, as below
        return check_storable(value, field, record_id=record_id, places=places)
    if value in (None, ""):
        if default is None:
            raise DataError(f"missing {field}", record_id=record_id)
        return default
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except ArithmeticError:
        raise DataError(f"{field} is not an amount: {value!r}", record_id=record_id) from None
    if not amount.is_finite():
        raise DataError(f"{field} is not an amount: {value!r}", record_id=record_id)
    return check_storable(amount, field, record_id=record_id, places=places)


def parse_instant(text: str) -> datetime:
    """A QuickBooks timestamp (``2015-10-02T10:43:57-07:00``, offset required) in UTC."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without an offset: {text!r}")
    return moment.astimezone(UTC)


@lru_cache(maxsize=4096)
def _utc_instant(text: str) -> datetime:
    """``parse_instant``, cached: a sync reads each record's ``LastUpdatedTime`` twice (its
    page's watermark, then its mapping), a page of records apart."""
    return parse_instant(text)


def last_updated(entity: Json) -> datetime:
    """``MetaData.LastUpdatedTime`` in UTC; ``DataError`` when absent or unreadable."""
    text = (entity.get("MetaData") or {}).get("LastUpdatedTime")
    if text.__class__ is str and text:  # the common case; anything else is refused below
        try:
            return _utc_instant(text)
        except ValueError:
            pass
    record_id = str(entity.get("Id", "?"))
    if not text:
        raise DataError("missing MetaData.LastUpdatedTime", record_id=record_id)
    try:
        return _utc_instant(str(text))
    except ValueError:
        raise DataError(
            f"MetaData.LastUpdatedTime is not a timestamp: {text!r}", record_id=record_id
        ) from None


def _currency(entity: Json, base_currency: str) -> str:
    ref = entity.get("CurrencyRef")
    value = ref.get("value") if ref.__class__ is dict or isinstance(ref, Mapping) else None
    return str(value) if value else base_currency


_ONE = Decimal(1)


def _rate(entity: Json, record_id: str) -> Decimal:
    value = entity.get("ExchangeRate")
    if value.__class__ is int and value == 1:  # a home-currency document: Decimal("1")
        return _ONE
    rate = _amount(entity, "ExchangeRate", record_id, default=Decimal(1), places=RATE_PLACES)
    if rate <= 0:
        raise DataError(f"ExchangeRate must be positive, got {rate}", record_id=record_id)
    return rate


def _is_voided(entity: Json, total: Decimal) -> bool:
    """Zeroed, with QBO's void note ("Voided" alone or prefixed to the old note)."""
    note = entity.get("PrivateNote")
    return (
        total == 0
        and isinstance(note, str)
        and (note == VOIDED_NOTE or note.startswith(VOIDED_PREFIX))
    )


# The most populous zone of the multi-zone countries QuickBooks Online sells in.
_MAIN_ZONE = {"US": "America/New_York", "CA": "America/Toronto", "AU": "Australia/Sydney"}


def default_timezone(country: str | None) -> str | None:
    """A country's main IANA zone: its only zone in CLDR, or the most populous of several for
    the countries QuickBooks sells in (``"US"`` -> ``America/New_York``); else CLDR's first."""
    code = (country or "").upper()
    zones = get_global("territory_zones").get(code)
    return _MAIN_ZONE.get(code) or (zones[0] if zones else None)


def _valid_zone(name: str | None) -> str | None:
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def org_from_quickbooks(
    company_info: Json,
    preferences: Json | None,
    *,
    realm_id: str,
    connection_id: str,
    api_url: str | None,
) -> Org:
    """An ``Org`` from ``CompanyInfo`` and ``Preferences``.

    The timezone is ``CompanyInfo.DefaultTimeZone`` when it is an IANA name, else the country's
    first CLDR zone, else UTC. The base currency is ``CurrencyPrefs.HomeCurrency`` (USD when
    the company has no multicurrency preferences, as QuickBooks US companies do).
    """
    home = ((preferences or {}).get("CurrencyPrefs") or {}).get("HomeCurrency") or {}
    timezone = (
        _valid_zone(company_info.get("DefaultTimeZone"))
        or default_timezone(company_info.get("Country"))
        or "UTC"
    )
    return Org(
        org_id=make_org_id(PLATFORM, realm_id),
        platform=PLATFORM,
        tenant_id=realm_id,
        name=str(company_info.get("CompanyName") or realm_id),
        base_currency=str(home.get("value") or "USD"),
        timezone=timezone,
        connection_id=connection_id,
        api_url=api_url,
    )


def customer_from_quickbooks(entity: Json, *, org_id: str, base_currency: str = "") -> Customer:
    """A customer; ``base_currency`` is accepted so every mapper has one signature."""
    record_id = _id(entity, "Customer")
    email = (entity.get("PrimaryEmailAddr") or {}).get("Address")
    return Customer(
        org_id=org_id,
        customer_id=record_id,
        name=str(entity.get("DisplayName") or entity.get("CompanyName") or ""),
        email=str(email) if email else None,
        is_active=entity.get("Active", True) is not False,
        updated_at=last_updated(entity),
    )


def invoice_from_quickbooks(entity: Json, *, org_id: str, base_currency: str) -> Invoice:
    """An invoice: open while ``Balance > 0``, voided when zeroed with the "Voided" note."""
    record_id = _id(entity, "Invoice")
    issue_date = _day(entity, "TxnDate", record_id)
    total = _amount(entity, "TotalAmt", record_id, default=Decimal(0))
    balance = _amount(entity, "Balance", record_id, default=total)
    if balance > 0:
        status = DocumentStatus.OPEN
    elif _is_voided(entity, total):
        status = DocumentStatus.VOIDED
    else:
        status = DocumentStatus.PAID
    return Invoice(
        org_id=org_id,
        invoice_id=record_id,
        customer_id=_ref(entity, "CustomerRef", record_id),
        number=str(entity.get("DocNumber") or ""),
        status=status,
        issue_date=issue_date,
        due_date=_day(entity, "DueDate", record_id) if entity.get("DueDate") else issue_date,
        currency=_currency(entity, base_currency),
        fx_rate=_rate(entity, record_id),
        fx_quote=RateQuote.BASE_PER_DOCUMENT,
        total=total,
        amount_due=balance,
        updated_at=last_updated(entity),
        payments=None,
    )


def credit_memo_from_quickbooks(entity: Json, *, org_id: str, base_currency: str) -> Credit:
    """A credit memo; its ``RemainingCredit`` ages as a negative item from ``TxnDate``."""
    record_id = _id(entity, "CreditMemo")
    total = _amount(entity, "TotalAmt", record_id, default=Decimal(0))
    remaining = _amount(entity, "RemainingCredit", record_id, default=Decimal(0))
    return Credit(
        org_id=org_id,
        credit_id=record_id,
        kind=CreditKind.CREDIT_NOTE,
        customer_id=_ref(entity, "CustomerRef", record_id),
        number=str(entity.get("DocNumber") or ""),
        status=_credit_status(entity, total, remaining),
        date=_day(entity, "TxnDate", record_id),
        currency=_currency(entity, base_currency),
        fx_rate=_rate(entity, record_id),
        fx_quote=RateQuote.BASE_PER_DOCUMENT,
        total=total,
        remaining=remaining,
        updated_at=last_updated(entity),
    )


def payment_from_quickbooks(entity: Json, *, org_id: str, base_currency: str) -> Credit:
    """A received payment: its invoice applications, and ``UnappliedAmt`` as a credit.

    Each line linking an invoice becomes an allocation with the payment's ``TxnDate``; its id is
    ``"<payment id>:<line index>:<invoice id>"`` (QuickBooks lines of a payment carry no id).
    QBO applies a credit memo to an invoice through a payment whose lines link both (notes §3:
    a zero-total payment; docs.breadwinner.com/quickbooks/applying-credit-to-an-invoice): the
    memos' amounts are then the memos' allocations (``CREDIT_NOTE``, source_id the memo; ids
    end with ``domain.APPLIED_BY_PAYMENT``), taken from the invoice lines in order, and only
    what is left of an invoice line is the payment's.
    """
    record_id = _id(entity, "Payment")
    paid_on = _day(entity, "TxnDate", record_id)
    total = _amount(entity, "TotalAmt", record_id, default=Decimal(0))
    unapplied = _amount(entity, "UnappliedAmt", record_id, default=Decimal(0))
    invoice_lines: list[tuple[int, str, Decimal]] = []
    memos: list[tuple[str, Decimal]] = []
    for index, line in enumerate(entity.get("Line") or ()):
        for link in line.get("LinkedTxn") or ():
            kind, target = link.get("TxnType"), link.get("TxnId")
            if kind == "Invoice" and target:
                invoice_lines.append((index, str(target), _amount(line, "Amount", record_id)))
            elif kind == "CreditMemo" and target:
                memos.append((str(target), _amount(line, "Amount", record_id)))
    allocations = []
    for index, invoice_id, amount in invoice_lines:
        for position, (memo_id, left) in enumerate(memos):
            taken = min(left, amount)
            if taken <= 0:
                continue
            memos[position] = (memo_id, left - taken)
            amount -= taken
            allocations.append(Allocation(
                org_id=org_id,
                allocation_id=f"{record_id}:{index}:{invoice_id}:{memo_id}{APPLIED_BY_PAYMENT}",
                invoice_id=invoice_id, source=AllocationSource.CREDIT_NOTE, source_id=memo_id,
                amount=taken, date=paid_on,
            ))
        if amount or not memos:  # (a zero line without memos stays, as before)
            allocations.append(Allocation(
                org_id=org_id, allocation_id=f"{record_id}:{index}:{invoice_id}",
                invoice_id=invoice_id, source=AllocationSource.PAYMENT, source_id=record_id,
                amount=amount, date=paid_on,
            ))
    return Credit(
        org_id=org_id,
        credit_id=record_id,
        kind=CreditKind.PAYMENT,
        customer_id=_ref(entity, "CustomerRef", record_id),
        number=str(entity.get("PaymentRefNum") or ""),
        status=_credit_status(entity, total, unapplied),
        date=paid_on,
        currency=_currency(entity, base_currency),
        fx_rate=_rate(entity, record_id),
        fx_quote=RateQuote.BASE_PER_DOCUMENT,
        total=total,
        remaining=unapplied,
        updated_at=last_updated(entity),
        allocations=tuple(allocations),
    )


def _credit_status(entity: Json, total: Decimal, remaining: Decimal) -> DocumentStatus:
    if remaining > 0:
        return DocumentStatus.OPEN
    return DocumentStatus.VOIDED if _is_voided(entity, total) else DocumentStatus.PAID


def aged_receivables_totals(report: Json) -> dict[str, Decimal]:
    """Customer id -> the ``Total`` column of an ``AgedReceivables`` (summary) report.

    Columns are found by title, not position (Intuit's report service may reorder them); money
    cells are strings and an empty cell is zero. Section and summary rows (the grand total) are
    skipped: only rows whose first cell carries a customer ``id`` count.
    """
    columns = ((report.get("Columns") or {}).get("Column")) or []
    titles = [str(column.get("ColTitle") or "").strip() for column in columns]
    if "Total" not in titles:
        raise DataError("AgedReceivables report has no Total column")
    total_index = titles.index("Total")
    totals: dict[str, Decimal] = {}
    for row in _data_rows((report.get("Rows") or {}).get("Row") or []):
        cells = row.get("ColData") or []
        customer_id = cells[0].get("id") if cells else None
        if not customer_id or total_index >= len(cells):
            continue
        text = str(cells[total_index].get("value") or "").strip()
        try:
            value = Decimal(text) if text else Decimal(0)
        except ArithmeticError:
            raise DataError(
                f"AgedReceivables report: Total for customer {customer_id} is {text!r}"
            ) from None
        totals[str(customer_id)] = totals.get(str(customer_id), Decimal(0)) + value
    return totals


def _data_rows(rows: list[Json]) -> list[Json]:
    """Every ``Data`` row, descending into sections (a report may group customers)."""
    found: list[Json] = []
    for row in rows:
        nested = (row.get("Rows") or {}).get("Row")
        if nested:
            found.extend(_data_rows(nested))
        elif row.get("ColData") and row.get("type", "Data") == "Data":
            found.append(row)
    return found
