"""The outbox: an action and its steps stored once, before any call, with fixed keys."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from ar_sync.collect.policy import Policy
from ar_sync.domain import Action, Channel, PlannedInvoice, Segment, Stage
from ar_sync.push.outbox import (
    action_from_json,
    action_json,
    enqueue,
    enqueue_note,
    load_action,
    load_pending,
    set_step,
)
from ar_sync.store import Store
from tests.store.records import ORG, T0

DAY = date(2025, 3, 1)


class Rendered:
    """What ``ar_sync.collect.templates.render`` returns, as the outbox reads it."""

    subject = "Invoice INV-7 is overdue"
    body = "Dear Bay Plumbing, INV-7 (NZD 1,234.50) was due on 20 February."
    note = "Reminder sent: INV-7, INV-9"
    letter = None
    task = None


def invoice(invoice_id: str, number: str, amount: str, due: date) -> PlannedInvoice:
    return PlannedInvoice(
        invoice_id=invoice_id, number=number, issue_date=due - timedelta(days=20), due_date=due,
        days_overdue=(DAY - due).days, amount_due=Decimal(amount), currency="NZD",
        interest=Decimal("0.00"), fee=Decimal("0.00"),
    )


def action(stage: Stage = Stage.REMINDER, channels: tuple[Channel, ...] | None = None) -> Action:
    rule = Policy().stages[stage]
    return Action(
        org_id=ORG, customer_id="C1", customer="Bay Plumbing", email="ap@bay.example",
        segment=Segment.STANDARD, stage=stage, tone=rule.tone,
        channels=rule.channels if channels is None else channels,
        invoices=(invoice("I7", "INV-7", "1234.50", date(2025, 2, 20)),
                  invoice("I9", "INV-9", "99.99", date(2025, 2, 22))),
        total_due=Decimal("1334.49"), base_currency="NZD", as_of=DAY,
        key=f"remind:{ORG}:C1:{stage.value}:{DAY.isoformat()}",
    )


def test_an_action_is_stored_once_with_its_steps_in_order(org_store: Store):
    every = (Channel.LEDGER_NOTE, Channel.LEDGER_EMAIL, Channel.EMAIL, Channel.LETTER)
    with org_store.transaction() as tx:
        assert enqueue(tx, action(Stage.FINAL, every), Rendered(), now=T0) is True
    with org_store.transaction() as tx:
        assert enqueue(tx, action(Stage.FINAL, every), Rendered(), now=T0) is False

    with org_store.reading() as tx:
        (stored,) = load_pending(tx, ORG)
    key = f"remind:{ORG}:C1:final:2025-03-01"
    assert (stored.key, stored.customer_id, stored.day, stored.stage, stored.status) == (
        key, "C1", DAY, "final", "pending"
    )
    assert [(s.step, s.state, s.ledger_key) for s in stored.steps] == [
        ("invoice_note:I7", "planned", f"{key}/invoice_note:I7"),
        ("invoice_note:I9", "planned", f"{key}/invoice_note:I9"),
        ("customer_note", "planned", f"{key}/customer_note"),
        ("ledger_email:I7", "planned", f"{key}/ledger_email:I7"),
        ("ledger_email:I9", "planned", f"{key}/ledger_email:I9"),
        ("email", "planned", f"{key}/email"),
        ("task:letter", "planned", f"{key}/task:letter"),
    ]
    assert stored.data["messages"] == {
        "subject": "Invoice INV-7 is overdue",
        "body": "Dear Bay Plumbing, INV-7 (NZD 1,234.50) was due on 20 February.",
        "note": "Reminder sent: INV-7, INV-9",
        "letter": None,
        "task": None,
    }
    assert stored.data["action"]["invoices"][0]["amount_due"] == "1234.50"
    assert action_from_json(stored.data["action"]) == action(Stage.FINAL, every)


def test_the_default_ladder_makes_notes_an_email_and_tasks(org_store: Store):
    with org_store.transaction() as tx:
        for stage in (Stage.FRIENDLY, Stage.CALL, Stage.ESCALATION):
            assert enqueue(tx, action(stage), Rendered(), now=T0)
    with org_store.reading() as tx:
        stored = load_pending(tx, ORG)
    assert {s.stage: [step.step for step in s.steps] for s in stored} == {
        "friendly": ["invoice_note:I7", "invoice_note:I9", "customer_note", "email"],
        "call": ["invoice_note:I7", "invoice_note:I9", "customer_note", "task:call"],
        "escalation": ["invoice_note:I7", "invoice_note:I9", "customer_note", "task:handover"],
    }


def test_a_mirrored_note_goes_on_the_customer_then_each_invoice(org_store: Store):
    key = f"note:{ORG}:C1:hold:17"
    with org_store.transaction() as tx:
        assert enqueue_note(tx, org_id=ORG, customer_id="C1", invoice_ids=["I7", "I9"],
                            text="On hold: dispute over INV-7", key=key, now=T0)
        assert not enqueue_note(tx, org_id=ORG, customer_id="C1", invoice_ids=["I7"],
                                text="again", key=key, now=T0)
    with org_store.reading() as tx:
        (stored,) = load_pending(tx, ORG)
    assert stored.is_note and stored.stage == "note"
    assert stored.data["text"] == "On hold: dispute over INV-7"
    assert [s.step for s in stored.steps] == ["customer_note", "invoice_note:I7", "invoice_note:I9"]


def test_a_step_keeps_what_was_recorded_before_its_call(org_store: Store):
    with org_store.transaction() as tx:
        enqueue(tx, action(Stage.FRIENDLY), Rendered(), now=T0)
    key = action(Stage.FRIENDLY).key
    later = T0 + timedelta(minutes=1)
    with org_store.transaction() as tx:
        set_step(tx, key, "email", "attempting", now=later, message_id="<abc@bay.example>")
    with org_store.transaction() as tx:
        set_step(tx, key, "email", "done", now=later + timedelta(seconds=2))
    with org_store.reading() as tx:
        stored = load_action(tx, key)
    assert stored is not None
    email = stored.steps[-1]
    assert (email.step, email.state, email.message_id, email.updated_at) == (
        "email", "done", "<abc@bay.example>", later + timedelta(seconds=2)
    )
    assert action_json(action(Stage.FRIENDLY))["total_due"] == "1334.49"
