"""Hypothesis properties of the planner (the issue's five).

1. Planning again with the first plan's actions journaled yields no action.
2. Over 90 simulated days (each day's actions journaled, contacts logged by hand now and then,
   payments arriving at random) nobody has more than the cap in any rolling 30 days, nor two
   contacts on one day.
3. Nothing is planned on a quiet day (weekends, NZ public holidays).
4. A customer on hold (a dispute, a payment plan, a promise not yet due) gets nothing.
5. A broken promise resumes the ladder at the stage after the highest one sent.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ar_sync.collect.calendar import is_quiet, public_holidays
from ar_sync.collect.contacts import stage_rank
from ar_sync.collect.planner import plan
from ar_sync.collect.policy import Limits, Policy
from ar_sync.domain import (
    CollectionBook,
    Hold,
    HoldReason,
    JournalEntry,
    JournalKind,
    OpenInvoice,
    Stage,
)
from tests.collect.planner_books import ORG, book, contact, invoice, journaled

HOLIDAYS = public_holidays("NZ", None, [2025, 2026, 2027])


@st.composite
def books(draw: st.DrawFn) -> tuple[CollectionBook, date]:
    """A book of 1-8 customers with 1-4 open invoices each, due from 120 days before to 20 days
    after ``as_of``; some customers have no email, some an unapplied credit."""
    as_of = draw(st.dates(min_value=date(2025, 6, 1), max_value=date(2026, 10, 1)))
    customers = draw(st.integers(min_value=1, max_value=8))
    invoices, names, emails, credits = [], {}, {}, {}
    for c in range(customers):
        cid = f"c{c}"
        names[cid] = f"Customer {c}"
        if draw(st.booleans()) or c == 0:
            emails[cid] = f"{cid}@example.test"
        if draw(st.integers(0, 5)) == 0:
            credits[cid] = str(draw(st.integers(1, 300)))
        for n in range(draw(st.integers(min_value=1, max_value=4))):
            due = as_of + timedelta(days=draw(st.integers(min_value=-120, max_value=20)))
            amount = draw(st.integers(min_value=1, max_value=5000))
            invoices.append(invoice(f"{cid}-{n}", cid, f"{amount}.00", due))
    return book(invoices, names, emails=emails, credits=credits, as_of=as_of), as_of


def policy_of(cap: int = 5, quiet_weekends: bool = True) -> Policy:
    return Policy(limits=Limits(cap_per_30_days=cap, quiet_weekends=quiet_weekends))


@given(books(), st.integers(min_value=1, max_value=5))
@settings(max_examples=150, deadline=None)
def test_planning_again_with_the_actions_journaled_yields_nothing(
    drawn: tuple[CollectionBook, date], cap: int
) -> None:
    the_book, as_of = drawn
    policy = policy_of(cap, quiet_weekends=False)
    first = plan(the_book, {}, [], [], policy, as_of)
    journal = [journaled(a) for a in first.actions]
    assert plan(the_book, {}, journal, [], policy, as_of).actions == ()


def _pay(the_book: CollectionBook, rng: random.Random) -> CollectionBook:
    """Each open invoice is paid in full with chance 1/25, in part with chance 1/25."""
    kept: list[OpenInvoice] = []
    for inv in the_book.invoices:
        roll = rng.randrange(25)
        if roll == 0:
            continue
        if roll == 1 and inv.amount_due > 1:
            half = (inv.amount_due / 2).quantize(Decimal("0.01"))
            inv = replace(inv, amount_due=half, amount_due_base=half)
        kept.append(inv)
    return replace(the_book, invoices=tuple(kept))


@given(books(), st.integers(min_value=1, max_value=5), st.randoms(use_true_random=False))
@settings(max_examples=40, deadline=None)
def test_ninety_days_never_exceed_the_cap_nor_contact_twice_a_day_nor_on_a_quiet_day(
    drawn: tuple[CollectionBook, date], cap: int, rng: random.Random
) -> None:
    the_book, start = drawn
    policy = policy_of(cap)
    journal: list[JournalEntry] = []
    for offset in range(90):
        day = start + timedelta(days=offset)
        for cid in the_book.names:  # a person rings someone now and then, before the run
            if rng.randrange(40) == 0:
                journal.append(contact(cid, day, None, kind=JournalKind.MANUAL_CONTACT))
        today = plan(the_book, {}, journal, [], policy, day, holidays=HOLIDAYS)
        if is_quiet(day, policy.limits, HOLIDAYS):
            assert today.actions == ()
        assert len({a.customer_id for a in today.actions}) == len(today.actions)
        journal.extend(journaled(a) for a in today.actions)
        the_book = _pay(the_book, rng)

    ours: dict[str, list[date]] = defaultdict(list)
    everything: dict[str, list[date]] = defaultdict(list)
    for entry in journal:
        everything[entry.customer_id].append(entry.day)
        if entry.kind == JournalKind.CONTACT:
            ours[entry.customer_id].append(entry.day)
    for cid, days in ours.items():  # never twice a day, nor on a day someone rang them
        for day in days:
            assert everything[cid].count(day) == 1, ("two contacts on one day", cid, day)
    for cid, days in ours.items():
        for day in days:  # when ar-sync contacted, the 30 days to then hold at most the cap
            window = [d for d in everything[cid] if day - timedelta(days=30) < d <= day]
            assert len(window) <= cap, (cid, day, sorted(window))


@given(books(), st.sampled_from(list(HoldReason)), st.integers(min_value=0, max_value=30))
@settings(max_examples=150, deadline=None)
def test_a_customer_on_hold_gets_nothing(
    drawn: tuple[CollectionBook, date], reason: HoldReason, days_left: int
) -> None:
    the_book, as_of = drawn
    held = "c0"
    hold = Hold(org_id=ORG, customer_id=held, reason=reason, since=as_of - timedelta(days=3),
                until=as_of + timedelta(days=days_left) if days_left else None,
                amount=Decimal(10), currency="NZD", balance=Decimal(10_000_000))
    result = plan(the_book, {}, [], [hold], policy_of(quiet_weekends=False), as_of)
    assert held not in {a.customer_id for a in result.actions}
    reasons = {s.customer_id: s.reason.value for s in result.skipped}
    if held in reasons and reasons[held] not in {"not_overdue", "below_minimum"}:
        assert reasons[held] == {"dispute": "hold", "payment-plan": "payment_plan",
                                 "promise": "promise"}[reason.value]


LADDER = [s for s in Stage if s is not Stage.COURTESY]


@given(
    st.integers(min_value=1, max_value=200),  # days the invoice is overdue
    st.sampled_from(LADDER),  # the highest stage sent before the promise
    st.dates(min_value=date(2025, 6, 1), max_value=date(2026, 10, 1)),
)
@settings(max_examples=200, deadline=None)
def test_a_broken_promise_resumes_the_ladder_at_the_next_stage(
    overdue: int, sent: Stage, as_of: date
) -> None:
    due = as_of - timedelta(days=overdue)
    the_book = book([invoice("i1", "c0", "500.00", due)], {"c0": "Customer 0"}, as_of=as_of)
    journal = [contact("c0", as_of - timedelta(days=40), sent, [("i1", due)])]
    promise = Hold(org_id=ORG, customer_id="c0", reason=HoldReason.PROMISE,
                   since=as_of - timedelta(days=20), until=as_of - timedelta(days=1),
                   amount=Decimal("100.00"), currency="NZD", balance=Decimal("500.00"))
    result = plan(the_book, {}, journal, [promise], policy_of(quiet_weekends=False), as_of)
    after = [s for s in LADDER if stage_rank(s) > stage_rank(sent)]
    if after:
        assert [a.stage for a in result.actions] == [after[0]]
    else:
        assert [s.reason.value for s in result.skipped] == ["stage_already_sent"]
    # kept (the balance fell by the amount promised): the ladder goes on by days
    paid = replace(the_book, invoices=(replace(the_book.invoices[0],
                                               amount_due=Decimal("400.00")),))
    kept = plan(paid, {}, journal, [promise], policy_of(quiet_weekends=False), as_of)
    by_days = plan(paid, {}, journal, [], policy_of(quiet_weekends=False), as_of)
    assert kept == by_days
