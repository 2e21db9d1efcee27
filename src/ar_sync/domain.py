"""The accounting domain as immutable records.

Every ledger is translated into these types at the connector's edge; nothing below a connector
knows an SDK. Conventions:

- Money is ``Decimal`` in the document's own currency unless a field says ``base``.
- Dates are ``datetime.date`` (calendar days in the org's books); instants are timezone-aware
  ``datetime`` in UTC (``updated_at``).
- ``org_id`` is ``"{platform}:{tenant_id}"`` so two ledgers can never collide.

The records a ledger holds come first (``Org``, ``Customer``, ``Invoice``, ``Credit``,
``Allocation``); then the reports ar-sync makes of them (``AgingReport`` and its
``CustomerAging`` lines, ``OrgAging``, ``OrgRow``), which the store keeps, the aging stage
computes and the views render, so none of those three owns them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

frozen = dataclass(frozen=True, slots=True, kw_only=True)


def make_org_id(platform: str, tenant_id: str) -> str:
    """The store's key for an org: the platform name and the ledger's own tenant/realm id."""
    return f"{platform}:{tenant_id}"


@frozen
class Org:
    """One set of books: a Xero organisation or a QuickBooks company (realm)."""

    org_id: str
    platform: str
    tenant_id: str
    name: str
    base_currency: str
    timezone: str  # IANA name, e.g. "Pacific/Auckland"; "today" for this org is taken here
    connection_id: str  # the keyring entry holding this org's OAuth tokens
    api_url: str | None = None  # a sandbox's base URL; None for the real service


class DocumentStatus(StrEnum):
    """A document's life cycle, common to all ledgers.

    Only ``OPEN`` documents can be receivables (Xero ``AUTHORISED``; a QuickBooks invoice with a
    balance).
    """

    DRAFT = "draft"
    SUBMITTED = "submitted"
    OPEN = "open"
    PAID = "paid"
    VOIDED = "voided"
    DELETED = "deleted"


class RateQuote(StrEnum):
    """Which way round an exchange rate is quoted.

    ``DOCUMENT_PER_BASE``: units of the document currency per one unit of base currency (Xero's
    ``CurrencyRate``), so ``base = amount / rate``. ``BASE_PER_DOCUMENT``: base units per one unit
    of the document currency (QuickBooks' ``ExchangeRate``), so ``base = amount * rate``.
    """

    DOCUMENT_PER_BASE = "document_per_base"
    BASE_PER_DOCUMENT = "base_per_document"


class AllocationSource(StrEnum):
    """What paid down an invoice."""

    PAYMENT = "payment"
    CREDIT_NOTE = "credit_note"
    OVERPAYMENT = "overpayment"
    PREPAYMENT = "prepayment"


# The end of the id of a credit note's allocation that a payment document made (QuickBooks
# applies a credit memo through a payment linking both): "<payment id>:<line>:<invoice id>" +
# this. The payment owns it (the store replaces it with the payment, not with the memo); it
# is still the memo's allocation (source CREDIT_NOTE, source_id the memo).
APPLIED_BY_PAYMENT = "~by-payment"


class CreditKind(StrEnum):
    """Kinds of customer credit. While unapplied, each but ``PREPAYMENT`` reduces what a
    customer owes (``ar_sync.aging.age.receivables`` says why).

    ``PAYMENT`` is a received payment as a document of its own (QuickBooks ``Payment``): it owns
    its applications to invoices, and its unapplied part is a credit.
    """

    CREDIT_NOTE = "credit_note"
    OVERPAYMENT = "overpayment"
    PREPAYMENT = "prepayment"
    PAYMENT = "payment"


@frozen
class Customer:
    org_id: str
    customer_id: str
    name: str
    email: str | None = None
    is_active: bool = True
    updated_at: datetime | None = None


@frozen
class Allocation:
    """Money moved onto an invoice on a date, in the invoice's currency.

    ``source`` says what it came from (a payment, or the application of a credit); ``source_id``
    is that document's id in the ledger.
    """

    org_id: str
    allocation_id: str
    invoice_id: str
    source: AllocationSource
    source_id: str
    amount: Decimal
    date: date


@frozen
class Invoice:
    """A sales invoice. Only ``status == OPEN`` with ``amount_due > 0`` is a receivable.

    ``payments`` are the payment allocations the invoice reports itself (Xero). ``None`` means
    the ledger reports payments as documents of their own (QuickBooks), which are ``Credit``
    records of kind ``PAYMENT`` owning those allocations; the invoice then leaves them alone.
    """

    org_id: str
    invoice_id: str
    customer_id: str
    number: str
    status: DocumentStatus
    issue_date: date
    due_date: date
    currency: str
    fx_rate: Decimal = Decimal(1)
    fx_quote: RateQuote = RateQuote.DOCUMENT_PER_BASE
    total: Decimal
    amount_due: Decimal
    updated_at: datetime
    payments: tuple[Allocation, ...] | None = ()


@frozen
class Credit:
    """A customer credit: a credit note, overpayment or prepayment.

    ``remaining`` is the part not yet applied to an invoice or refunded; while it is above zero
    and the credit is ``OPEN`` it ages as a negative item dated ``date``, except a prepayment's
    (not a receivable until applied: ``ar_sync.aging.age.receivables``).
    """

    org_id: str
    credit_id: str
    kind: CreditKind
    customer_id: str
    number: str
    status: DocumentStatus
    date: date
    currency: str
    fx_rate: Decimal = Decimal(1)
    fx_quote: RateQuote = RateQuote.DOCUMENT_PER_BASE
    total: Decimal
    remaining: Decimal
    updated_at: datetime
    allocations: tuple[Allocation, ...] = ()


Record = Customer | Invoice | Credit


# --------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------


class Basis(StrEnum):
    DUE = "due"  # age from the due date
    INVOICE = "invoice"  # age from the invoice (document) date


class Scheme(StrEnum):
    DAYS = "days"  # day ranges: current, 1-30, 31-60, 61-90, 91+
    MONTHS = "months"  # whole calendar months, Xero's report style


@frozen
class CustomerAging:
    """One customer's aged balance.

    ``buckets`` maps every bucket name (all of them, zeros included) to the base-currency sum;
    ``by_currency`` maps each document currency the customer has to the same in that currency.
    """

    customer_id: str
    buckets: Mapping[str, Decimal]
    total: Decimal
    by_currency: Mapping[str, Mapping[str, Decimal]]


@frozen
class AgingReport:
    """An org's aged receivables at ``as_of``; amounts in ``base_currency``.

    ``customers`` are sorted by customer_id; ``totals`` has every bucket name.
    """

    as_of: date
    basis: Basis
    scheme: Scheme
    base_currency: str
    bucket_names: tuple[str, ...]
    customers: tuple[CustomerAging, ...]
    totals: Mapping[str, Decimal]
    total: Decimal


@frozen
class OrgAging:
    """One org's aging report with what a reader needs to recognise it.

    ``customer_names`` maps customer_id to display name; ids missing from it are shown as the id.
    """

    org_id: str
    name: str
    platform: str
    base_currency: str
    report: AgingReport
    customer_names: Mapping[str, str]


@frozen
class OrgRow:
    """One line of the orgs listing: an org, its latest sync and its open receivables."""

    org_id: str
    name: str
    platform: str
    base_currency: str
    timezone: str
    sandbox: bool
    last_sync: datetime | None  # UTC, the end of the latest successful sync
    open_ar: Decimal | None  # base currency, at the org's today; None before a sync finished


class Trend(StrEnum):
    """Which way a customer's days late moved (``ar_sync.aging.measures`` says by how much)."""

    IMPROVING = "improving"  # paying earlier than before
    STEADY = "steady"
    WORSENING = "worsening"  # paying later than before


@frozen
class MonthMeasures:
    """An org's collection measures for one calendar month ending ``month_end``; amounts in
    ``base_currency``, days as ``Decimal`` to one place (``ar_sync.aging.measures`` defines
    each: ``month_measures``)."""

    month_end: date
    base_currency: str
    receivables: Decimal  # the net receivables balance at month end (credits deducted)
    credit_sales: Decimal  # invoices issued in the month
    dso: Decimal  # days, count-back method
    dso_capped: bool  # the balance outran the sales of every month counted back
    overdue: Decimal  # open invoice amounts past due at month end
    overdue_share: Decimal | None  # overdue / open invoice amounts, 0..1; None if none open
    collected: Decimal  # cash applied to invoices in the month
    invoices_paid: int  # invoices whose balance reached zero in the month
    average_days_late: Decimal | None  # of those; negative = early; None if none paid


@frozen
class CustomerMeasures:
    """One customer's payment record at ``as_of``; amounts in ``base_currency``, days as
    ``Decimal`` to one place, negative = paid early (``ar_sync.aging.measures`` defines each:
    ``customer_measures``). Fields about paid invoices are None, not zero, when there are none."""

    customer_id: str
    as_of: date
    base_currency: str
    invoices_paid: int  # paid in the 12 months up to as_of
    average_days_late: Decimal | None
    median_days_late: Decimal | None
    recent_days_late: Decimal | None  # average, invoices paid in the last 3 months
    earlier_days_late: Decimal | None  # average, invoices paid in the 12 months before those
    trend_days: Decimal | None  # recent - earlier
    trend: Trend | None
    last_payment_date: date | None
    largest_balance: Decimal  # the largest net balance at a month end in the window, or as_of
    first_invoice_date: date | None


@frozen
class OrgCustomerMeasures:
    """One org's ``CustomerMeasures`` at ``as_of`` with what a reader needs to recognise them;
    ``history_since``: the earliest date of the org's stored history (the windows may reach
    before it: what was not read is not counted)."""

    org_id: str
    name: str
    platform: str
    base_currency: str
    as_of: date
    history_since: date
    customers: tuple[CustomerMeasures, ...]  # by customer_id
    customer_names: Mapping[str, str]


@frozen
class OrgMonthMeasures:
    """One org's ``MonthMeasures``, oldest month first, with what a reader needs to recognise
    them; ``history_since``: the earliest date of the org's stored history."""

    org_id: str
    name: str
    platform: str
    base_currency: str
    history_since: date
    months: tuple[MonthMeasures, ...]
