"""What the planner reads from the store, and one org's plan (``plan_org``).

``load_book`` reads an org's ``CollectionBook`` at ``as_of``: the open invoices (``status ==
open`` and ``amount_due > 0``, issued on or before ``as_of``: a document dated later is not yet
owed, as in the aging), each converted to base currency at its own rate and rounded half-up
(``money.to_base``, as ``aging.age.receivables`` does); each customer's unapplied credits in
base (the credit kinds the aging counts, ``RECEIVABLE_CREDIT_KINDS``: prepayments left out);
names and email addresses from ``customers``.

``plan_org`` adds the customers' payment records (when the org has stored history reaching
``as_of``; else none and segments fall back to the balance, ``collect.segments``), the journal
and the holds it implies (``ar_sync.journal.holds_for_planning``), the org's public holidays
(``policy.limits.country``, else the country of the org's timezone, ``collect.calendar``) and,
for the org's today, its local time (the send window); a past or future ``as_of`` ignores the
window. It refuses an org never synced, or an ``as_of`` before its latest sync (the store only
knows the books as of then), as ``ar-sync aging`` does. It writes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from ar_sync.aging.age import RECEIVABLE_CREDIT_KINDS
from ar_sync.clock import local_date
from ar_sync.collect.calendar import country_of_timezone, public_holidays
from ar_sync.collect.planner import plan
from ar_sync.collect.policy import Policy
from ar_sync.domain import (
    CollectionBook,
    CustomerMeasures,
    OpenInvoice,
    Org,
    OrgPlan,
    RateQuote,
)
from ar_sync.money import ZERO, quantize, to_base
from ar_sync.store.records import load_credits, load_customers, open_invoice_rows

if TYPE_CHECKING:
    from ar_sync.store import Store


_QUOTES = {quote.value: quote for quote in RateQuote}


def load_book(tx: Connection, org: Org, as_of: date) -> CollectionBook:
    """``org``'s open invoices, unapplied credits (base), names and emails (see module doc)."""
    base = org.base_currency
    open_invoices = tuple(
        OpenInvoice(
            invoice_id=invoice_id,
            customer_id=customer_id,
            number=number,
            issue_date=issue_date,
            due_date=due_date,
            currency=currency,
            amount_due=amount_due,
            # A rate of exactly 1 (most documents) converts nothing: only the rounding.
            amount_due_base=(
                quantize(amount_due, base) if fx_rate == 1 and currency == base
                else to_base(amount_due, rate=fx_rate, quote=_QUOTES[fx_quote],
                             base_currency=base)
            ),
        )
        for (invoice_id, customer_id, number, issue_date, due_date, currency, amount_due,
             fx_rate, fx_quote) in open_invoice_rows(tx, org.org_id, issued_by=as_of)
    )
    credits = load_credits(tx, org.org_id, open_only=True)
    credit_base: dict[str, Decimal] = defaultdict(lambda: quantize(ZERO, base))
    for c in credits:
        if c.kind in RECEIVABLE_CREDIT_KINDS and c.date <= as_of:
            credit_base[c.customer_id] += to_base(
                c.remaining, rate=c.fx_rate, quote=c.fx_quote, base_currency=base
            )
    customers = load_customers(tx, org.org_id)
    return CollectionBook(
        org_id=org.org_id,
        org_name=org.name,
        base_currency=base,
        timezone=org.timezone,
        as_of=as_of,
        invoices=open_invoices,
        credits_base=dict(credit_base),
        names={c.customer_id: c.name for c in customers},
        emails={c.customer_id: c.email for c in customers if c.email},
    )


def _measures(tx: Connection, org: Org, as_of: date) -> dict[str, CustomerMeasures]:
    """Customer measures at ``as_of`` from the org's history, or none when it has no history
    reaching back to ``as_of``."""
    from ar_sync.aging.history import org_history
    from ar_sync.aging.measures import customer_measures
    from ar_sync.store.history import history_since

    since = history_since(tx, org.org_id)
    if since is None or as_of < since:
        return {}
    return {m.customer_id: m for m in customer_measures(org_history(tx, org), as_of)}


def org_holidays(org: Org, policy: Policy, as_of: date) -> frozenset[date]:
    """The org's public holidays in ``as_of``'s year: ``policy.limits.country`` (and
    ``subdivision``), else the country of the org's timezone; none if neither is known."""
    country = policy.limits.country or country_of_timezone(org.timezone)
    if country is None:
        return frozenset()
    return public_holidays(country, policy.limits.subdivision, [as_of.year])


def plan_org(
    store: Store, org_id: str, policy: Policy, *, as_of: date | None, now: datetime
) -> OrgPlan:
    """``org_id``'s plan for ``as_of`` (None: its today at ``now``); see the module doc."""
    from ar_sync.aging.snapshots import check_as_of
    from ar_sync.journal import PLANNING_KINDS, holds_for_planning
    from ar_sync.store.journal import load_journal
    from ar_sync.store.orgs import require_org

    with store.reading() as tx:
        org = require_org(tx, org_id)
        today = local_date(now, org.timezone)
        day = as_of if as_of is not None else today
        check_as_of(tx, org, day)
        book = load_book(tx, org, day)
        history = _measures(tx, org, day)
        journal = load_journal(tx, org.org_id, kinds=PLANNING_KINDS)
    local_time = (
        now.astimezone(ZoneInfo(org.timezone)).time().replace(tzinfo=None)
        if day == today else None
    )
    return plan(
        book, history, journal, holds_for_planning(journal, day), policy, day,
        local_time=local_time, holidays=org_holidays(org, policy, day),
    )
