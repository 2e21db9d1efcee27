"""The journal's pure folds: which holds and promises the planner sees, open tasks, a
promise's outcome, a customer's overdue balance."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from ar_sync.domain import (
    Channel,
    Hold,
    HoldReason,
    JournalEntry,
    JournalKind,
    OpenInvoice,
    Stage,
)
from ar_sync.journal import (
    PromiseStatus,
    TaskKind,
    active_holds,
    hold_entry,
    hold_records,
    holds_for_planning,
    open_tasks,
    overdue_balance,
    promise_entry,
    promise_status,
    release_entry,
    task_done_entry,
    task_entry,
)

ORG = "xero:t1"
AT = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)
D0 = date(2026, 3, 2)


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def numbered(*entries: JournalEntry) -> list[JournalEntry]:
    """Entries as the store returns them: ids in order."""
    return [replace(entry, entry_id=i) for i, entry in enumerate(entries, start=1)]


def dispute(customer: str, on: int, until: int | None = None) -> JournalEntry:
    return hold_entry(org_id=ORG, customer_id=customer, reason=HoldReason.DISPUTE,
                      until=None if until is None else day(until), note="wrong goods",
                      at=AT, day=day(on))


def promise(customer: str, on: int, by: int) -> JournalEntry:
    return promise_entry(org_id=ORG, customer_id=customer, amount=Decimal("300.00"),
                         currency="NZD", by=day(by), balance=Decimal("1000.00"), at=AT,
                         day=day(on))


def contact(customer: str, on: int, kind: JournalKind = JournalKind.CONTACT) -> JournalEntry:
    return JournalEntry(org_id=ORG, customer_id=customer, kind=kind, at=AT, day=day(on),
                        stage=Stage.REMINDER, channels=(Channel.LEDGER_NOTE,))


DISPUTE_C1 = Hold(org_id=ORG, customer_id="C1", reason=HoldReason.DISPUTE, since=day(0),
                  until=day(5), note="wrong goods")
PROMISE_C2 = Hold(org_id=ORG, customer_id="C2", reason=HoldReason.PROMISE, since=day(0),
                  until=day(3), amount=Decimal("300.00"), currency="NZD",
                  balance=Decimal("1000.00"))


def test_a_hold_lasts_through_its_until_day_inclusive():
    entries = numbered(dispute("C1", 0, until=5))
    assert holds_for_planning(entries, day(5)) == (DISPUTE_C1,)
    assert holds_for_planning(entries, day(6)) == ()
    assert holds_for_planning(entries, day(-1)) == ()  # journaled after that day


def test_a_release_ends_the_holds_before_it_only_for_its_customer():
    entries = numbered(
        dispute("C1", 0), dispute("C3", 0),
        release_entry(org_id=ORG, customer_id="C1", released=(), at=AT, day=day(2)),
        dispute("C1", 4),
    )
    assert [(h.customer_id, h.since) for h in holds_for_planning(entries, day(3))] == [
        ("C3", day(0))]
    assert [(h.customer_id, h.since) for h in holds_for_planning(entries, day(4))] == [
        ("C3", day(0)), ("C1", day(4))]
    assert [r.released for r in hold_records(entries, day(9))] == [day(2), None, None]


def test_a_promise_past_its_date_waits_for_the_planner_until_a_contact_after_it():
    open_promise = numbered(promise("C2", 0, by=3))
    assert holds_for_planning(open_promise, day(3)) == (PROMISE_C2,)
    assert active_holds(open_promise, day(4)) == ()  # no longer in force ...
    assert holds_for_planning(open_promise, day(9)) == (PROMISE_C2,)  # ... but not yet judged
    # A contact on the promise's day does not judge it; a manual contact after it neither.
    on_the_day = numbered(promise("C2", 0, by=3), contact("C2", 3),
                          contact("C2", 5, JournalKind.MANUAL_CONTACT))
    assert holds_for_planning(on_the_day, day(6)) == (PROMISE_C2,)
    # ar-sync's contact after the date: the ladder has resumed.
    resumed = numbered(promise("C2", 0, by=3), contact("C2", 4))
    assert holds_for_planning(resumed, day(6)) == ()
    assert holds_for_planning(resumed, day(3)) == (PROMISE_C2,)  # as it stood on day 3


def test_a_promise_is_kept_once_the_balance_fell_by_its_amount():
    (record,) = hold_records(numbered(promise("C2", 0, by=3)), day(4))
    assert promise_status(record, Decimal("700.00"), day(4)) is PromiseStatus.KEPT
    assert promise_status(record, Decimal("700.01"), day(4)) is PromiseStatus.BROKEN
    assert promise_status(record, None, day(4)) is PromiseStatus.BROKEN
    assert promise_status(record, Decimal("1000.00"), day(3)) is PromiseStatus.OPEN
    released = numbered(promise("C2", 0, by=3), release_entry(
        org_id=ORG, customer_id="C2", released=(), at=AT, day=day(1)))
    (ended,) = hold_records(released, day(4))
    assert promise_status(ended, Decimal("1000.00"), day(4)) is PromiseStatus.RELEASED


def test_open_tasks_are_those_not_done():
    call = task_entry(org_id=ORG, customer_id="C1", kind=TaskKind.CALL, text="Call C1",
                      at=AT, day=day(0), stage=Stage.CALL)
    pushed = replace(call, customer_id="C2", text="Post the letter", detail={},
                     channels=(Channel.LEDGER_NOTE, Channel.LETTER))
    first, second = numbered(call, pushed)
    tasks = open_tasks([first, second])
    assert [(t.task_id, t.customer_id, t.kind, t.opened, t.text) for t in tasks] == [
        (1, "C1", TaskKind.CALL, day(0), "Call C1"),
        (2, "C2", TaskKind.LETTER, day(0), "Post the letter"),
    ]
    done = replace(task_done_entry(task=tasks[0], note="paid", at=AT, day=day(1)), entry_id=3)
    assert done.text == "Task 1 (call) done: paid"
    assert [t.task_id for t in open_tasks([first, second, done])] == [2]


def invoice(currency: str, due: int, amount: str, base: str) -> OpenInvoice:
    return OpenInvoice(invoice_id=f"I{due}{currency}", customer_id="C1", number="N",
                       issue_date=day(-90), due_date=day(due), currency=currency,
                       amount_due=Decimal(amount), amount_due_base=Decimal(base))


def test_overdue_balance_is_in_the_customers_currency_else_base():
    aud = [invoice("AUD", -5, "915.00", "1000.00"), invoice("AUD", -95, "100.00", "109.29"),
           invoice("AUD", 0, "50.00", "54.64")]  # due today: not overdue
    assert overdue_balance(aud, base_currency="NZD", as_of=day(0)) == (Decimal("1015.00"), "AUD")
    mixed = [*aud, invoice("NZD", -1, "20.00", "20.00")]
    assert overdue_balance(mixed, base_currency="NZD", as_of=day(0)) == (
        Decimal("1129.29"), "NZD")
    assert overdue_balance([], base_currency="NZD", as_of=day(0)) == (Decimal(0), "NZD")
