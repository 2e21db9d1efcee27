"""Aging and measures at past dates, from an org's stored history (``ar_sync.store.history``).

The store holds an org's complete history from ``history_since`` on (the sync's history pass,
``ar-sync backfill``): every document open at any time since then. So any date on or after it
can be aged: ``age(receivables_at(h, day), as_of=day, ...)`` (``ar_sync.aging.measures``), which
counts an item's open amount at ``day`` (its total less allocations dated on or before ``day``,
issued on or before ``day``; voided and deleted documents never). A date before it, or an org
with no history at all, is refused with what to run (``check_history``).

Everything reads through ``tx`` (``Store.reading()``); the jobs (``ar_sync.jobs``) decide the
org's today and store month-end snapshots.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Connection

from ar_sync.aging.age import age
from ar_sync.aging.measures import (
    WINDOW_MONTHS,
    History,
    add_months,
    customer_measures,
    history,
    month_end,
    month_measures,
    receivables_at,
)
from ar_sync.domain import (
    Basis,
    Org,
    OrgAging,
    OrgCustomerMeasures,
    OrgMonthMeasures,
    Scheme,
)
from ar_sync.errors import ConfigError
from ar_sync.store.history import history_since, load_history
from ar_sync.store.receivables import customer_names


def check_history(tx: Connection, org: Org, day: date) -> date:
    """``org``'s ``history_since``, once ``day`` is on or after it; ``ConfigError`` saying
    what to run when ``org`` has no history or ``day`` is before it."""
    since = history_since(tx, org.org_id)
    if since is None:
        raise ConfigError(
            f"no history for {org.name}: set AR_SYNC_HISTORY_MONTHS (e.g. 12) and run "
            f"`ar-sync sync --org {org.org_id}`, or run "
            f"`ar-sync backfill --org {org.org_id} --since DATE`"
        )
    if day < since:
        raise ConfigError(
            f"no history before {since.isoformat()} for {org.name}; run "
            f"`ar-sync backfill --org {org.org_id} --since DATE`"
        )
    return since


def org_history(tx: Connection, org: Org) -> History:
    """``org``'s stored documents (open or paid, with their allocations), indexed for the
    measures."""
    invoices, credits = load_history(tx, org.org_id)
    return history(invoices, credits, base_currency=org.base_currency)


def past_aging(
    tx: Connection, org: Org, *, as_of: date, basis: Basis = Basis.DUE,
    scheme: Scheme = Scheme.DAYS,
) -> OrgAging:
    """``org``'s aging as it stood at the end of ``as_of``, from its history (refused before
    ``history_since``: ``check_history``), with customer names for display."""
    check_history(tx, org, as_of)
    h = org_history(tx, org)
    report = age(
        receivables_at(h, as_of), as_of=as_of, scheme=scheme, basis=basis,
        base_currency=org.base_currency,
    )
    return OrgAging(
        org_id=org.org_id, name=org.name, platform=org.platform,
        base_currency=org.base_currency, report=report,
        customer_names=customer_names(tx, org.org_id),
    )


def first_full_month(since: date) -> date:
    """The 1st of the first calendar month wholly inside a history from ``since``: ``since``
    itself when it is a 1st, else the 1st of the next month (a month's sales are complete only
    when every invoice issued in it was read)."""
    return since if since.day == 1 else month_end(since) + timedelta(days=1)


def org_customer_measures(tx: Connection, org: Org, *, as_of: date) -> OrgCustomerMeasures:
    """Every customer's payment record at ``as_of`` (``measures.customer_measures``), refused
    before ``history_since``."""
    since = check_history(tx, org, as_of)
    return OrgCustomerMeasures(
        org_id=org.org_id, name=org.name, platform=org.platform,
        base_currency=org.base_currency, as_of=as_of, history_since=since,
        customers=customer_measures(org_history(tx, org), as_of),
        customer_names=customer_names(tx, org.org_id),
    )


def org_month_measures(
    tx: Connection, org: Org, *, today: date, months: int
) -> OrgMonthMeasures:
    """``org``'s measures (``measures.month_measures``) for each of the ``months`` calendar
    months that ended before ``today``, oldest first, leaving out months not wholly inside its
    history (before ``first_full_month(history_since)``). DSO counts back over at most
    ``WINDOW_MONTHS`` months and never into a month before the history's first full month
    (``dso_capped`` says when the walk ran out). ``ConfigError`` without history, or when no
    month ending before ``today`` is wholly inside it."""
    last = add_months(month_end(today), -1)  # the latest month end before today
    since = check_history(tx, org, today)
    first = first_full_month(since)
    ends = [add_months(last, -back) for back in reversed(range(months))]
    ends = [end for end in ends if end.replace(day=1) >= first]
    if not ends:
        raise ConfigError(
            f"no complete month in {org.name}'s history yet (it starts {since.isoformat()}); "
            f"run `ar-sync backfill --org {org.org_id} --since DATE` for earlier months"
        )
    h = org_history(tx, org)
    measured = []
    for end in ends:
        covered = (end.year - first.year) * 12 + end.month - first.month + 1
        measured.append(month_measures(h, end, window_months=min(WINDOW_MONTHS, covered)))
    return OrgMonthMeasures(
        org_id=org.org_id, name=org.name, platform=org.platform,
        base_currency=org.base_currency, history_since=since, months=tuple(measured),
    )
