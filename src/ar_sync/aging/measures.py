"""History measures: balances at past dates, DSO, collections and payment behaviour (pure).

Nothing here reads the clock or does I/O: every function takes its ``day``/``as_of``/month end.
Conventions:

- **Which documents count.** Only documents that are ``OPEN`` or ``PAID`` today count, at every
  date (``COUNTED_STATUSES``): voided and deleted ones are left out at every date, as the ledgers'
  own aged reports leave them out; drafts and submitted ones were never owed.
- **Paid-down history.** An invoice's allocations are the union of its own ``payments`` (Xero) and
  every allocation of a counted credit whose ``invoice_id`` is it (QuickBooks payments; credit
  notes, overpayments and prepayments of both): ``allocations_by_invoice``.
- **Dates.** "At ``day``" means at the end of that day: a document issued on ``day`` and an
  allocation dated ``day`` both count ("on or before"). Month ends are calendar dates in the org's
  books (the ledgers' dates are already in the org's calendar), e.g. 2026-02-28.
- **Money.** ``Decimal`` throughout. Document amounts are in the document's currency; every
  ``base`` figure is converted at the document's own rate with ``money.to_base`` and rounded
  half-up per document (per allocation for collections), as ``aging.age.receivables`` does, so a
  sum is always a sum of rounded amounts.
- **Days.** Whole days between dates, ``aging.age.days_between``; averages, medians and DSO are
  ``Decimal`` days rounded half-up to one place (``DAYS_PLACES``) at the end, never before.
  Days late = the day an invoice's balance reached zero minus its due date, signed: negative
  means paid early, 0 on the due date; early payers are kept, not clipped to zero, so a customer
  who always pays a week early reads -7.0, not "on time".

``history`` indexes an org's documents once; ``receivables_at`` gives the aging items at any past
date (``age(receivables_at(h, day), as_of=day, ...)`` is the aging at ``day``); ``month_measures``
and ``org_months`` give the per-month measures (``MonthMeasures``), ``customer_measures`` the
per-customer ones (``CustomerMeasures``); both report types are in ``ar_sync.domain``.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from ar_sync.aging.age import AgingItem, ItemKind, days_between, receivables
from ar_sync.domain import (
    Allocation,
    AllocationSource,
    Credit,
    CreditKind,
    CustomerMeasures,
    DocumentStatus,
    Invoice,
    MonthMeasures,
    Trend,
)
from ar_sync.money import ZERO, quantize, to_base

frozen = dataclass(frozen=True, slots=True, kw_only=True)

COUNTED_STATUSES = frozenset({DocumentStatus.OPEN, DocumentStatus.PAID})
# Money received: a payment, or an overpayment/prepayment (cash that came in as a credit) when it
# is applied to an invoice. A credit note is not a collection: it cancels what was owed.
COLLECTED_SOURCES = frozenset(
    {AllocationSource.PAYMENT, AllocationSource.OVERPAYMENT, AllocationSource.PREPAYMENT}
)
# Credits that are themselves money received (their own date is a payment date).
CASH_CREDIT_KINDS = frozenset({CreditKind.PAYMENT, CreditKind.OVERPAYMENT, CreditKind.PREPAYMENT})
WINDOW_MONTHS = 12  # per-customer window, and how far DSO counts back
RECENT_MONTHS = 3  # the trend's recent period; it is compared with the WINDOW_MONTHS before it
# A change in average days late within +/- this many days (inclusive) is "steady": about a
# working week, below which a few invoices a quarter paid a little earlier or later is noise.
TREND_THRESHOLD_DAYS = Decimal(5)
DAYS_PLACES = Decimal("0.1")
SHARE_PLACES = Decimal("0.0001")


# --------------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------------


def month_end(day: date) -> date:
    """The last day of ``day``'s calendar month: 2028-02-10 -> 2028-02-29."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months (negative: back), keeping the day of month but
    clamped to the target month's length, and a month end stays a month end:
    2026-03-31 - 1 -> 2026-02-28; 2026-02-28 - 1 -> 2026-01-31; 2026-01-15 + 1 -> 2026-02-15."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    keep = last if day == month_end(day) else min(day.day, last)
    return date(year, month0 + 1, keep)


def month_ends(first: date, last: date) -> tuple[date, ...]:
    """The month ends of every month from ``first``'s through ``last``'s, oldest first; empty
    if ``last``'s month is before ``first``'s."""
    ends: list[date] = []
    end = month_end(first)
    while end <= month_end(last):
        ends.append(end)
        end = add_months(end, 1)
    return tuple(ends)


# --------------------------------------------------------------------------------------------
# Amounts at a date
# --------------------------------------------------------------------------------------------


def allocations_by_invoice(
    invoices: Iterable[Invoice], credits: Iterable[Credit]
) -> dict[str, tuple[Allocation, ...]]:
    """invoice_id -> every allocation that paid it down, oldest first (ties by allocation_id).

    The union of each invoice's own ``payments`` and every allocation of a credit with a counted
    status (``COUNTED_STATUSES``: a voided payment or credit note no longer pays anything) whose
    ``invoice_id`` is that invoice. An allocation listed twice (same source, source_id and
    allocation_id) counts once. Invoices with none are absent.
    """
    found: dict[str, dict[tuple[str, str, str], Allocation]] = defaultdict(dict)

    def add(allocation: Allocation) -> None:
        key = (allocation.source, allocation.source_id, allocation.allocation_id)
        found[allocation.invoice_id][key] = allocation

    for invoice in invoices:
        for allocation in invoice.payments or ():
            add(allocation)
    for credit in credits:
        if credit.status in COUNTED_STATUSES:
            for allocation in credit.allocations:
                add(allocation)
    return {
        invoice_id: tuple(sorted(by_key.values(), key=lambda a: (a.date, a.allocation_id)))
        for invoice_id, by_key in found.items()
    }


def open_amount_at(invoice: Invoice, allocations: Iterable[Allocation], day: date) -> Decimal:
    """What ``invoice`` still owed at the end of ``day``, in its own currency (not rounded).

    Worked back from today: ``amount_due`` now plus the allocations (those of ``allocations``
    whose ``invoice_id`` is this invoice's) dated after ``day``; zero if it was issued after
    ``day`` or its status does not count (voided, deleted, draft, submitted). Working back needs
    only what changed after ``day``: every allocation dated after ``day`` belongs to a document
    changed since, which a history read from any date on or before ``day`` has fetched, whereas
    ``total`` minus the allocations up to ``day`` would also need credits last changed before
    the history began. Not clipped: a negative result is left out by ``receivables``.
    """
    if invoice.status not in COUNTED_STATUSES or invoice.issue_date > day:
        return ZERO
    later = sum(
        (a.amount for a in allocations if a.invoice_id == invoice.invoice_id and a.date > day),
        ZERO,
    )
    return invoice.amount_due + later


def credit_remaining_at(credit: Credit, day: date) -> Decimal:
    """What was left of ``credit`` to apply at the end of ``day``, in its own currency.

    Worked back like ``open_amount_at``: ``remaining`` now plus its allocations dated after
    ``day``; zero if dated after ``day`` or its status does not count. A refund is not an
    allocation in the domain records and has no date here, so a credit refunded after ``day``
    reads as already refunded then.
    """
    if credit.status not in COUNTED_STATUSES or credit.date > day:
        return ZERO
    return credit.remaining + sum((a.amount for a in credit.allocations if a.date > day), ZERO)


def paid_on(invoice: Invoice, allocations: Iterable[Allocation]) -> date | None:
    """The day ``invoice``'s balance reached zero and stayed there, or None.

    Summing the allocations (any source; those of this invoice) day by day, oldest first: the
    first day from which the amount allocated is at least ``total`` (a later reversal that
    reopens the balance moves it to when it reached zero again). None if it never does, if the
    invoice does not count, or if its total is zero or less (nothing was owed to pay late).
    """
    if invoice.status not in COUNTED_STATUSES or invoice.total <= 0:
        return None
    by_day: dict[date, Decimal] = defaultdict(Decimal)
    for allocation in allocations:
        if allocation.invoice_id == invoice.invoice_id:
            by_day[allocation.date] += allocation.amount
    paid, reached = ZERO, None
    for day in sorted(by_day):
        paid += by_day[day]
        if paid < invoice.total:
            reached = None
        elif reached is None:
            reached = day
    return reached


# --------------------------------------------------------------------------------------------
# An org's history
# --------------------------------------------------------------------------------------------


@frozen
class History:
    """An org's counted documents, indexed once for the measures below.

    ``allocations``: invoice_id -> its allocations (``allocations_by_invoice``); ``paid_dates``:
    invoice_id -> ``paid_on`` for every invoice paid in full; ``sales``: (year, month) -> the
    base-currency totals of invoices issued that month (each rounded, then summed).
    """

    base_currency: str
    invoices: tuple[Invoice, ...]
    credits: tuple[Credit, ...]
    allocations: Mapping[str, tuple[Allocation, ...]]
    paid_dates: Mapping[str, date]
    sales: Mapping[tuple[int, int], Decimal]


def history(
    invoices: Iterable[Invoice], credits: Iterable[Credit], *, base_currency: str
) -> History:
    """Index ``invoices`` and ``credits`` (all of an org's, any status) for measuring; documents
    whose status does not count are dropped here (their allocations, too).

    An allocation onto an invoice issued after the allocation's own date (a payment's unapplied
    rest applied later to a newer invoice: QuickBooks payment lines share the payment's date)
    counts from the invoice's date, never before it exists (``effective_allocations``)."""
    invoices = tuple(i for i in invoices if i.status in COUNTED_STATUSES)
    issued = {i.invoice_id: i.issue_date for i in invoices}
    invoices = tuple(
        replace(i, payments=effective_allocations(i.payments, issued))
        if i.payments else i
        for i in invoices
    )
    credits = tuple(
        replace(c, allocations=effective_allocations(c.allocations, issued))
        for c in credits
        if c.status in COUNTED_STATUSES
    )
    allocations = allocations_by_invoice(invoices, credits)
    paid_dates: dict[str, date] = {}
    sales: dict[tuple[int, int], Decimal] = defaultdict(lambda: quantize(ZERO, base_currency))
    for invoice in invoices:
        paid = paid_on(invoice, allocations.get(invoice.invoice_id, ()))
        if paid is not None:
            paid_dates[invoice.invoice_id] = paid
        sales[invoice.issue_date.year, invoice.issue_date.month] += _base(
            invoice.total, invoice, base_currency
        )
    return History(
        base_currency=base_currency,
        invoices=invoices,
        credits=credits,
        allocations=allocations,
        paid_dates=paid_dates,
        sales=dict(sales),
    )


def effective_allocations(
    allocations: Iterable[Allocation], issued: Mapping[str, date]
) -> tuple[Allocation, ...]:
    """``allocations`` with each one's date moved to its invoice's issue date (``issued``:
    invoice_id -> issue date) when that is later: money cannot pay an invoice before the
    invoice exists, so until then it stays unapplied on its credit. Allocations onto invoices
    not in ``issued`` are kept as they are."""
    return tuple(
        replace(a, date=issued[a.invoice_id])
        if a.invoice_id in issued and issued[a.invoice_id] > a.date
        else a
        for a in allocations
    )


def _base(amount: Decimal, document: Invoice | Credit, base_currency: str) -> Decimal:
    """``amount`` in ``document``'s currency, in base at its rate, rounded (``money.to_base``)."""
    return to_base(
        amount, rate=document.fx_rate, quote=document.fx_quote, base_currency=base_currency
    )


def receivables_at(h: History, day: date) -> list[AgingItem]:
    """The org's receivables as they stood at the end of ``day``: ``aging.age.receivables`` of
    every counted document issued on or before ``day`` with its open amount then
    (``open_amount_at`` / ``credit_remaining_at``), so the same rules hold as today (positive
    invoice balances; unapplied credits negative, prepayments left out; per-item base rounding).

    ``age(receivables_at(h, day), as_of=day, ...)`` is the aging at ``day``.
    """
    open_invoices = [
        replace(
            invoice,
            status=DocumentStatus.OPEN,
            amount_due=open_amount_at(invoice, h.allocations.get(invoice.invoice_id, ()), day),
        )
        for invoice in h.invoices
        if invoice.issue_date <= day
    ]
    open_credits = [
        replace(credit, status=DocumentStatus.OPEN, remaining=credit_remaining_at(credit, day))
        for credit in h.credits
        if credit.date <= day
    ]
    return receivables(open_invoices, open_credits, base_currency=h.base_currency)


def _sum(amounts: Iterable[Decimal], currency: str) -> Decimal:
    """A sum of already rounded amounts, ``0.00`` (at ``currency``'s minor unit) when empty."""
    return sum(amounts, quantize(ZERO, currency))


# --------------------------------------------------------------------------------------------
# Per org and month
# --------------------------------------------------------------------------------------------


def _days(value: Decimal) -> Decimal:
    return value.quantize(DAYS_PLACES, rounding=ROUND_HALF_UP)


def count_back_dso(balance: Decimal, months: Sequence[tuple[int, Decimal]]) -> tuple[Decimal, bool]:
    """Days sales outstanding by the count-back method, and whether the months ran out.

    ``balance`` is the receivables balance at a month end; ``months`` is ``(days in the month,
    credit sales of the month)`` for that month, then the month before, and so on, newest first
    (same currency as ``balance``). Walking back from the balance: while what is left of the
    balance exceeds a month's sales, the month's sales are taken off it and all its days are
    counted; at the first month whose sales cover what is left, the fraction ``left / sales`` of
    its days is counted and the walk stops. A balance of zero or less is 0.0 days. If every
    month is counted whole and some balance is still left, DSO is the days of all the months
    and the second value is True (the balance is older than the window, so the figure is a
    floor). The result is ``Decimal`` days rounded half-up to one place, only at the end.

    The method as credit practitioners describe it: "start with your month-end net A/R balance
    ... remove the reported revenue for the current month (that will be 28, 30 or 31 days of your
    DSO right there)" and go on back (academy.highako.com/why-you-should-switch-to-the-countback-
    method-to-calculate-dso). Their worked example (support.benjipays.com/support/solutions/
    articles/150000179580; 73.7 days in trymesha.com/blog/the-2-dso-calculation-formulas-simple-
    vs-countback-method-explained), with 30-day months: balance 212,000, sales 100,000 / 80,000
    / 70,000 newest first -> 30 + 30 + 30 * 32,000 / 70,000 = 73.7.
    """
    if balance <= 0:
        return _days(ZERO), False
    days, left = ZERO, balance
    for month_days, sales in months:
        if left > sales:
            days += month_days
            left -= sales
        else:
            return _days(days + month_days * left / sales), False
    return _days(days), True


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    if whole <= 0:
        return None
    return (part / whole).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


def _average(days: Sequence[int]) -> Decimal | None:
    """The mean of whole ``days``, rounded half-up to one place (ties away from zero); None if
    there are none."""
    if not days:
        return None
    return _days(Decimal(sum(days)) / len(days))


def _median(days: Sequence[int]) -> Decimal | None:
    """The median of whole ``days`` (the mean of the middle two for an even count), to one
    place; None if there are none."""
    if not days:
        return None
    ordered = sorted(days)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return _days(Decimal(ordered[middle]))
    return _days(Decimal(ordered[middle - 1] + ordered[middle]) / 2)


def month_measures(h: History, day: date, *, window_months: int = WINDOW_MONTHS) -> MonthMeasures:
    """The org's measures for the calendar month containing ``day`` (any day of it; the figures
    are at its month end ``E``, and "in the month" is its first day to ``E`` inclusive).

    - ``receivables``: the net balance at ``E``, the sum of ``receivables_at(h, E)`` (open invoice
      amounts less unapplied credits, prepayments apart), base currency, like the aging total.
    - ``credit_sales``: the base totals of counted invoices issued in the month (credit notes
      are not deducted, so a month's sales are never negative).
    - ``dso``: ``count_back_dso(receivables, ...)`` over this month and up to ``window_months - 1``
      before it, with their real lengths (28 to 31 days); ``dso_capped`` as it says.
    - ``overdue``: open invoice amounts at ``E`` whose due date is before ``E`` (due on ``E`` is
      not yet overdue); ``overdue_share`` = overdue / all open invoice amounts at ``E``, a
      fraction 0..1 to four places, None if nothing was open. Unapplied credits are in neither,
      so the share says how much of what is owed is late.
    - ``collected``: allocations dated in the month whose source is a payment, overpayment or
      prepayment (``COLLECTED_SOURCES``), each converted at its invoice's rate and rounded; credit
      note applications are not collections, and cash not yet applied to an invoice counts when
      it is applied.
    - ``invoices_paid`` / ``average_days_late``: invoices whose balance reached zero in the month
      (``paid_on``) and the mean of their signed days late (negative = early), None if none.
    """
    end = month_end(day)
    start = end.replace(day=1)
    base = h.base_currency
    items = receivables_at(h, end)
    balance = _sum((i.base_amount for i in items), base)
    owed = [i for i in items if i.kind is ItemKind.INVOICE]
    overdue = _sum((i.base_amount for i in owed if days_between(i.due_date, end) > 0), base)
    counted_back = []
    for back in range(window_months):
        month = add_months(end, -back)
        counted_back.append(
            (month.day, h.sales.get((month.year, month.month), quantize(ZERO, base)))
        )
    dso, capped = count_back_dso(balance, counted_back)
    collected = _sum(
        (
            _base(a.amount, invoice, base)
            for invoice in h.invoices
            for a in h.allocations.get(invoice.invoice_id, ())
            if a.source in COLLECTED_SOURCES and start <= a.date <= end
        ),
        base,
    )
    late = [
        days_between(invoice.due_date, h.paid_dates[invoice.invoice_id])
        for invoice in h.invoices
        if start <= h.paid_dates.get(invoice.invoice_id, date.min) <= end
    ]
    return MonthMeasures(
        month_end=end,
        base_currency=base,
        receivables=balance,
        credit_sales=h.sales.get((end.year, end.month), quantize(ZERO, base)),
        dso=dso,
        dso_capped=capped,
        overdue=overdue,
        overdue_share=_share(overdue, _sum((i.base_amount for i in owed), base)),
        collected=collected,
        invoices_paid=len(late),
        average_days_late=_average(late),
    )


def org_months(
    h: History, first: date, last: date, *, window_months: int = WINDOW_MONTHS
) -> tuple[MonthMeasures, ...]:
    """``month_measures`` for every month from ``first``'s through ``last``'s, oldest first."""
    return tuple(
        month_measures(h, end, window_months=window_months) for end in month_ends(first, last)
    )


# --------------------------------------------------------------------------------------------
# Per customer
# --------------------------------------------------------------------------------------------


def trend_of(
    recent: Decimal | None, earlier: Decimal | None
) -> tuple[Decimal | None, Trend | None]:
    """The signed change ``recent - earlier`` in average days late, and its word.

    More than ``TREND_THRESHOLD_DAYS`` later is ``WORSENING``, more than that earlier is
    ``IMPROVING``, anything within it (boundary included) ``STEADY``. (None, None) unless both
    averages exist.
    """
    if recent is None or earlier is None:
        return None, None
    change = recent - earlier
    if change > TREND_THRESHOLD_DAYS:
        return change, Trend.WORSENING
    if change < -TREND_THRESHOLD_DAYS:
        return change, Trend.IMPROVING
    return change, Trend.STEADY


def customer_measures(h: History, as_of: date) -> tuple[CustomerMeasures, ...]:
    """Every customer's payment record at ``as_of``, sorted by customer_id; a customer is listed
    if it has a counted invoice or credit dated on or before ``as_of``.

    With ``W`` = ``add_months(as_of, -12)`` and ``R`` = ``add_months(as_of, -3)``:

    - ``invoices_paid``, ``average_days_late``, ``median_days_late``: invoices whose balance
      reached zero (``paid_on``) after ``W`` and on or before ``as_of``; signed days late
      (negative = early). A count of 0 and None for the rest when there are none.
    - ``recent_days_late``: the average of those paid after ``R``; ``earlier_days_late``: of
      those paid after ``add_months(R, -12)`` and on or before ``R`` (so the trend looks 15
      months back); ``trend_days``/``trend``: ``trend_of`` those two rounded averages.
    - ``last_payment_date``: the latest on or before ``as_of`` of a collected allocation's date
      (``COLLECTED_SOURCES``) on the customer's invoices and of a payment, overpayment or
      prepayment of theirs (money received but not yet applied counts too); None if none.
    - ``largest_balance``: the largest of the customer's net balances (the sum of their
      ``receivables_at`` items, base currency) at each month end after ``W`` up to ``as_of``, and
      at ``as_of`` itself (so a customer new since the last month end shows what they owe).
    - ``first_invoice_date``: their earliest counted invoice issued on or before ``as_of``.
    """
    base = h.base_currency
    window, recent = add_months(as_of, -WINDOW_MONTHS), add_months(as_of, -RECENT_MONTHS)
    earlier = add_months(recent, -WINDOW_MONTHS)
    ends = (end for end in month_ends(window, as_of) if window < end <= as_of)
    points = dict.fromkeys((*ends, as_of))
    balances = []  # per point: customer_id -> net balance there (absent: nothing open)
    for point in points:
        per_customer: dict[str, Decimal] = defaultdict(lambda: quantize(ZERO, base))
        for item in receivables_at(h, point):
            per_customer[item.customer_id] += item.base_amount
        balances.append(per_customer)

    paid: dict[str, list[tuple[date, int]]] = defaultdict(list)
    first_invoice: dict[str, date] = {}
    last_payment: dict[str, date] = {}

    def paid_money(customer_id: str, day: date) -> None:
        if day <= as_of and day > last_payment.get(customer_id, date.min):
            last_payment[customer_id] = day

    for invoice in h.invoices:
        if invoice.issue_date > as_of:
            continue
        who = invoice.customer_id
        if invoice.issue_date < first_invoice.get(who, date.max):
            first_invoice[who] = invoice.issue_date
        settled = h.paid_dates.get(invoice.invoice_id)
        if settled is not None and earlier < settled <= as_of:
            paid[who].append((settled, days_between(invoice.due_date, settled)))
        for allocation in h.allocations.get(invoice.invoice_id, ()):
            if allocation.source in COLLECTED_SOURCES:
                paid_money(who, allocation.date)
    customers = set(first_invoice)
    for credit in h.credits:
        if credit.date <= as_of:
            customers.add(credit.customer_id)
            if credit.kind in CASH_CREDIT_KINDS:
                paid_money(credit.customer_id, credit.date)

    measures = []
    for customer_id in sorted(customers):
        settled = paid.get(customer_id, [])
        in_window = [late for day, late in settled if window < day]
        recent_late = _average([late for day, late in settled if recent < day])
        earlier_late = _average([late for day, late in settled if day <= recent])
        trend_days, trend = trend_of(recent_late, earlier_late)
        measures.append(
            CustomerMeasures(
                customer_id=customer_id,
                as_of=as_of,
                base_currency=base,
                invoices_paid=len(in_window),
                average_days_late=_average(in_window),
                median_days_late=_median(in_window),
                recent_days_late=recent_late,
                earlier_days_late=earlier_late,
                trend_days=trend_days,
                trend=trend,
                last_payment_date=last_payment.get(customer_id),
                largest_balance=max(
                    point.get(customer_id, quantize(ZERO, base)) for point in balances
                ),
                first_invoice_date=first_invoice.get(customer_id),
            )
        )
    return tuple(measures)
