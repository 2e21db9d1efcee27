"""What the push tests share: a tiny company, a policy that uses every write, a mail server,
and reading back what was written (the sandbox's write log, the SMTP server, the store)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ar_sync.collect.calendar import public_holidays
from ar_sync.connector import CUSTOMER_NOTE, INVOICE_EMAIL, INVOICE_NOTE, write_marker
from ar_sync.domain import (
    Action,
    Channel,
    JournalKind,
    Org,
    PlannedInvoice,
    Segment,
    Stage,
    Tone,
)
from ar_sync.push.mail import message_id
from ar_sync.push.outbox import Outboxed, load_action, step_key
from ar_sync.settings import load_settings
from ar_sync.store import Store
from ar_sync.store.tables import outbox_actions
from tests.conformance.support import Ledger, connect, sync_ok
from tests.mailserver import MailServer

# A few customers, so a run makes a handful of actions and stays far under the rate limits.
TINY = {"customers": 5, "invoices": 14, "seed": 11}
SENDER_DOMAIN = "kauri.example"
COUNTRY = "NZ"

# Every reminder stage writes notes, asks the ledger to email each invoice and sends ours;
# the final one also opens a letter task. The call and escalation stages come years late, so
# the tiny company's old debts stop at the final stage. Quiet days: NZ holidays only.
POLICY = f"""
[limits]
quiet_weekends = false
country = "{COUNTRY}"

[stages.friendly]
channels = ["ledger_note", "ledger_email", "email"]
[stages.reminder]
channels = ["ledger_note", "ledger_email", "email"]
[stages.firm]
channels = ["ledger_note", "ledger_email", "email"]
[stages.final]
channels = ["ledger_note", "ledger_email", "email", "letter"]
[stages.call]
days = 3000
[stages.escalation]
days = 3500
"""


def plan_day(today: date) -> date:
    """The first day from two days after ``today`` (the UTC date) that is no NZ public holiday:
    a day after every timezone's today (none runs more than 14 hours ahead of UTC: in Auckland
    the day after the UTC date begins at 11:00 UTC), so the send window never applies (a future
    --as-of), and never a quiet one."""
    holidays = public_holidays(COUNTRY, None, (today.year, today.year + 1))
    day = today + timedelta(days=2)
    while day in holidays:
        day += timedelta(days=1)
    return day


@pytest.fixture
def mail() -> Iterator[MailServer]:
    server = MailServer().start()
    yield server
    server.stop()


def prepare(cli: Callable[..., Any], ledger: Ledger, mail: MailServer, home: Path, *,
            imap: bool) -> Path:
    """Connect and sync the ledger, write config.toml for ``mail`` and the policy file; the
    policy's path."""
    connect(cli, ledger)
    sync_ok(cli)
    mail.write_config(home, imap=imap)
    policy = home / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    ledger.control.reset_calls()
    return policy


def stored_actions() -> list[Outboxed]:
    """Every outbox action of the test home, by key."""
    from sqlalchemy import select

    with Store(load_settings(None).db_url) as store, store.reading() as tx:
        keys = tx.execute(select(outbox_actions.c.key).order_by(outbox_actions.c.key)).scalars()
        found = [load_action(tx, key) for key in list(keys)]
    return [action for action in found if action is not None]


def journal_kinds(org_id: str) -> Counter[str]:
    """How many journal rows of each kind the org has."""
    from ar_sync.store.journal import load_journal

    with Store(load_settings(None).db_url) as store, store.reading() as tx:
        return Counter(entry.kind.value for entry in load_journal(tx, org_id))


def contacts_by_key(org_id: str) -> Counter[str]:
    from ar_sync.store.journal import load_journal

    with Store(load_settings(None).db_url) as store, store.reading() as tx:
        entries = load_journal(tx, org_id, kinds={JournalKind.CONTACT})
    return Counter(str(entry.key) for entry in entries)


def expected_writes(ledger: Ledger, actions: list[Outboxed]) -> Counter[tuple[str, str, str]]:
    """(kind, target, key on the wire) of each ledger write the actions make, once each."""
    wanted: Counter[tuple[str, str, str]] = Counter()
    for action in actions:
        for step in action.steps:
            kind, _, target = step.step.partition(":")
            wire = ledger.driver.wire_key(step_key(action.key, step.step))
            if kind == "invoice_note":
                wanted[(INVOICE_NOTE, target, wire)] += 1
            elif kind == "customer_note":
                wanted[(CUSTOMER_NOTE, action.customer_id, wire)] += 1
            elif kind == "ledger_email":
                wanted[(INVOICE_EMAIL, target, wire)] += 1
    return wanted


def landed_writes(ledger: Ledger) -> Counter[tuple[str, str, str]]:
    """(kind, target, key) of each write the ledger made (a replayed answer is no write)."""
    return Counter(
        (w.kind, w.target, str(w.key))
        for w in ledger.driver.written(ledger.control) if not w.replay
    )


def note_texts(ledger: Ledger) -> list[str]:
    return [str(w.text) for w in ledger.driver.written(ledger.control)
            if w.kind in (INVOICE_NOTE, CUSTOMER_NOTE) and not w.replay]


def expected_emails(actions: list[Outboxed]) -> Counter[tuple[str, str]]:
    """(To, Message-ID) of each SMTP email the actions send."""
    return Counter(
        (action.data["action"]["email"], message_id(step_key(action.key, "email"), SENDER_DOMAIN))
        for action in actions
        if any(step.step == "email" for step in action.steps)
    )


def sent_emails(mail: MailServer) -> Counter[tuple[str, str]]:
    return Counter((str(m["To"]), str(m["Message-ID"])) for m in mail.messages)


def marker_of(action: Outboxed, step: str) -> str:
    return write_marker(step_key(action.key, step))


class Rendered:
    """Fixed messages for an action stored by hand (what ``collect.templates.render`` gives)."""

    subject = "Invoices overdue"
    body = "Dear customer, please pay."
    note = "Reminder sent"
    letter: str | None = "Letter before action"
    task: str | None = None


def one_invoice_action(
    ledger: Ledger, org: Org, *, stage: Stage, tone: Tone, channels: tuple[Channel, ...],
    days_overdue: int, email: str | None = None,
) -> tuple[Action, Any]:
    """An action for the ledger's emailable open invoice alone (a customer named "Bay",
    planned for 2025-03-01, its key as the planner makes it) and that invoice."""
    state = ledger.state()
    emailable = ledger.driver.emailable_invoice(state)
    (inv,) = [i for i in ledger.driver.open_invoices(state) if i.invoice_id == emailable]
    day = date(2025, 3, 1)
    action = Action(
        org_id=org.org_id, customer_id=inv.customer_id, customer="Bay", email=email,
        segment=Segment.STANDARD, stage=stage, tone=tone, channels=channels,
        invoices=(PlannedInvoice(invoice_id=inv.invoice_id, number=inv.number,
                                 issue_date=inv.issued, due_date=inv.issued + timedelta(days=20),
                                 days_overdue=days_overdue, amount_due=inv.balance,
                                 currency=inv.currency, interest=Decimal("0.00"),
                                 fee=Decimal("0.00")),),
        total_due=inv.base_balance, base_currency="NZD", as_of=day,
        key=f"remind:{org.org_id}:{inv.customer_id}:{stage.value}:{day}",
    )
    return action, inv
