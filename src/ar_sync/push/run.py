"""Performing the outbox, exactly once per write, and settling what a crash left open.

``perform_pending`` takes the org's pending actions (``ar_sync.push.outbox``) oldest first and
each step in its order:

1. the step is set ``attempting`` and committed before the call (an SMTP email's Message-ID is
   recorded in that same commit, before anything is sent);
2. the call: a note on an invoice or the customer (``LedgerWriter.add_invoice_note`` /
   ``add_customer_note``, carrying the step's key, whose marker rides in the note), the ledger's
   own invoice email (``email_invoice``), our email (``Mailer.send``), a statement's PDF on
   the customer (``attach_to_customer``, its file name carrying the marker) or our email with
   the PDF attached (``statement_email``), or nothing for a task;
3. the step is set ``done`` with a ``result`` journal row (a ``task`` row for a task), or
   ``failed`` with a ``failure`` row when the ledger or mail server refused it
   (``FatalSourceError``, or a note too long for the ledger: ``ConfigError``); the action goes
   on with its other steps. A step whose outcome the call left open (``RetriableSourceError``
   after the writer's own retries, an ``AuthError``) stays ``attempting`` and the run stops:
   the next run settles it.

The record of an action's last open step is written in the same transaction as the action's
status (``done``; ``failed`` when every step was refused; ``unknown`` when none landed and
some are unknown) and, unless every step was refused, its one ``contact`` journal row (a
statement's: one ``statement`` row, which counts toward the contact cap as a contact does) (its
stage, the channels that landed, every invoice with the due date it chased). A crash thus
never leaves a contact without its journal row, nor the reverse. A mirrored note
(``enqueue_note``) gets result rows but no contact.

**Settling** (before anything else, every step a crash left ``attempting``):

- a note or a statement's attachment: ``find_marker`` (``CUSTOMER_ATTACHMENT`` for the
  attachment: the marker is in the file's name) reads the ledger for the step key's marker.
  Found: ``done``. Not found: performed again with the same key (the marker shows the earlier call did not land;
  were it still in flight, the ledger's idempotency would make the repeat one write).
- the ledger's invoice email carries no marker. Within ``LEDGER_KEY_WINDOW`` of the attempt
  it is sent again with the same key: Xero remembers an ``Idempotency-Key`` for 6 minutes and
  replays the first answer (developer.xero.com/documentation/guides/idempotent-requests/
  idempotency, in ../shared/notes/xero-api.md §5); QuickBooks replays a repeated
  ``requestid`` (../shared/notes/quickbooks-api.md §4.6; how long it remembers one is
  UNCONFIRMED, so the same window is used). Beyond the window, a writer that can read when
  the ledger last emailed the invoice (``invoice_emailed_at``; QuickBooks'
  ``DeliveryInfo.DeliveryTime``, "used to confirm that email has been sent via the send
  operation", https://app.unpkg.com/quickbooks-api@0.11.1/files/src/types/interfaces/
  delivery-info.ts) settles it ``done`` when that time is at or after the attempt; otherwise
  the step is ``unknown`` with a ``failure`` row saying what to check, and never sent again
  (Xero's ``SentToContact`` is a flag that an earlier email may have set: no evidence).
- our email (a statement's too): by the Message-ID recorded before sending, searched in the
  IMAP Sent folder (``Mailer.find_sent``). Found: ``done``; not found: sent again with the same Message-ID.
  Without IMAP configured: ``unknown``, not re-sent, a ``failure`` row naming the Message-ID.
- a task makes no call: it is recorded again.

**Fault injection (tests only).** ``AR_SYNC_CRASH_AT=<point>[@<step kind>][:<n>]`` kills the
process with SIGKILL the ``n``-th time (default 1) it reaches ``point``: ``enqueued`` (the
remind job: actions stored, no call made), ``attempting`` (a step's attempt committed, before
its call) or ``called`` (the call returned, before its record), optionally only for steps of
one kind (``invoice_note``, ``customer_note``, ``ledger_email``, ``email``, ``attachment``,
``statement_email``). Like the
sandboxes' faults, it exists so tests can prove the above by killing a real process.
"""

from __future__ import annotations

import base64
import os
import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ar_sync.clock import local_date
from ar_sync.connector import (
    CUSTOMER_ATTACHMENT,
    CUSTOMER_NOTE,
    INVOICE_NOTE,
    LedgerWriter,
    write_marker,
)
from ar_sync.domain import (
    Action,
    Channel,
    JournaledInvoice,
    JournalEntry,
    JournalKind,
    Org,
    Stage,
)
from ar_sync.errors import ConfigError, FatalSourceError
from ar_sync.push import outbox
from ar_sync.push.mail import Mailer, build_message, message_id
from ar_sync.store import Store

CRASH_ENV = "AR_SYNC_CRASH_AT"
# Re-send a ledger email with its key only while the ledger surely remembers the key: Xero
# forgets it after 6 minutes (the module docstring); a minute is kept for clock skew.
LEDGER_KEY_WINDOW = timedelta(minutes=5)
FINAL = frozenset({"done", "failed", "unknown"})
_CHANNEL_OF_KIND = {
    "invoice_note": Channel.LEDGER_NOTE,
    "customer_note": Channel.LEDGER_NOTE,
    "ledger_email": Channel.LEDGER_EMAIL,
    "email": Channel.EMAIL,
    "statement_email": Channel.EMAIL,
}  # a statement's ``attachment`` has no channel of its own: its journal row says it
# The steps whose write carries a marker ``find_marker`` finds, and the kind it looks for.
_MARKED = {"invoice_note": INVOICE_NOTE, "customer_note": CUSTOMER_NOTE,
           "attachment": CUSTOMER_ATTACHMENT}
_EMAILS = frozenset({"email", "statement_email"})
_CHANNEL_OF_TASK = {kind: channel for channel, kind in outbox.TASK_CHANNELS.items()}


# -- fault injection ----------------------------------------------------------------------------


@dataclass
class CrashHook:
    """``AR_SYNC_CRASH_AT`` parsed (see the module docstring); ``None`` point: never."""

    point: str | None = None
    kind: str | None = None
    nth: int = 1
    seen: int = 0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> CrashHook:
        spec = (environ.get(CRASH_ENV) or "").strip()
        if not spec:
            return cls()
        where, _, count = spec.partition(":")
        point, _, kind = where.partition("@")
        return cls(point=point, kind=kind or None, nth=int(count or 1))

    def reached(self, point: str, kind: str | None = None) -> None:
        if point != self.point or (self.kind is not None and kind != self.kind):
            return
        self.seen += 1
        if self.seen == self.nth:
            os.kill(os.getpid(), signal.SIGKILL)


# -- results ------------------------------------------------------------------------------------


@dataclass
class PushResult:
    """What one ``perform_pending`` did: steps ``done``/``failed``/``unknown`` (settled ones
    included), steps a crash had left open that were found landed (``settled_found``) or
    performed again (``settled_resent``), and contacts journaled with their notes, emails
    (the ledger's and ours) and tasks; statements journaled and their attachments landed.
    ``steps``: ``(action key, step, state)`` in order."""

    done: int = 0
    failed: int = 0
    unknown: int = 0
    settled_found: int = 0
    settled_resent: int = 0
    contacts: int = 0
    notes: int = 0
    emails: int = 0
    tasks: int = 0
    statements: int = 0
    attachments: int = 0
    steps: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, other: PushResult) -> None:
        for name in ("done", "failed", "unknown", "settled_found", "settled_resent",
                     "contacts", "notes", "emails", "tasks", "statements", "attachments"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.steps.extend(other.steps)

    def summary(self) -> str:
        """``sent N contacts (M notes, K emails, T tasks); F failed; U unknown``."""
        return (
            f"sent {self.contacts} contacts ({self.notes} notes, {self.emails} emails, "
            f"{self.tasks} tasks); {self.failed} failed; {self.unknown} unknown"
        )


# -- the run ------------------------------------------------------------------------------------


@dataclass
class _Run:
    store: Store
    org: Org
    writer: LedgerWriter
    mailer: Mailer | None
    now: Callable[[], datetime]
    crash: CrashHook
    result: PushResult
    on_action: Callable[[str], None] | None


def perform_pending(
    store: Store,
    org: Org,
    writer: LedgerWriter,
    mailer: Mailer | None,
    *,
    now: Callable[[], datetime],
    on_action: Callable[[str], None] | None = None,
    crash: CrashHook | None = None,
) -> PushResult:
    """Settle, then perform, every pending action of ``org`` (the module docstring).
    ``on_action`` gets one progress line per action finished."""
    run = _Run(store, org, writer, mailer, now, crash or CrashHook.from_env(), PushResult(),
               on_action)
    with store.reading() as tx:
        pending = outbox.load_pending(tx, org.org_id)
    for action in pending:
        _perform_action(run, action)
    return run.result


def _perform_action(run: _Run, stored: outbox.Outboxed) -> None:
    states = {step.step: step.state for step in stored.steps}
    if all(state in FINAL for state in states.values()):  # nothing open (no steps at all)
        with run.store.transaction() as tx:
            _finish(run, tx, stored, states)
        return
    for step in stored.steps:
        if step.state in FINAL:
            continue
        if step.state == "attempting":
            state, recorded, entries = _settle(run, stored, step)
        else:
            state, recorded, entries = _attempt(run, stored, step)
        states[step.step] = state
        run.result.steps.append((stored.key, step.step, state))
        _count(run.result, step.step, state)
        with run.store.transaction() as tx:
            outbox.set_step(tx, stored.key, step.step, state, now=run.now(), **recorded)
            _append(tx, entries)
            if all(s in FINAL for s in states.values()):
                _finish(run, tx, stored, states)


def _count(result: PushResult, step: str, state: str) -> None:
    if state == "done":
        result.done += 1
        kind = outbox.step_kind(step)
        if kind in ("invoice_note", "customer_note"):
            result.notes += 1
        elif kind in ("ledger_email", *_EMAILS):
            result.emails += 1
        elif kind == "attachment":
            result.attachments += 1
        elif kind == "task":
            result.tasks += 1
    elif state == "failed":
        result.failed += 1
    elif state == "unknown":
        result.unknown += 1


# -- one step -----------------------------------------------------------------------------------

Outcome = tuple[str, dict[str, Any], list[JournalEntry]]


def _attempt(run: _Run, stored: outbox.Outboxed, step: outbox.Step) -> Outcome:
    """Commit the attempt (with the marker or Message-ID), call, and say what to record."""
    kind = outbox.step_kind(step.step)
    recorded: dict[str, Any] = {}
    if kind in _MARKED:
        recorded["marker"] = write_marker(step.ledger_key)
    elif kind in _EMAILS and run.mailer is not None:
        recorded["message_id"] = message_id(step.ledger_key, run.mailer.config.domain)
    with run.store.transaction() as tx:
        outbox.set_step(tx, stored.key, step.step, "attempting", now=run.now(), **recorded)
    run.crash.reached("attempting", kind)
    return _call(run, stored, step, recorded)


def _call(run: _Run, stored: outbox.Outboxed, step: outbox.Step,
          recorded: dict[str, Any]) -> Outcome:
    kind = outbox.step_kind(step.step)
    try:
        ledger_id = _write(run, stored, step, recorded)
    except (FatalSourceError, ConfigError) as error:
        run.crash.reached("called", kind)
        return "failed", {**recorded, "error": str(error)}, [
            _entry(run, stored, JournalKind.FAILURE, step, text=str(error),
                   detail={"step": step.step, "error": str(error)})
        ]
    run.crash.reached("called", kind)
    if ledger_id is not None:
        recorded["ledger_id"] = ledger_id
    return "done", recorded, [_result_entry(run, stored, step, recorded)]


def _write(run: _Run, stored: outbox.Outboxed, step: outbox.Step,
           recorded: Mapping[str, Any]) -> str | None:
    """Make the step's one call; the ledger's id of what it wrote, if it gives one."""
    kind, target = outbox.step_kind(step.step), outbox.step_target(step.step)
    key = step.ledger_key
    if kind == "invoice_note":
        assert target is not None
        return run.writer.add_invoice_note(target, _note_text(stored), key=key).ledger_id
    if kind == "customer_note":
        return run.writer.add_customer_note(stored.customer_id, _note_text(stored),
                                            key=key).ledger_id
    if kind == "ledger_email":
        assert target is not None
        return run.writer.email_invoice(target, key=key).ledger_id
    if kind == "attachment":
        data = stored.data
        return run.writer.attach_to_customer(
            stored.customer_id, data["file_name"], statement_pdf(stored), key=key
        ).ledger_id
    if kind == "email":
        action = _action(stored)
        messages = stored.data["messages"]
        _send_email(run, recorded, to=action.email, who=action.customer,
                    subject=messages["subject"], body=messages["body"])
        return None
    if kind == "statement_email":
        data = stored.data
        _send_email(run, recorded, to=data["email"], who=data["customer"],
                    subject=data["subject"], body=data["body"],
                    attachment=(data["file_name"], statement_pdf(stored)))
        return None
    return None  # a task: journaled, no call


def statement_pdf(stored: outbox.Outboxed) -> bytes:
    """The PDF a statement action holds (base64 in its JSON: ``ar_sync.push.outbox``)."""
    return base64.b64decode(stored.data["pdf"])


def _send_email(run: _Run, recorded: Mapping[str, Any], *, to: str | None, who: str,
                subject: str | None, body: str | None,
                attachment: tuple[str, bytes] | None = None) -> None:
    """Send our email to ``to`` (``who`` names the customer in a refusal), with the Message-ID
    recorded before the call and, given, one PDF ``attachment`` (file name, bytes)."""
    if run.mailer is None:
        raise ConfigError("no [smtp] is configured to send email with (see `ar-sync smtp --help`)")
    if not to:
        raise ConfigError(f"{who} has no email address")
    message = build_message(
        sender=run.mailer.config.sender, to=to, subject=subject or "", body=body or "",
        message_id=recorded["message_id"], date_header=run.now().timestamp(),
    )
    if attachment is not None:
        name, content = attachment
        message.add_attachment(content, maintype="application", subtype="pdf", filename=name)
    run.mailer.send(message)


def _settle(run: _Run, stored: outbox.Outboxed, step: outbox.Step) -> Outcome:
    """A step a crash left ``attempting``: find whether it landed, else perform it again with
    the same key, else call it ``unknown`` (the module docstring)."""
    kind, target = outbox.step_kind(step.step), outbox.step_target(step.step)
    recorded: dict[str, Any] = {"marker": step.marker, "message_id": step.message_id}
    recorded = {name: value for name, value in recorded.items() if value is not None}
    if kind in _MARKED:
        marker = step.marker or write_marker(step.ledger_key)
        found = run.writer.find_marker(_MARKED[kind], target or stored.customer_id, marker)
        if found is not None:
            return _found(run, stored, step, {**recorded, "ledger_id": found.ledger_id})
        return _again(run, stored, step, recorded)
    if kind == "ledger_email":
        assert target is not None
        if run.now() - step.updated_at < LEDGER_KEY_WINDOW:
            return _again(run, stored, step, recorded)
        emailed_at = getattr(run.writer, "invoice_emailed_at", None)
        if emailed_at is not None:
            last = emailed_at(target)
            if last is not None and last >= step.updated_at - timedelta(seconds=1):
                return _found(run, stored, step, recorded)
        return _unknown(
            run, stored, step, recorded,
            f"invoice {target} may or may not have been emailed by the ledger at "
            f"{step.updated_at:%Y-%m-%d %H:%M} UTC (the run stopped before its answer); check "
            "the invoice's history in the ledger; ar-sync will not send it again",
        )
    if kind in _EMAILS:
        wanted = step.message_id
        if run.mailer is None or wanted is None or not run.mailer.can_find_sent:
            return _unknown(
                run, stored, step, recorded,
                f"the email with Message-ID {wanted} may or may not have been sent (the run "
                "stopped before the mail server's answer); look for it in the sender's Sent "
                "folder (configure smtp.imap_host for ar-sync to look); it will not be sent again",
            )
        if run.mailer.find_sent(wanted):
            return _found(run, stored, step, recorded)
        return _again(run, stored, step, recorded)
    return _again(run, stored, step, recorded)  # a task: no call was made


def _found(run: _Run, stored: outbox.Outboxed, step: outbox.Step,
           recorded: dict[str, Any]) -> Outcome:
    run.result.settled_found += 1
    recorded = {name: value for name, value in recorded.items() if value is not None}
    return "done", recorded, [_result_entry(run, stored, step, recorded, settled="found")]


def _again(run: _Run, stored: outbox.Outboxed, step: outbox.Step,
           recorded: dict[str, Any]) -> Outcome:
    run.result.settled_resent += 1
    if outbox.step_kind(step.step) in _EMAILS and "message_id" not in recorded:
        assert run.mailer is not None
        recorded["message_id"] = message_id(step.ledger_key, run.mailer.config.domain)
    return _call(run, stored, step, recorded)


def _unknown(run: _Run, stored: outbox.Outboxed, step: outbox.Step,
             recorded: dict[str, Any], text: str) -> Outcome:
    return "unknown", {**recorded, "error": text}, [
        _entry(run, stored, JournalKind.FAILURE, step, text=text,
               detail={"step": step.step, "error": text, "unknown": True, **recorded})
    ]


# -- journal rows -------------------------------------------------------------------------------


def _action(stored: outbox.Outboxed) -> Action:
    return outbox.action_from_json(stored.data["action"])


def _note_text(stored: outbox.Outboxed) -> str:
    if stored.is_note:
        return str(stored.data["text"])
    if stored.is_statement:
        return str(stored.data["note"])
    return str(stored.data["messages"]["note"] or "")


def _stage(stored: outbox.Outboxed) -> Stage | None:
    return None if stored.is_note or stored.is_statement else Stage(stored.stage)


def _entry(run: _Run, stored: outbox.Outboxed, kind: JournalKind, step: outbox.Step | None, *,
           text: str = "", detail: Mapping[str, object] | None = None,
           channels: tuple[Channel, ...] = (),
           invoices: tuple[JournaledInvoice, ...] = ()) -> JournalEntry:
    moment = run.now()
    return JournalEntry(
        org_id=stored.org_id,
        customer_id=stored.customer_id,
        kind=kind,
        at=moment,
        day=local_date(moment, run.org.timezone),
        stage=_stage(stored),
        channels=channels,
        invoices=invoices,
        text=text,
        key=stored.key if step is None else step.ledger_key,
        detail=dict(detail or {}),
    )


def _result_entry(run: _Run, stored: outbox.Outboxed, step: outbox.Step,
                  recorded: Mapping[str, Any], settled: str | None = None) -> JournalEntry:
    kind = outbox.step_kind(step.step)
    detail: dict[str, object] = {"step": step.step}
    detail.update({name: value for name, value in recorded.items() if value is not None})
    if settled:
        detail["settled"] = settled
    if kind == "task":
        from ar_sync.journal import TaskKind, task_entry

        task = outbox.step_target(step.step) or ""
        moment = run.now()
        return task_entry(
            org_id=stored.org_id, customer_id=stored.customer_id, kind=TaskKind(task),
            text=_task_text(stored, task), at=moment, day=local_date(moment, run.org.timezone),
            stage=_stage(stored), invoices=_invoices(stored), key=step.ledger_key,
        )
    channel = _CHANNEL_OF_KIND.get(kind)
    return _entry(run, stored, JournalKind.RESULT, step, detail=detail,
                  channels=() if channel is None else (channel,))


def _task_text(stored: outbox.Outboxed, task: str) -> str:
    messages = stored.data["messages"]
    if task == "letter":
        return str(messages.get("letter") or messages.get("body") or "")
    return str(messages.get("task") or messages.get("note") or "")


def _invoices(stored: outbox.Outboxed) -> tuple[JournaledInvoice, ...]:
    if stored.is_note:
        return ()
    if stored.is_statement:
        return tuple(
            JournaledInvoice(invoice_id=i["invoice_id"], number=i["number"],
                             due_date=date.fromisoformat(i["due_date"]),
                             amount_due=Decimal(i["amount_due"]), currency=i["currency"])
            for i in stored.data["invoices"]
        )
    return tuple(
        JournaledInvoice(invoice_id=i.invoice_id, number=i.number, due_date=i.due_date,
                         amount_due=i.amount_due, currency=i.currency)
        for i in _action(stored).invoices
    )


def _finish(run: _Run, tx: Any, stored: outbox.Outboxed, states: Mapping[str, str]) -> None:
    """Settle the action's status and, for a contact that was not wholly refused, journal it."""
    values = set(states.values())
    if "done" in values or not values:
        status = "done"
    elif values == {"failed"}:
        status = "failed"
    else:
        status = "unknown"
    outbox.set_status(tx, stored.key, status, now=run.now())
    if stored.is_note or status == "failed":
        if run.on_action is not None:
            run.on_action(_progress(stored, status, states))
        return
    if stored.is_statement:
        _append(tx, [_statement_entry(run, stored, status, states)])
        run.result.statements += 1
        if run.on_action is not None:
            run.on_action(_progress(stored, status, states))
        return
    landed: list[Channel] = []
    for step, state in states.items():
        if state != "done":
            continue
        kind = outbox.step_kind(step)
        channel = (_CHANNEL_OF_TASK[outbox.step_target(step) or ""] if kind == "task"
                   else _CHANNEL_OF_KIND[kind])
        if channel not in landed:
            landed.append(channel)
    action = _action(stored)
    messages = stored.data["messages"]
    text = messages["body"] if Channel.EMAIL in action.channels else messages["note"]
    ordered = tuple(c for c in action.channels if c in landed)
    contact = _entry(
        run, stored, JournalKind.CONTACT, None, text=str(text or ""), channels=ordered,
        invoices=_invoices(stored),
        detail={"segment": action.segment.value, "tone": action.tone.value,
                "total_due": str(action.total_due), "base_currency": action.base_currency,
                "status": status, "steps": dict(states)},
    )
    _append(tx, [contact])
    run.result.contacts += 1
    if run.on_action is not None:
        run.on_action(_progress(stored, status, states))


def _statement_entry(run: _Run, stored: outbox.Outboxed, status: str,
                     states: Mapping[str, str]) -> JournalEntry:
    """The one ``statement`` journal row of a statement that was not wholly refused: the
    channels that landed (the note, our email), every invoice it listed, what it said."""
    data = stored.data
    channels = tuple(
        channel for step, channel in (("customer_note", Channel.LEDGER_NOTE),
                                      ("statement_email", Channel.EMAIL))
        if states.get(step) == "done"
    )
    attached = states.get("attachment") == "done"
    text = (str(data["note"]) if attached
            else f"Statement at {data['statement_date']} (not attached)")
    return _entry(
        run, stored, JournalKind.STATEMENT, None, text=text, channels=channels,
        invoices=_invoices(stored),
        detail={"statement_date": data["statement_date"], "file_name": data["file_name"],
                "totals": dict(data["totals"]), "attached": attached, "status": status,
                "steps": dict(states)},
    )


def _progress(stored: outbox.Outboxed, status: str, states: Mapping[str, str]) -> str:
    if stored.is_statement:
        who = str(stored.data["customer"])
    else:
        who = stored.customer_id if stored.is_note else _action(stored).customer
    what = "note" if stored.is_note else stored.stage
    done = sum(1 for s in states.values() if s == "done")
    tail = "".join(
        f", {n} {label}" for label in ("failed", "unknown")
        if (n := sum(1 for s in states.values() if s == label))
    )
    return f"{who}: {what}: {status} ({done} of {len(states)} writes{tail})"


def _append(tx: Any, entries: list[JournalEntry]) -> None:
    if entries:
        from ar_sync.store.journal import append_entries

        append_entries(tx, entries)
