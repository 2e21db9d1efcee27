"""The outbox: each action, and every write it makes, stored before any call.

An action row (``outbox_actions``) holds the ``Action`` and its rendered messages as JSON
(amounts as decimal strings, dates as ISO text) and a status: ``pending`` until every step is
settled, then ``done`` (at least one step landed) or ``failed`` (every step was refused). Its
steps (``outbox_steps``), in the order they are performed:

1. ``invoice_note:<invoice_id>`` for each listed invoice (``ledger_note`` channel);
2. ``customer_note`` (``ledger_note``);
3. ``ledger_email:<invoice_id>`` for each invoice (``ledger_email``: the ledger's own email);
4. ``email`` (``email``: ours over SMTP, one listing every invoice);
5. ``task:call`` / ``task:letter`` / ``task:handover`` (``call_task`` / ``letter`` /
   ``handover``: journaled tasks for a person).

A step is ``planned``, then ``attempting`` (committed before the call), then ``done``,
``failed`` (the ledger or mail server refused it) or ``unknown`` (a crash left its outcome
unknown and nothing could settle it: never performed again). Each step's ledger key is
``f"{action key}/{step}"`` (``step_key``); its marker is ``write_marker`` of that key.

A mirrored note (``enqueue_note``: a hold, promise, release or manual contact written into the
ledger) is an action of stage ``note`` with steps ``customer_note`` and one
``invoice_note:<id>`` per invoice.

A statement (``enqueue_statement``, ``ar_sync.statements.job``) is an action of stage
``statement`` (key ``statement:{org_id}:{customer_id}:{YYYY-MM}``) whose JSON holds the PDF
itself (base64, ``pdf``: stored in the same commit as the action, so a retry attaches the very
bytes the first attempt sent), its ``file_name``, the ``note``, the email's ``subject`` and
``body`` and the invoices it lists. Its steps: ``attachment`` (the PDF on the customer),
``customer_note``, and ``statement_email`` (ours over SMTP with the PDF attached) when it is
to be emailed. Every function takes ``tx`` and never commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select, update

from ar_sync.domain import Action, Channel, PlannedInvoice, Segment, Stage, Tone
from ar_sync.store.bulk import insert
from ar_sync.store.tables import outbox_actions, outbox_steps

NOTE_STAGE = "note"  # the stage column of a mirrored note (no ladder stage)
STATEMENT_STAGE = "statement"  # the stage column of a statement
TASK_CHANNELS = {Channel.CALL_TASK: "call", Channel.LETTER: "letter", Channel.HANDOVER: "handover"}
MESSAGE_FIELDS = ("subject", "body", "note", "letter", "task")


# -- steps (pure) -----------------------------------------------------------------------------


def action_steps(action: Action) -> tuple[str, ...]:
    """The steps ``action`` makes, in the order they are performed (the module docstring)."""
    channels = set(action.channels)
    ids = [invoice.invoice_id for invoice in action.invoices]
    steps: list[str] = []
    if Channel.LEDGER_NOTE in channels:
        steps += [f"invoice_note:{invoice_id}" for invoice_id in ids]
        steps.append("customer_note")
    if Channel.LEDGER_EMAIL in channels:
        steps += [f"ledger_email:{invoice_id}" for invoice_id in ids]
    if Channel.EMAIL in channels:
        steps.append("email")
    steps += [f"task:{kind}" for channel, kind in TASK_CHANNELS.items() if channel in channels]
    return tuple(steps)


def note_steps(invoice_ids: Sequence[str]) -> tuple[str, ...]:
    """A mirrored note's steps: the customer's note, then one per invoice."""
    return ("customer_note", *(f"invoice_note:{invoice_id}" for invoice_id in invoice_ids))


def statement_steps(*, email: bool) -> tuple[str, ...]:
    """A statement's steps: the attachment, the customer's note, then (``email``) our email."""
    return ("attachment", "customer_note", *(("statement_email",) if email else ()))


def step_key(key: str, step: str) -> str:
    """The ledger idempotency key of one step (its marker is ``write_marker`` of it)."""
    return f"{key}/{step}"


def step_kind(step: str) -> str:
    """``invoice_note:INV-1`` -> ``invoice_note``; ``email`` -> ``email``."""
    return step.split(":", 1)[0]


def step_target(step: str) -> str | None:
    """``invoice_note:INV-1`` -> ``INV-1``; ``task:call`` -> ``call``; ``email`` -> None."""
    _, colon, target = step.partition(":")
    return target if colon else None


# -- the Action as JSON (pure) ----------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    return value


def action_json(action: Action) -> dict[str, Any]:
    """``action`` as JSON-able data (Decimal as strings, dates ISO, enums as their values)."""
    return _plain(action)


def action_from_json(data: Mapping[str, Any]) -> Action:
    """The ``Action`` ``action_json`` wrote."""
    invoices = tuple(
        PlannedInvoice(
            invoice_id=row["invoice_id"],
            number=row["number"],
            issue_date=date.fromisoformat(row["issue_date"]),
            due_date=date.fromisoformat(row["due_date"]),
            days_overdue=int(row["days_overdue"]),
            amount_due=Decimal(row["amount_due"]),
            currency=row["currency"],
            interest=Decimal(row["interest"]),
            fee=Decimal(row["fee"]),
        )
        for row in data["invoices"]
    )
    return Action(
        org_id=data["org_id"],
        customer_id=data["customer_id"],
        customer=data["customer"],
        email=data["email"],
        segment=Segment(data["segment"]),
        stage=Stage(data["stage"]),
        tone=Tone(data["tone"]),
        channels=tuple(Channel(c) for c in data["channels"]),
        invoices=invoices,
        total_due=Decimal(data["total_due"]),
        base_currency=data["base_currency"],
        as_of=date.fromisoformat(data["as_of"]),
        key=data["key"],
    )


def messages_json(messages: Any) -> dict[str, str | None]:
    """The rendered messages (``ar_sync.collect.templates.Messages``) as JSON."""
    return {name: getattr(messages, name, None) for name in MESSAGE_FIELDS}


# -- rows -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """One stored step of an action."""

    key: str  # the action's key
    step: str
    state: str
    marker: str | None
    message_id: str | None
    ledger_id: str | None
    error: str | None
    updated_at: datetime

    @property
    def ledger_key(self) -> str:
        return step_key(self.key, self.step)


@dataclass(frozen=True, slots=True)
class Outboxed:
    """One stored action: ``data`` is the JSON the row holds (``kind`` ``action`` with
    ``action`` and ``messages``, or ``note`` with ``invoice_ids`` and ``text``); ``steps`` in
    the order they are performed."""

    key: str
    org_id: str
    customer_id: str
    day: date
    stage: str
    status: str
    data: Mapping[str, Any]
    steps: tuple[Step, ...]

    @property
    def is_note(self) -> bool:
        return self.data.get("kind") == "note"

    @property
    def is_statement(self) -> bool:
        return self.data.get("kind") == "statement"


def _add(
    tx: Connection, *, key: str, org_id: str, customer_id: str, day: date, stage: str,
    data: dict[str, Any], steps: Sequence[str], now: datetime,
) -> bool:
    created = tx.execute(
        insert(tx, outbox_actions)
        .values(
            key=key, org_id=org_id, customer_id=customer_id, day=day, stage=stage,
            action={**data, "steps": list(steps)}, status="pending",
            created_at=now, updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(outbox_actions.c.key)
    ).first()
    if created is None:
        return False
    if steps:
        tx.execute(
            outbox_steps.insert(),
            [{"key": key, "step": step, "state": "planned", "updated_at": now} for step in steps],
        )
    return True


def enqueue(tx: Connection, action: Action, messages: Any, *, now: datetime) -> bool:
    """Store ``action`` with its rendered ``messages`` and its steps (all ``planned``); False,
    writing nothing, when an action of the same key is already there."""
    return _add(
        tx, key=action.key, org_id=action.org_id, customer_id=action.customer_id,
        day=action.as_of, stage=action.stage.value,
        data={"kind": "action", "action": action_json(action),
              "messages": messages_json(messages)},
        steps=action_steps(action), now=now,
    )


def enqueue_note(
    tx: Connection, *, org_id: str, customer_id: str, invoice_ids: Sequence[str], text: str,
    key: str, now: datetime,
) -> bool:
    """Store a plain note to mirror into the ledger on the customer and each invoice; False
    when ``key`` is already there. Its ``day`` is ``now``'s UTC date (the journal row it
    mirrors carries the org's day)."""
    return _add(
        tx, key=key, org_id=org_id, customer_id=customer_id, day=now.date(), stage=NOTE_STAGE,
        data={"kind": "note", "invoice_ids": list(invoice_ids), "text": text},
        steps=note_steps(invoice_ids), now=now,
    )


def enqueue_statement(
    tx: Connection, *, key: str, org_id: str, customer_id: str, day: date,
    data: Mapping[str, Any], email: bool, now: datetime,
) -> bool:
    """Store a statement (``data``: the JSON the module docstring lists) with its steps; False,
    writing nothing, when ``key`` is already there (this month's statement was stored)."""
    return _add(
        tx, key=key, org_id=org_id, customer_id=customer_id, day=day, stage=STATEMENT_STAGE,
        data={**data, "kind": "statement"}, steps=statement_steps(email=email), now=now,
    )


def load_pending(tx: Connection, org_id: str) -> list[Outboxed]:
    """The org's pending actions, oldest first (then by key), each with its steps in order."""
    rows = tx.execute(
        select(outbox_actions)
        .where(outbox_actions.c.org_id == org_id, outbox_actions.c.status == "pending")
        .order_by(outbox_actions.c.created_at, outbox_actions.c.key)
    ).mappings().all()
    if not rows:
        return []
    keys = [row["key"] for row in rows]
    by_key: dict[str, dict[str, Step]] = {key: {} for key in keys}
    for step in tx.execute(select(outbox_steps).where(outbox_steps.c.key.in_(keys))).mappings():
        by_key[step["key"]][step["step"]] = Step(**dict(step))
    return [
        Outboxed(
            key=row["key"], org_id=row["org_id"], customer_id=row["customer_id"],
            day=row["day"], stage=row["stage"], status=row["status"], data=row["action"],
            steps=tuple(by_key[row["key"]][name] for name in row["action"]["steps"]),
        )
        for row in rows
    ]


def load_action(tx: Connection, key: str) -> Outboxed | None:
    """One action by its key (any status), or None."""
    row = tx.execute(select(outbox_actions).where(outbox_actions.c.key == key)).mappings().first()
    if row is None:
        return None
    stored = {
        s["step"]: Step(**dict(s))
        for s in tx.execute(select(outbox_steps).where(outbox_steps.c.key == key)).mappings()
    }
    return Outboxed(
        key=row["key"], org_id=row["org_id"], customer_id=row["customer_id"], day=row["day"],
        stage=row["stage"], status=row["status"], data=row["action"],
        steps=tuple(stored[name] for name in row["action"]["steps"]),
    )


def set_step(
    tx: Connection, key: str, step: str, state: str, *, now: datetime,
    **recorded: str | None,
) -> None:
    """Move one step to ``state``; ``recorded`` sets ``marker``/``message_id``/``ledger_id``/
    ``error`` (others are kept)."""
    tx.execute(
        update(outbox_steps)
        .where(outbox_steps.c.key == key, outbox_steps.c.step == step)
        .values(state=state, updated_at=now, **recorded)
    )


def set_status(tx: Connection, key: str, status: str, *, now: datetime) -> None:
    """Settle an action: ``done``, ``failed`` or ``unknown``."""
    tx.execute(
        update(outbox_actions)
        .where(outbox_actions.c.key == key)
        .values(status=status, updated_at=now)
    )
