"""``perform_pending`` on every ledger, from the outbox alone (no planner): an action's notes,
ledger emails, our email and task land once each, are journaled, and a refusal is a failure
row while the action goes on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ar_sync.clock import utc_now
from ar_sync.connect.orgs import vault_for
from ar_sync.connector import CUSTOMER_NOTE, INVOICE_EMAIL, INVOICE_NOTE, load_plugin
from ar_sync.domain import Channel, JournalKind, Stage, Tone
from ar_sync.push.mail import Mailer, load_smtp_config
from ar_sync.push.outbox import enqueue, load_action, set_step
from ar_sync.push.run import PushResult, perform_pending
from ar_sync.settings import load_settings
from ar_sync.store import Store
from ar_sync.store.journal import load_journal
from tests.conformance.push_helpers import (  # noqa: F401  (mail: a fixture)
    TINY,
    Rendered,
    landed_writes,
    mail,
    one_invoice_action,
)
from tests.conformance.support import connect, stored_org


def test_one_action_lands_every_write_once(cli, start_ledger, mail, ar_home):
    ledger = start_ledger(**TINY)
    connect(cli, ledger)
    ledger.control.reset_calls()
    config = load_smtp_config(mail.write_config(ar_home, imap=False))
    org = stored_org(ledger.org_id)
    action, inv = one_invoice_action(
        ledger, org, stage=Stage.FINAL, tone=Tone.FORMAL,
        channels=(Channel.LEDGER_NOTE, Channel.LEDGER_EMAIL, Channel.EMAIL, Channel.LETTER),
        days_overdue=30, email="ap@bay.example",
    )
    settings = load_settings(None)
    with Store(settings.db_url) as store:
        with store.transaction() as tx:
            assert enqueue(tx, action, Rendered(), now=datetime(2025, 3, 1, tzinfo=UTC))
        writer = load_plugin(org.platform).open_writer(org, vault_for(org, settings))
        try:
            assert config is not None
            result = perform_pending(store, org, writer, Mailer(config), now=utc_now)
            again = perform_pending(store, org, writer, Mailer(config), now=utc_now)
        finally:
            writer.close()
        with store.reading() as tx:
            stored = load_action(tx, action.key)
            journal = load_journal(tx, org.org_id)
    assert (result.contacts, result.notes, result.emails, result.tasks, result.failed) == (
        1, 2, 2, 1, 0
    )
    assert again == PushResult()
    assert stored is not None and stored.status == "done"
    wire = ledger.driver.wire_key
    assert landed_writes(ledger) == {
        (INVOICE_NOTE, inv.invoice_id, wire(f"{action.key}/invoice_note:{inv.invoice_id}")): 1,
        (CUSTOMER_NOTE, inv.customer_id, wire(f"{action.key}/customer_note")): 1,
        (INVOICE_EMAIL, inv.invoice_id, wire(f"{action.key}/ledger_email:{inv.invoice_id}")): 1,
    }
    assert [m["To"] for m in mail.messages] == ["ap@bay.example"]
    assert [e.kind for e in journal] == [JournalKind.RESULT] * 4 + [
        JournalKind.TASK, JournalKind.CONTACT
    ]
    contact = journal[-1]
    assert contact.channels == (Channel.LEDGER_NOTE, Channel.LEDGER_EMAIL, Channel.EMAIL,
                                Channel.LETTER)
    assert contact.stage is Stage.FINAL and contact.text == "Dear customer, please pay."
    assert [(i.invoice_id, i.amount_due) for i in contact.invoices] == [
        (inv.invoice_id, inv.balance)
    ]
    assert journal[-2].text == "Letter before action"


def test_a_crash_left_ledger_email_beyond_the_key_window_is_unknown_and_not_resent(
    cli, start_ledger, ar_home
):
    """An attempt committed 10 minutes ago (the ledger has forgotten its key): the email is
    neither sent again nor called sent; a failure row says what to check. A note left the
    same way is looked up by its marker and, not found, written once."""
    ledger = start_ledger(**TINY)
    connect(cli, ledger)
    ledger.control.reset_calls()
    org = stored_org(ledger.org_id)
    action, inv = one_invoice_action(
        ledger, org, stage=Stage.FIRM, tone=Tone.FIRM,
        channels=(Channel.LEDGER_NOTE, Channel.LEDGER_EMAIL),
        days_overdue=14,
    )
    settings = load_settings(None)
    started = utc_now() - timedelta(minutes=10)
    email_step = f"ledger_email:{inv.invoice_id}"
    with Store(settings.db_url) as store:
        with store.transaction() as tx:
            enqueue(tx, action, Rendered(), now=started)
            set_step(tx, action.key, email_step, "attempting", now=started)
            set_step(tx, action.key, "customer_note", "attempting", now=started)
        writer = load_plugin(org.platform).open_writer(org, vault_for(org, settings))
        try:
            result = perform_pending(store, org, writer, None, now=utc_now)
        finally:
            writer.close()
        with store.reading() as tx:
            stored = load_action(tx, action.key)
            journal = load_journal(tx, org.org_id)
    assert stored is not None and stored.status == "done"
    assert {s.step: s.state for s in stored.steps} == {
        f"invoice_note:{inv.invoice_id}": "done", "customer_note": "done", email_step: "unknown",
    }
    assert (result.done, result.unknown, result.settled_found, result.settled_resent) == (
        2, 1, 0, 1
    )
    assert [w.kind for w in ledger.driver.written(ledger.control)] == [INVOICE_NOTE, CUSTOMER_NOTE]
    (failure,) = [e for e in journal if e.kind is JournalKind.FAILURE]
    assert failure.text == (
        f"invoice {inv.invoice_id} may or may not have been emailed by the ledger at "
        f"{started:%Y-%m-%d %H:%M} UTC (the run stopped before its answer); check the "
        "invoice's history in the ledger; ar-sync will not send it again"
    )
    (contact,) = [e for e in journal if e.kind is JournalKind.CONTACT]
    assert contact.channels == (Channel.LEDGER_NOTE,)
