"""The journal as pure folds: entry builders, the holds and promises in force, open tasks.

Nothing here reads the store or the clock: the commands build entries with ``at`` (the UTC
instant) and ``day`` (the org's local calendar day) they were given, and fold over entries
loaded by ``ar_sync.store.journal.load_journal`` (oldest first, by ``entry_id``).

Rules the folds follow (per customer):

- A ``HOLD`` or ``PROMISE`` entry starts a pause on its ``day``; it lasts through
  ``detail["until"]`` (a promise: ``detail["by"]``), inclusive, or, with no date, until released.
- A ``RELEASE`` entry ends every hold and promise of that customer journaled before it.
- Only entries whose ``day`` is on or before ``as_of`` count, so planning a past day sees the
  journal as it stood then.
- A ``TASK`` is open until a ``TASK_DONE`` entry names its ``entry_id`` in ``detail["task_id"]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from ar_sync.domain import (
    CONTACT_KINDS,
    Channel,
    Hold,
    HoldReason,
    JournaledInvoice,
    JournalEntry,
    JournalKind,
    OpenInvoice,
    Stage,
)
from ar_sync.money import ZERO, format_amount


# What planning reads of the journal: contacts (the cap, the stages sent) and the rows holds
# and promises are folded from. Results, failures and tasks (most rows) are not needed.
PLANNING_KINDS = CONTACT_KINDS | {JournalKind.HOLD, JournalKind.PROMISE, JournalKind.RELEASE}


class TaskKind(StrEnum):
    """What a task asks a person to do."""

    CALL = "call"
    LETTER = "letter"
    HANDOVER = "handover"


class ManualChannel(StrEnum):
    """How a person made a contact by hand (``ar-sync log --channel``)."""

    CALL = "call"
    VISIT = "visit"
    LETTER = "letter"
    EMAIL = "email"


class PromiseStatus(StrEnum):
    OPEN = "open"  # its date has not passed
    KEPT = "kept"  # the overdue balance fell by the amount promised
    BROKEN = "broken"  # its date passed and the balance did not fall by the amount
    RELEASED = "released"  # ended by hand (``ar-sync release``) before it was judged


TASK_CHANNELS: Mapping[TaskKind, Channel] = {
    TaskKind.CALL: Channel.CALL_TASK,
    TaskKind.LETTER: Channel.LETTER,
    TaskKind.HANDOVER: Channel.HANDOVER,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Task:
    """An open task for a person; ``task_id`` is its ``TASK`` entry's ``entry_id``."""

    task_id: int
    org_id: str
    customer_id: str
    kind: TaskKind
    opened: date  # the org's day it was opened
    text: str
    stage: Stage | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldRecord:
    """A hold or promise as journaled, for display (``ar-sync evidence``): the ``Hold``, its
    entry id, and the day it was released (None: never)."""

    entry_id: int | None
    hold: Hold
    released: date | None


# --- builders ----------------------------------------------------------------------------------


def _entry(
    kind: JournalKind, *, org_id: str, customer_id: str, at: datetime, day: date, text: str,
    detail: Mapping[str, object], channels: tuple[Channel, ...] = (),
    stage: Stage | None = None, invoices: tuple[JournaledInvoice, ...] = (),
    key: str | None = None,
) -> JournalEntry:
    return JournalEntry(
        org_id=org_id, customer_id=customer_id, kind=kind, at=at, day=day, stage=stage,
        channels=channels, invoices=invoices, text=text, key=key, detail=dict(detail),
    )


def _with_note(text: str, note: str) -> str:
    return f"{text}: {note}" if note else text


def hold_entry(
    *, org_id: str, customer_id: str, reason: HoldReason, until: date | None, note: str,
    at: datetime, day: date,
) -> JournalEntry:
    """A pause for a dispute or a payment plan (not a promise: ``promise_entry``), from ``day``
    through ``until`` (None: until released)."""
    reason = HoldReason(reason)
    if reason is HoldReason.PROMISE:
        raise ValueError("a promise is journaled with promise_entry")
    label = "dispute" if reason is HoldReason.DISPUTE else "payment plan"
    span = f" until {until.isoformat()}" if until is not None else " until released"
    return _entry(
        JournalKind.HOLD, org_id=org_id, customer_id=customer_id, at=at, day=day,
        text=_with_note(f"Collections on hold ({label}){span}", note),
        detail={"reason": reason.value, "until": until, "note": note},
    )


def promise_entry(
    *, org_id: str, customer_id: str, amount: Decimal, currency: str, by: date,
    balance: Decimal, note: str = "", at: datetime, day: date,
) -> JournalEntry:
    """A promise to pay ``amount`` (in ``currency``) by ``by``, made when the customer's
    overdue balance was ``balance`` (same currency): chasing pauses through ``by``."""
    text = (
        f"Promise to pay {currency} {format_amount(amount, currency, grouped=True)} by "
        f"{by.isoformat()} (overdue balance {currency} "
        f"{format_amount(balance, currency, grouped=True)})"
    )
    return _entry(
        JournalKind.PROMISE, org_id=org_id, customer_id=customer_id, at=at, day=day,
        text=_with_note(text, note),
        detail={"reason": HoldReason.PROMISE.value, "amount": amount, "currency": currency,
                "by": by, "balance": balance, "note": note},
    )


def release_entry(
    *, org_id: str, customer_id: str, released: Sequence[HoldRecord], note: str = "",
    at: datetime, day: date,
) -> JournalEntry:
    """The end, by hand, of every hold and promise in ``released`` (the customer's active
    ones); ``detail["released"]`` lists their entry ids."""
    what = ", ".join(describe_hold(record.hold) for record in released) or "nothing"
    return _entry(
        JournalKind.RELEASE, org_id=org_id, customer_id=customer_id, at=at, day=day,
        text=_with_note(f"Collections resumed; ended: {what}", note),
        detail={"released": [r.entry_id for r in released if r.entry_id is not None],
                "note": note},
    )


def manual_contact_entry(
    *, org_id: str, customer_id: str, channel: ManualChannel, note: str, at: datetime,
    day: date,
) -> JournalEntry:
    """A contact a person made (it counts toward the contact cap); the channel is in
    ``detail["channel"]`` (``call``, ``visit``, ``letter``, ``email``)."""
    channel = ManualChannel(channel)
    return _entry(
        JournalKind.MANUAL_CONTACT, org_id=org_id, customer_id=customer_id, at=at, day=day,
        text=_with_note(f"Contact by {channel.value}", note),
        detail={"channel": channel.value, "note": note},
    )


def task_entry(
    *, org_id: str, customer_id: str, kind: TaskKind, text: str, at: datetime, day: date,
    stage: Stage | None = None, invoices: tuple[JournaledInvoice, ...] = (),
    key: str | None = None,
) -> JournalEntry:
    """A task for a person (a call, a letter to post, a hand-over to an agency or court)."""
    kind = TaskKind(kind)
    return _entry(
        JournalKind.TASK, org_id=org_id, customer_id=customer_id, at=at, day=day, text=text,
        detail={"task": kind.value}, channels=(TASK_CHANNELS[kind],), stage=stage,
        invoices=invoices, key=key,
    )


def task_done_entry(*, task: Task, note: str, at: datetime, day: date) -> JournalEntry:
    """``task`` done, with what came of it."""
    return _entry(
        JournalKind.TASK_DONE, org_id=task.org_id, customer_id=task.customer_id, at=at,
        day=day, text=_with_note(f"Task {task.task_id} ({task.kind.value}) done", note),
        detail={"task_id": task.task_id, "note": note},
    )


# --- reading entries ---------------------------------------------------------------------------


def hold_of(entry: JournalEntry) -> Hold:
    """The ``Hold`` a ``HOLD`` or ``PROMISE`` entry started."""
    detail = entry.detail
    if entry.kind is JournalKind.PROMISE:
        return Hold(
            org_id=entry.org_id, customer_id=entry.customer_id, reason=HoldReason.PROMISE,
            since=entry.day, until=_date(detail["by"]), note=str(detail.get("note", "")),
            amount=_decimal(detail["amount"]), currency=str(detail["currency"]),
            balance=_decimal(detail["balance"]),
        )
    if entry.kind is not JournalKind.HOLD:
        raise ValueError(f"a {entry.kind.value} entry is not a hold")
    until = detail.get("until")
    return Hold(
        org_id=entry.org_id, customer_id=entry.customer_id,
        reason=HoldReason(str(detail["reason"])), since=entry.day,
        until=None if until is None else _date(until), note=str(detail.get("note", "")),
    )


def _date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _decimal(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def describe_hold(hold: Hold) -> str:
    """``dispute until 2026-03-31``, ``promise of NZD 500.00 by 2026-03-31``."""
    if hold.reason is HoldReason.PROMISE and hold.amount is not None and hold.currency:
        amount = format_amount(hold.amount, hold.currency, grouped=True)
        return f"promise of {hold.currency} {amount} by {hold.until}"
    label = "dispute" if hold.reason is HoldReason.DISPUTE else "payment plan"
    return f"{label} until {hold.until}" if hold.until is not None else label


def hold_records(entries: Iterable[JournalEntry], as_of: date) -> tuple[HoldRecord, ...]:
    """Every hold and promise journaled on or before ``as_of``, oldest first, each with the
    day a later ``RELEASE`` (also on or before ``as_of``) ended it."""
    records: list[HoldRecord] = []
    live: dict[str, list[int]] = {}  # customer -> indexes into records not yet released
    for entry in entries:
        if entry.day > as_of:
            continue
        if entry.kind in (JournalKind.HOLD, JournalKind.PROMISE):
            live.setdefault(entry.customer_id, []).append(len(records))
            records.append(HoldRecord(entry_id=entry.entry_id, hold=hold_of(entry), released=None))
        elif entry.kind is JournalKind.RELEASE:
            for index in live.pop(entry.customer_id, []):
                old = records[index]
                records[index] = HoldRecord(
                    entry_id=old.entry_id, hold=old.hold, released=entry.day
                )
    return tuple(records)


def _in_force(hold: Hold, as_of: date) -> bool:
    return hold.until is None or hold.until >= as_of


def active_hold_records(entries: Sequence[JournalEntry], as_of: date) -> tuple[HoldRecord, ...]:
    """The holds and promises in force on ``as_of`` (not released, ``until`` not passed)."""
    return tuple(
        r for r in hold_records(entries, as_of) if r.released is None and _in_force(r.hold, as_of)
    )


def active_holds(entries: Sequence[JournalEntry], as_of: date) -> tuple[Hold, ...]:
    """The holds and promises in force on ``as_of``, for display."""
    return tuple(record.hold for record in active_hold_records(entries, as_of))


def awaiting_release(entries: Sequence[JournalEntry], as_of: date) -> tuple[HoldRecord, ...]:
    """What ``holds_for_planning`` returns, with entry ids: what ``ar-sync release`` ends."""
    contacted: dict[str, date] = {}  # customer -> the last day of a CONTACT entry
    for entry in entries:
        if entry.kind is JournalKind.CONTACT and entry.day <= as_of:
            last = contacted.get(entry.customer_id)
            contacted[entry.customer_id] = entry.day if last is None else max(last, entry.day)
    found = []
    for record in hold_records(entries, as_of):
        hold = record.hold
        if record.released is not None:
            continue
        if _in_force(hold, as_of):
            found.append(record)
        elif hold.reason is HoldReason.PROMISE and hold.until is not None:
            last = contacted.get(hold.customer_id)
            if last is None or last <= hold.until:  # not yet judged by a contact after it
                found.append(record)
    return tuple(found)


def holds_for_planning(entries: Sequence[JournalEntry], as_of: date) -> tuple[Hold, ...]:
    """Every hold and promise not released whose ``until`` is None or on/after ``as_of``, plus
    each promise whose ``until`` is before ``as_of`` with no ``CONTACT`` entry dated after
    ``until``: the planner decides whether such a promise was kept or broken by comparing the
    customer's overdue balance now with ``balance - amount`` (``promise_status``)."""
    return tuple(record.hold for record in awaiting_release(entries, as_of))


def promise_status(
    record: HoldRecord, overdue_balance: Decimal | None, as_of: date
) -> PromiseStatus:
    """A promise's outcome on ``as_of``: released, open through its date, then kept when the
    customer's ``overdue_balance`` (in the promise's currency; None: unknown, taken as
    unchanged) is at most ``balance - amount``, else broken."""
    hold = record.hold
    if record.released is not None:
        return PromiseStatus.RELEASED
    if hold.until is None or hold.until >= as_of:
        return PromiseStatus.OPEN
    assert hold.balance is not None and hold.amount is not None
    now = hold.balance if overdue_balance is None else overdue_balance
    return PromiseStatus.KEPT if now <= hold.balance - hold.amount else PromiseStatus.BROKEN


def overdue_balance(
    invoices: Iterable[OpenInvoice], *, base_currency: str, as_of: date
) -> tuple[Decimal, str]:
    """What one customer's ``invoices`` leave overdue on ``as_of`` (due before it): in their
    currency when they are all in one, else in ``base_currency`` (at each invoice's rate). No
    overdue invoice: zero in ``base_currency``."""
    overdue = [i for i in invoices if i.due_date < as_of and i.amount_due > 0]
    currencies = {i.currency for i in overdue}
    if len(currencies) == 1:
        currency = currencies.pop()
        return sum((i.amount_due for i in overdue), ZERO), currency
    return sum((i.amount_due_base for i in overdue), ZERO), base_currency


def open_tasks(entries: Iterable[JournalEntry]) -> tuple[Task, ...]:
    """Every ``TASK`` no ``TASK_DONE`` entry names, oldest first."""
    tasks: dict[int, Task] = {}
    done: set[int] = set()
    for entry in entries:
        if entry.kind is JournalKind.TASK and entry.entry_id is not None:
            tasks[entry.entry_id] = Task(
                task_id=entry.entry_id, org_id=entry.org_id, customer_id=entry.customer_id,
                kind=_task_kind(entry), opened=entry.day, text=entry.text, stage=entry.stage,
            )
        elif entry.kind is JournalKind.TASK_DONE:
            done.add(int(str(entry.detail["task_id"])))
    return tuple(task for task_id, task in tasks.items() if task_id not in done)


def _task_kind(entry: JournalEntry) -> TaskKind:
    """A task's kind: ``detail["task"]``, else its channel (a task journaled by the push)."""
    named = entry.detail.get("task")
    if named is not None:
        return TaskKind(str(named))
    for kind, channel in TASK_CHANNELS.items():
        if channel in entry.channels:
            return kind
    return TaskKind.CALL


def channel_label(entry: JournalEntry) -> str:
    """How a contact was made, for people: a manual contact's channel, else the channels."""
    manual = entry.detail.get("channel")
    if manual is not None:
        return str(manual)
    return ", ".join(Channel(channel).value for channel in entry.channels)
