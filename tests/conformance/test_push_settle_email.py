"""A ledger invoice email a crash left open, settled after the ledger forgot its key: where the
ledger records when it last emailed an invoice (QuickBooks ``DeliveryInfo.DeliveryTime``) an
email that landed is settled sent and never repeated; where it does not (Xero), the step stays
unknown and is never repeated either."""

from __future__ import annotations

from datetime import timedelta

from ar_sync.clock import utc_now
from ar_sync.connect.orgs import vault_for
from ar_sync.connector import INVOICE_EMAIL, load_plugin
from ar_sync.domain import Channel, JournalKind, Stage, Tone
from ar_sync.push.outbox import enqueue, load_action, set_step
from ar_sync.push.run import perform_pending
from ar_sync.settings import load_settings
from ar_sync.store import Store
from ar_sync.store.journal import load_journal
from tests.conformance.push_helpers import TINY, Rendered, one_invoice_action
from tests.conformance.support import connect, stored_org


def test_an_email_that_landed_before_the_crash_is_sent_once(cli, start_ledger, ar_home):
    ledger = start_ledger(**TINY)
    connect(cli, ledger)
    org = stored_org(ledger.org_id)
    action, inv = one_invoice_action(
        ledger, org, stage=Stage.FIRM, tone=Tone.FIRM,
        channels=(Channel.LEDGER_EMAIL,),
        days_overdue=14,
    )
    step = f"ledger_email:{inv.invoice_id}"
    settings = load_settings(None)
    attempted = utc_now() - timedelta(minutes=10)  # beyond the ledgers' memory of the key
    writer = load_plugin(org.platform).open_writer(org, vault_for(org, settings))
    try:
        with Store(settings.db_url) as store:
            with store.transaction() as tx:
                enqueue(tx, action, Rendered(), now=attempted)
                set_step(tx, action.key, step, "attempting", now=attempted)
            # The call landed; the run was killed before recording it.
            writer.email_invoice(inv.invoice_id, key=f"{action.key}/{step}")
            result = perform_pending(store, org, writer, None, now=utc_now)
            with store.reading() as tx:
                stored = load_action(tx, action.key)
                journal = load_journal(tx, org.org_id)
    finally:
        writer.close()
    emails = [w for w in ledger.driver.written(ledger.control) if w.kind == INVOICE_EMAIL]
    assert len(emails) == 1  # never sent twice, whatever the ledger can tell
    assert stored is not None
    if hasattr(writer, "invoice_emailed_at"):  # QuickBooks: DeliveryInfo says it was sent
        assert {s.step: s.state for s in stored.steps} == {step: "done"}
        assert (result.done, result.unknown, result.settled_found) == (1, 0, 1)
        assert [e.kind for e in journal] == [JournalKind.RESULT, JournalKind.CONTACT]
    else:  # Xero records no time of sending: unknown, for a person to check
        assert {s.step: s.state for s in stored.steps} == {step: "unknown"}
        assert (result.done, result.unknown, result.settled_found) == (0, 1, 0)
        # The contact is journaled all the same (it may have reached the customer: it counts
        # toward the cap and the stage), with no channel known to have landed.
        assert [e.kind for e in journal] == [JournalKind.FAILURE, JournalKind.CONTACT]
        assert journal[-1].channels == ()
