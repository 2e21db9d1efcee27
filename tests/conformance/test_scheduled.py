"""The scheduler on every ledger: three simulated days of one org's timetable (a daily sync,
weekday reminders, a weekly statements run) stepped by ``Scheduler.run_due`` with a simulated
clock, against the ledger's sandbox (the real SDK over loopback HTTP, rate limits lifted).
Every job fires at its local time and ends ``ok``; the statements run attaches one statement
to each customer it covers, exactly once, every customer owing something among them; the
reminders of the statement's day contact nobody (a statement counts toward the contact cap);
the reminder runs' contacts are journaled; ``ar-sync runs`` lists every run.
(``tests/test_scheduler_month.py`` runs a month in three zones on Xero; this is the same
machinery on each connector.)

The simulated days lie two to four weeks before the real date: the sandboxes keep real time,
and QuickBooks' change data capture reaches back only 30 days (the notes, CDC), so a
simulation in another month would meet CDC's refusal, as a real org would.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest

from ar_sync.connector import CUSTOMER_ATTACHMENT
from ar_sync.store.runs_log import JobKind, Outcome
from tests.conformance.push_helpers import TINY, journal_kinds, landed_writes
from tests.conformance.support import connect
from tests.simulated_days import NOTES_ONLY_POLICY, run_days

pytestmark = pytest.mark.slow

COUNTRIES = ("NZ", "AU", "GB", "US")  # where the generated companies are
SYNC, REMIND, STATEMENTS = "0 6 * * *", "30 9 * * mon-fri", "0 8 * * tue"


def simulated_monday() -> date:
    """A Monday 14 to 27 days before today (UTC) with no public holiday from the Sunday to the
    Thursday in any of ``COUNTRIES`` (local days run up to 13 hours either side of UTC)."""
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=14 + today.weekday())
    for _ in range(2):
        days = [monday + timedelta(days=n) for n in range(-1, 4)]
        if not any(day in holidays.country_holidays(c, years=day.year)
                   for c in COUNTRIES for day in days):
            return monday
        monday -= timedelta(days=7)
    pytest.skip("both weeks tried hold a public holiday", allow_module_level=True)


START = datetime.combine(simulated_monday(), time(), UTC)  # Monday 00:00 UTC
END = START + timedelta(days=3)  # Thursday 00:00 UTC


@pytest.fixture
def today() -> date:
    """The generated company is dated from the simulated days, not from the wall clock."""
    return START.date()


def expected_fires(zone: str) -> list[tuple[JobKind, datetime]]:
    """``SYNC``, ``REMIND`` and ``STATEMENTS`` in ``zone`` within [START, END)."""
    tz = ZoneInfo(zone)
    found = []
    for offset in range(-1, 5):
        day = START.date() + timedelta(days=offset)
        found.append((JobKind.SYNC, datetime.combine(day, time(6, 0), tz)))
        if day.weekday() < 5:
            found.append((JobKind.REMIND, datetime.combine(day, time(9, 30), tz)))
        if day.weekday() == 1:
            found.append((JobKind.STATEMENTS, datetime.combine(day, time(8, 0), tz)))
    return sorted((kind, at) for kind, at in found if START <= at < END)


def test_scheduled_days_sync_remind_and_attach_statements_once(
    cli, start_ledger, ar_home: Path
) -> None:
    ledger = start_ledger(**TINY, relaxed_limits=True)  # days of jobs in seconds
    connect(cli, ledger)
    (org,) = cli("orgs", "--format", "json").json()
    policy = ar_home / "notes-policy.toml"
    policy.write_text(NOTES_ONLY_POLICY, encoding="utf-8")
    result = cli("schedule", "set", org["org_id"], "--sync", SYNC, "--remind", REMIND,
                 "--statements", STATEMENTS, "--policy", str(policy))
    assert result.code == 0, result.err

    fired = run_days(START, END, workers=1)

    state = ledger.control.state()
    zone = ledger.driver.timezone(state)
    assert sorted((f.kind, f.scheduled_for) for f in fired) == expected_fires(zone)
    assert [f.outcome for f in fired] == [Outcome.OK] * len(fired)

    runs = cli("runs", "--format", "json").json()["runs"]
    assert sorted((r["kind"], r["scheduled_for"]) for r in runs) == sorted(
        (f.kind.value, f.scheduled_for.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z")
        for f in fired
    )
    assert {(r["trigger"], r["outcome"]) for r in runs} == {("scheduled", "ok")}

    # Statements: one attachment per customer covered, none twice; everyone owing is covered.
    attached = Counter(target for kind, target, _ in landed_writes(ledger)
                       if kind == CUSTOMER_ATTACHMENT)
    (statements_run,) = [r for r in runs if r["kind"] == "statements"]
    assert statements_run["counts"]["statements"] == len(attached) == sum(attached.values())
    owing = {i.customer_id for i in ledger.driver.open_invoices(state)}
    assert owing and owing <= set(attached)
    assert journal_kinds(org["org_id"])["statement"] == len(attached)

    # Reminders: on the statement's day, after it, nobody is contacted (the statement counts
    # toward the contact cap); on some other day someone is; the runs count what the journal holds.
    local = ZoneInfo(zone)
    statement_day = next(f.scheduled_for.astimezone(local).date() for f in fired
                         if f.kind is JobKind.STATEMENTS)
    reminded = {datetime.fromisoformat(r["scheduled_for"]).astimezone(local).date():
                r["counts"]["actions"] for r in runs if r["kind"] == "remind"}
    assert reminded[statement_day] == 0
    assert sum(reminded.values()) == journal_kinds(org["org_id"])["contact"] > 0
