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
from dataclasses import dataclass, field
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


# --------------------------------------------------------------------------------------------
# Collections: what the planner decides, what the journal keeps
# --------------------------------------------------------------------------------------------


class Stage(StrEnum):
    """A step of the collections ladder, gentlest first (the order is the escalation order)."""

    COURTESY = "courtesy"  # before the due date (off by default)
    FRIENDLY = "friendly"
    REMINDER = "reminder"
    FIRM = "firm"
    FINAL = "final"  # the demand letter
    CALL = "call"  # a call task for a person
    ESCALATION = "escalation"  # marked for an agency or court, listed in the hand-over report


STAGE_ORDER: tuple[Stage, ...] = tuple(Stage)


class Tone(StrEnum):
    """How a message reads, softest first; a segment may shift a stage's tone one step."""

    GENTLE = "gentle"
    FRIENDLY = "friendly"
    FIRM = "firm"
    FORMAL = "formal"


class Channel(StrEnum):
    """How a contact is made. Every contact is also journaled; ``LEDGER_NOTE`` mirrors it into
    the ledger on each listed invoice and on the customer."""

    LEDGER_NOTE = "ledger_note"  # a note in the ledger (invoice history and customer)
    LEDGER_EMAIL = "ledger_email"  # the ledger's own "email this invoice", once per invoice
    EMAIL = "email"  # our email over SMTP, one per contact listing every invoice
    CALL_TASK = "call_task"  # a journaled task for a person to call
    LETTER = "letter"  # a journaled task to post the rendered letter
    HANDOVER = "handover"  # a journaled task: hand the debt to an agency or court


class Segment(StrEnum):
    """A customer's segment from their own payment record (``ar_sync.collect.segments``)."""

    RELIABLE = "reliable"
    NEW = "new"
    LARGE = "large"
    STANDARD = "standard"


class SkipReason(StrEnum):
    """Why a customer with an overdue balance gets nothing today (the plan's ``skipped``)."""

    NOT_OVERDUE = "not_overdue"
    BELOW_MINIMUM = "below_minimum"
    HOLD = "hold"  # a dispute
    PROMISE = "promise"  # a promise to pay, not yet due
    PAYMENT_PLAN = "payment_plan"
    CAP = "cap"  # contacted today already, or the rolling 30-day cap is reached
    QUIET_DAY = "quiet_day"
    OUTSIDE_WINDOW = "outside_window"
    STAGE_ALREADY_SENT = "stage_already_sent"
    EXCLUDED = "excluded"
    NO_CONTACT_ADDRESS = "no_contact_address"


class HoldReason(StrEnum):
    """Why chasing a customer is paused (``ar-sync hold``/``promise``)."""

    DISPUTE = "dispute"
    PAYMENT_PLAN = "payment-plan"
    PROMISE = "promise"


class JournalKind(StrEnum):
    """What a journal row records. ``CONTACT_KINDS`` count toward the contact cap."""

    CONTACT = "contact"  # an action ar-sync performed (its channels in ``channels``)
    MANUAL_CONTACT = "manual_contact"  # ``ar-sync log``: a contact a person made
    STATEMENT = "statement"  # a statement sent or attached
    HOLD = "hold"
    PROMISE = "promise"
    RELEASE = "release"  # a hold or promise ended by hand
    TASK = "task"  # a call task, letter or hand-over opened for a person
    TASK_DONE = "task_done"
    RESULT = "result"  # one write's outcome (a note landed, an email sent)
    FAILURE = "failure"  # one write the ledger or mail server refused, or an unknown outcome


CONTACT_KINDS = frozenset({JournalKind.CONTACT, JournalKind.MANUAL_CONTACT, JournalKind.STATEMENT})


@frozen
class JournaledInvoice:
    """An invoice as a contact listed it: what it said, and the due date it chased (a re-issued
    due date starts a new cycle, so a stage is 'sent' for an ``(invoice_id, due_date)`` pair)."""

    invoice_id: str
    number: str
    due_date: date
    amount_due: Decimal  # in ``currency``
    currency: str


@frozen
class JournalEntry:
    """One append-only journal row. ``at`` is the UTC instant written; ``day`` the org's
    calendar day it counts on (caps, one contact a day). ``detail`` is JSON-able: a hold's
    ``reason``/``until``, a promise's ``amount``/``currency``/``by``/``balance``, a task's
    ``task_id``, a result's ``step``/``marker``/``message_id``/``ledger_id``, a failure's
    ``error``. ``entry_id`` is None until stored."""

    org_id: str
    customer_id: str
    kind: JournalKind
    at: datetime
    day: date
    stage: Stage | None = None
    channels: tuple[Channel, ...] = ()
    invoices: tuple[JournaledInvoice, ...] = ()
    text: str = ""
    key: str | None = None  # the outbox key (and step) it came from
    detail: Mapping[str, object] = field(default_factory=dict)
    entry_id: int | None = None


@frozen
class Hold:
    """A pause on chasing one customer, active from ``since`` through ``until`` (inclusive;
    None: until released). A promise also has the ``amount`` promised (in ``currency``) and the
    customer's overdue ``balance`` (same currency) when it was made: it is kept once the
    balance has fallen by ``amount``."""

    org_id: str
    customer_id: str
    reason: HoldReason
    since: date
    until: date | None = None
    note: str = ""
    amount: Decimal | None = None
    currency: str | None = None
    balance: Decimal | None = None


@frozen
class OpenInvoice:
    """An open invoice as collections reads it (``ar_sync.collect.books``)."""

    invoice_id: str
    customer_id: str
    number: str
    issue_date: date
    due_date: date
    currency: str
    amount_due: Decimal  # in ``currency``
    amount_due_base: Decimal  # in the org's base currency at the invoice's rate


@frozen
class CollectionBook:
    """What the planner reads of one org at ``as_of``: every open invoice (overdue or not),
    each customer's unapplied credits in base currency, names and email addresses."""

    org_id: str
    org_name: str
    base_currency: str
    timezone: str
    as_of: date
    invoices: tuple[OpenInvoice, ...]
    credits_base: Mapping[str, Decimal]  # customer_id -> unapplied credit, base, > 0
    names: Mapping[str, str]  # customer_id -> display name
    emails: Mapping[str, str]  # customer_id -> email address (absent: none known)


@frozen
class PlannedInvoice:
    """One invoice a contact lists; ``interest`` is the late-payment interest and ``fee`` the
    fixed compensation quoted (both in ``currency``, zero under no scheme)."""

    invoice_id: str
    number: str
    issue_date: date
    due_date: date
    days_overdue: int  # negative before the due date (a courtesy note)
    amount_due: Decimal
    currency: str
    interest: Decimal
    fee: Decimal


@frozen
class Action:
    """One contact the planner asks for: one per customer per day, listing every overdue
    invoice. ``key`` is deterministic (org, customer, stage, cycle day) so a retry after a
    crash finds the same outbox row; ``total_due`` is in ``base_currency``."""

    org_id: str
    customer_id: str
    customer: str
    email: str | None
    segment: Segment
    stage: Stage
    tone: Tone
    channels: tuple[Channel, ...]
    invoices: tuple[PlannedInvoice, ...]
    total_due: Decimal
    base_currency: str
    as_of: date
    key: str


@frozen
class Skip:
    """A customer with an overdue balance who gets nothing today, and why."""

    customer_id: str
    customer: str
    reason: SkipReason
    detail: str = ""


@frozen
class OrgPlan:
    """One org's plan for ``as_of``: actions and skips, each sorted by customer name then id."""

    org_id: str
    as_of: date
    actions: tuple[Action, ...]
    skipped: tuple[Skip, ...]
