"""What ``ar-sync report`` shows of one org, gathered from the store (``gather_report``), and
the pure folds it is made of (``overdue_customers``, ``journal_activity``, ``report_months``).

The report covers the calendar days ``start`` through ``end`` (both inclusive, the org's own
calendar):

- **Aging** at ``end`` (days past due, due-date basis), as ``ar-sync aging --as-of END`` shows
  it (``jobs.age_org``: the synced books, or the stored history for a past day).
- **Months**: every calendar month from ``start``'s whose month end is on or before ``end`` and
  that lies wholly inside the org's history (``aging.history.first_full_month``): its aging at
  the month end (the trend), and its ``MonthMeasures`` (DSO, collected) as ``ar-sync dso``
  computes them (``aging.history.org_month_measures``). An org without history has no months;
  ``notes`` says why and how to get them.
- **Top overdue customers**: the customers with the largest overdue balance at ``end`` (every
  bucket but ``current``), largest first, at most ``TOP_CUSTOMERS``, each with their payment
  record at ``end`` (``CustomerMeasures``; None without history reaching ``end``).
- **Collections activity**: journal entries whose ``day`` is in the period. Contacts
  (``CONTACT_KINDS``) are counted per stage and per channel; promises made in the period are
  counted by outcome at ``end`` (``journal.promise_status``), judged against each customer's
  overdue balance in the synced books (``collect.books.load_book`` at ``end``, as the planner
  judges them).

Amounts are ``Decimal`` in the org's base currency. Nothing here reads the clock: the caller
passes ``now`` (for the org's today, which decides whether ``end`` is a past day).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from ar_sync.aging.age import AgingItem, age
from ar_sync.aging.measures import add_months, month_end, receivables_at
from ar_sync.domain import (
    CONTACT_KINDS,
    STAGE_ORDER,
    AgingReport,
    CustomerMeasures,
    JournalEntry,
    JournalKind,
    MonthMeasures,
    OpenInvoice,
    Org,
)
from ar_sync.errors import ConfigError
from ar_sync.journal import PromiseStatus, channel_label, hold_records, promise_status
from ar_sync.money import ZERO

if TYPE_CHECKING:
    from ar_sync.store import Store

frozen = dataclass(frozen=True, slots=True, kw_only=True)

TOP_CUSTOMERS = 10  # customers listed in "top overdue"
DEFAULT_MONTHS = 12  # a period with no --from: the 12 calendar months ending with --to's
CURRENT_BUCKET = "current"  # the one bucket not yet overdue (days scheme, due-date basis)
MANUAL_STAGE = "by hand"  # the stage column of contacts made by hand (``ar-sync log``)
STATEMENT_STAGE = "statement"  # ... and of statements sent or attached


@frozen
class MonthAging:
    """The org's aging totals per bucket at one month end (base currency)."""

    month_end: date
    totals: Mapping[str, Decimal]


@frozen
class OverdueCustomer:
    """A customer with an overdue balance at the report's end: ``overdue`` is their balance
    less the ``current`` bucket, ``total`` all they owe net of credits (base currency)."""

    customer_id: str
    name: str
    overdue: Decimal
    total: Decimal
    measures: CustomerMeasures | None


@frozen
class Activity:
    """The journal of the period: ``contacts[(stage, channel)]`` counts contacts (a contact by
    two channels counts once under each); ``stages`` lists the stages with contacts in ladder
    order (``MANUAL_STAGE`` and ``STATEMENT_STAGE`` last), ``channels`` the channels seen, sorted;
    ``per_stage`` counts contacts (each once) per stage; ``promises`` counts the promises made
    in the period by outcome."""

    contacts: Mapping[tuple[str, str], int]
    stages: tuple[str, ...]
    channels: tuple[str, ...]
    per_stage: Mapping[str, int]
    promises: Mapping[PromiseStatus, int]


@frozen
class OrgReport:
    """Everything the report shows of one org (see the module doc)."""

    org: Org
    start: date
    end: date
    history_since: date | None
    aging: AgingReport
    months: tuple[MonthAging, ...]
    measures: tuple[MonthMeasures, ...]
    top_overdue: tuple[OverdueCustomer, ...]
    activity: Activity
    notes: tuple[str, ...]


# --- pure folds ----------------------------------------------------------------------------------


def default_start(end: date) -> date:
    """The first day of the ``DEFAULT_MONTHS`` calendar months ending with ``end``'s month:
    2026-11-15 -> 2025-12-01."""
    return add_months(end.replace(day=1), -(DEFAULT_MONTHS - 1))


def report_months(start: date, end: date, first_full: date | None) -> tuple[date, ...]:
    """The month ends the trend and DSO charts show: each month from ``start``'s whose month end
    is on or before ``end``, leaving out months before ``first_full`` (the first month wholly in
    the history; None: no history, so none), oldest first."""
    if first_full is None:
        return ()
    ends = []
    moment = month_end(max(start, first_full))
    while moment <= end:
        ends.append(moment)
        moment = add_months(moment, 1)
    return tuple(ends)


def overdue_customers(
    aging: AgingReport,
    names: Mapping[str, str],
    measures: Mapping[str, CustomerMeasures],
    *,
    limit: int = TOP_CUSTOMERS,
) -> tuple[OverdueCustomer, ...]:
    """The ``limit`` customers of ``aging`` with the largest overdue balance above zero (their
    total less the ``current`` bucket), largest first, ties by name then id."""
    found = []
    for customer in aging.customers:
        overdue = customer.total - customer.buckets.get(CURRENT_BUCKET, ZERO)
        if overdue > 0:
            found.append(OverdueCustomer(
                customer_id=customer.customer_id,
                name=names.get(customer.customer_id, customer.customer_id),
                overdue=overdue, total=customer.total,
                measures=measures.get(customer.customer_id),
            ))
    found.sort(key=lambda c: (-c.overdue, c.name.casefold(), c.customer_id))
    return tuple(found[:limit])


def _stage_of(entry: JournalEntry) -> str:
    if entry.kind is JournalKind.MANUAL_CONTACT:
        return MANUAL_STAGE
    if entry.kind is JournalKind.STATEMENT:
        return STATEMENT_STAGE
    return entry.stage.value if entry.stage is not None else MANUAL_STAGE


def _channels_of(entry: JournalEntry) -> tuple[str, ...]:
    if entry.kind is JournalKind.STATEMENT and not entry.channels:
        return ("statement",)
    label = channel_label(entry)
    return tuple(part for part in label.split(", ") if part) or ("unknown",)


def journal_activity(
    entries: Sequence[JournalEntry],
    start: date,
    end: date,
    overdue: Mapping[str, Decimal],
) -> Activity:
    """Fold ``entries`` (an org's whole journal, oldest first) into the period's ``Activity``.

    Contacts count when their ``day`` is in ``start..end``. A promise counts when it was made in
    the period; its outcome is ``promise_status`` at ``end`` with the customer's ``overdue``
    balance (customer_id -> balance in the promise's currency; absent: nothing overdue)."""
    contacts: Counter[tuple[str, str]] = Counter()
    per_stage: Counter[str] = Counter()
    for entry in entries:
        if entry.kind in CONTACT_KINDS and start <= entry.day <= end:
            stage = _stage_of(entry)
            per_stage[stage] += 1
            for channel in _channels_of(entry):
                contacts[stage, channel] += 1
    ladder = [stage.value for stage in STAGE_ORDER] + [MANUAL_STAGE, STATEMENT_STAGE]
    promises: Counter[PromiseStatus] = Counter()
    for record in hold_records(entries, end):
        if record.hold.amount is not None and start <= record.hold.since <= end:
            status = promise_status(record, overdue.get(record.hold.customer_id, ZERO), end)
            promises[status] += 1
    return Activity(
        contacts=dict(contacts),
        stages=tuple(stage for stage in ladder if per_stage[stage]),
        channels=tuple(sorted({channel for _, channel in contacts})),
        per_stage=dict(per_stage),
        promises={status: promises[status] for status in PromiseStatus},
    )


def month_agings(
    items_at: Iterable[tuple[date, Sequence[AgingItem]]], base_currency: str
) -> tuple[MonthAging, ...]:
    """``MonthAging`` of each ``(month_end, the aging items at it)``: the totals of
    ``aging.age.age`` at that month end (days past due, due-date basis)."""
    agings = []
    for end, items in items_at:
        report = age(items, as_of=end, base_currency=base_currency)
        agings.append(MonthAging(month_end=end, totals=dict(report.totals)))
    return tuple(agings)


# --- gathering -----------------------------------------------------------------------------------


def gather_report(
    store: Store, org_id: str, *, start: date | None, end: date | None, now: datetime
) -> OrgReport:
    """``org_id``'s report for ``start..end`` (None: ``end`` is the org's today at ``now``,
    ``start`` is ``default_start(end)``). ``ConfigError`` when ``start`` is after ``end`` or the
    store cannot age ``end`` (never synced; a past day before the history)."""
    from ar_sync.aging.history import (
        first_full_month,
        org_customer_measures,
        org_history,
        org_month_measures,
    )
    from ar_sync.clock import local_date
    from ar_sync.collect.books import load_book
    from ar_sync.jobs import age_org
    from ar_sync.journal import overdue_balance
    from ar_sync.store.history import history_since
    from ar_sync.store.journal import load_journal
    from ar_sync.store.orgs import get_org
    from ar_sync.store.receivables import customer_names

    with store.reading() as tx:
        org = get_org(tx, org_id)
    if org is None:
        raise ConfigError(f"unknown org {org_id!r}: `ar-sync orgs` lists the connected ones")
    last = end if end is not None else local_date(now, org.timezone)
    first = start if start is not None else default_start(last)
    if first > last:
        raise ConfigError(f"--from {first.isoformat()} is after --to {last.isoformat()}")
    aging = age_org(store, org_id, as_of=last, now=now)
    notes: list[str] = []
    with store.reading() as tx:
        since = history_since(tx, org_id)
        names = customer_names(tx, org_id)
        ends = report_months(first, last, None if since is None else first_full_month(since))
        months: tuple[MonthAging, ...] = ()
        measures: tuple[MonthMeasures, ...] = ()
        customers: dict[str, CustomerMeasures] = {}
        if since is None:
            notes.append(
                f"no history for {org.name}: the aging trend, DSO, collections and payment "
                f"records need it; run `ar-sync backfill --org {org.org_id} --since DATE`"
            )
        else:
            if ends:
                h = org_history(tx, org)
                months = month_agings(((e, receivables_at(h, e)) for e in ends),
                                      org.base_currency)
                measures = org_month_measures(
                    tx, org, today=ends[-1] + timedelta(days=1), months=len(ends)
                ).months
            else:
                notes.append(f"no whole month of {org.name}'s history ends between "
                             f"{first.isoformat()} and {last.isoformat()}")
            if last >= since:
                customers = {m.customer_id: m for m in
                             org_customer_measures(tx, org, as_of=last).customers}
        entries = load_journal(tx, org_id)
        book = load_book(tx, org, last)
    by_customer: dict[str, list[OpenInvoice]] = defaultdict(list)
    for invoice in book.invoices:
        by_customer[invoice.customer_id].append(invoice)
    overdue = {
        customer_id: overdue_balance(invoices, base_currency=org.base_currency, as_of=last)[0]
        for customer_id, invoices in by_customer.items()
    }
    return OrgReport(
        org=org, start=first, end=last, history_since=since, aging=aging.report,
        months=months, measures=measures,
        top_overdue=overdue_customers(aging.report, names, customers),
        activity=journal_activity(entries, first, last, overdue),
        notes=tuple(notes),
    )
