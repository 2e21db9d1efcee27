"""The done-when run: 90 simulated days of the default policy on a generated company of 500
customers, on every ledger, through ``ar_sync.collect.rehearse`` (the real sync, planner,
outbox and writers against the ledger's sandbox, emails over SMTP to a loopback catcher).

Checked on what the run left (the sandbox's write log, the caught emails, the scratch store):

- nothing twice: every outbox action journaled as one contact, every note marker once in the
  write log, every email (by Message-ID) once at the catcher;
- no customer over the cap (5) in any rolling 30 days, nor twice on a day;
- no contact on a quiet day: a weekend or a public holiday of the org's country (from its
  timezone: ``ar_sync.collect.calendar``);
- every contact journaled is in the ledger: a note carrying its step's marker on each invoice
  it listed and on the customer, and its email at the catcher.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from ar_sync.clock import utc_now
from ar_sync.collect.calendar import country_of_timezone, public_holidays
from ar_sync.collect.policy import Policy
from ar_sync.collect.rehearse import Rehearsal, Scratch, rehearse
from ar_sync.connector import CUSTOMER_NOTE, INVOICE_NOTE, write_marker
from ar_sync.domain import CONTACT_KINDS, Channel, JournalKind
from ar_sync.push.outbox import step_key
from ar_sync.settings import load_settings
from ar_sync.store import Store
from ar_sync.store.journal import load_journal
from ar_sync.store.tables import outbox_actions
from tests.conformance.support import Control, Ledger, connect, sync_ok

pytestmark = pytest.mark.slow

DAYS = 90
CAP = Policy().limits.cap_per_30_days
MARKER_START = "[ar-sync "


def _markers(text: str | None) -> list[str]:
    """Every ``[ar-sync xxxxxxxx]`` marker in a note's text."""
    found, rest = [], text or ""
    while (at := rest.find(MARKER_START)) >= 0:
        end = rest.index("]", at)
        found.append(rest[at:end + 1])
        rest = rest[end + 1:]
    return found


def _quiet_days(timezone: str, first: date, last: date) -> set[date]:
    country = country_of_timezone(timezone)
    holidays = (
        public_holidays(country, None, range(first.year, last.year + 1)) if country else set()
    )
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return {d for d in days if d.weekday() >= 5 or d in holidays}


def _check(scratch: Scratch, ledger: Ledger, seen: dict[str, Any]) -> None:
    """Everything the module docstring promises, on the run still up."""
    org = scratch.org
    with scratch.store.reading() as tx:
        journal = load_journal(tx, org.org_id)
        outbox = {row.key: row.status for row in tx.execute(select(outbox_actions))}
    contacts = [e for e in journal if e.kind == JournalKind.CONTACT]
    seen["contacts"] = len(contacts)
    seen["stages"] = Counter(str(e.stage) for e in contacts)

    # Nothing twice: one contact per action, every action done and journaled.
    keys = Counter(e.key for e in contacts)
    assert [k for k, n in keys.items() if n > 1] == []
    assert set(keys) == {k for k, status in outbox.items() if status == "done"}
    assert set(outbox.values()) <= {"done"}, Counter(outbox.values())

    # The cap and one contact a day, per customer, over every rolling 30 days.
    days_of: dict[str, list[date]] = defaultdict(list)
    for entry in journal:
        if entry.kind in CONTACT_KINDS:
            days_of[entry.customer_id].append(entry.day)
    for customer, days in days_of.items():
        assert len(set(days)) == len(days), (customer, sorted(days))
        for day in days:
            window = [d for d in days if day - timedelta(days=30) < d <= day]
            assert len(window) <= CAP, (customer, day, sorted(days))

    # No contact on a quiet day.
    first, last = min(e.day for e in contacts), max(e.day for e in contacts)
    quiet = _quiet_days(org.timezone, first, last)
    assert sorted({e.day for e in contacts} & quiet) == []

    # Every note once in the ledger's write log; every contact's notes there.
    written = ledger.driver.written(Control(scratch.sandbox_url))
    notes = [w for w in written if w.kind in (INVOICE_NOTE, CUSTOMER_NOTE) and not w.replay]
    landed = Counter((w.target, m) for w in notes for m in _markers(w.text))
    assert [pair for pair, n in landed.items() if n > 1] == []
    assert len(landed) == len(notes)  # each note carries exactly one marker
    wanted = set()
    for entry in contacts:
        if Channel.LEDGER_NOTE in entry.channels:
            assert entry.key is not None
            wanted.add((entry.customer_id, write_marker(step_key(entry.key, "customer_note"))))
            for invoice in entry.invoices:
                step = f"invoice_note:{invoice.invoice_id}"
                wanted.add((invoice.invoice_id, write_marker(step_key(entry.key, step))))
    assert wanted - set(landed) == set()
    assert set(landed) == wanted  # and nothing else was written

    # Every email once at the catcher, one per contact that emailed.
    ids = Counter(str(message["Message-ID"]) for message in scratch.catcher.messages)
    assert [m for m, n in ids.items() if n > 1] == []
    assert len(ids) == sum(Channel.EMAIL in e.channels for e in contacts)
    seen["emails"] = len(ids)
    seen["notes"] = len(notes)


def test_ninety_days_on_a_generated_company(
    cli: Callable[..., Any], start_ledger: Callable[..., Ledger]
) -> None:
    ledger = start_ledger(customers=500, invoices=700, seed=12)
    connect(cli, ledger)
    sync_ok(cli)
    settings = load_settings(None)
    store = Store(settings.db_url)
    seen: dict[str, Any] = {}
    try:
        result: Rehearsal = rehearse(
            store, settings, ledger.org_id, Policy(), days=DAYS, seed=5, now=utc_now,
            on_end=lambda scratch: _check(scratch, ledger, seen),
        )
    finally:
        store.close()
    assert len(result.days) == DAYS
    assert seen["contacts"] == result.contacts
    # The run did chase, up the whole default ladder, and money came in.
    assert {"friendly", "reminder", "firm", "final", "call", "escalation"} <= set(seen["stages"])
    assert result.paid_invoices > 0 and result.emails == seen["emails"]
    # The user's own ledger got nothing.
    assert ledger.driver.written(ledger.control) == []
