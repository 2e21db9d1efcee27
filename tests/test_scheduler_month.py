"""A simulated month of the scheduler for three orgs in three timezones, against a real Xero
sandbox serving them (the real SDK over loopback HTTP, its rate limits lifted), stepped by
``Scheduler.run_due`` with a simulated clock: no sleeping.

2026-03-01 to 2026-04-08 (UTC) crosses the US DST start (03-08), the UK one (03-29) and the NZ
DST end (04-05). Each org: a sync every day at 06:00 local, the default reminders (weekdays
09:30 local, notes only) and statements (08:00 local on the month's first business day).
Checked: every run's exact fire time in UTC and local time, each outcome, one statement per
customer with a balance each month attached exactly once to the sandbox ledger, and
``ar-sync runs`` listing every run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ar_sync.store.runs_log import JobKind, Outcome
from tests.conftest import SandboxControl
from tests.simulated_days import NOTES_ONLY_POLICY, run_days

pytestmark = pytest.mark.slow

START = datetime(2026, 3, 1, tzinfo=UTC)
END = datetime(2026, 4, 8, tzinfo=UTC)
ZONES = {  # org name -> (IANA zone, Xero Timezone value, country)
    "Kauri NZ": ("Pacific/Auckland", "NEWZEALANDSTANDARDTIME", "NZ"),
    "Thames UK": ("Europe/London", "GMTSTANDARDTIME", "GB"),
    "Hudson US": ("America/New_York", "EASTERNSTANDARDTIME", "US"),
}
@pytest.fixture
def three_orgs(cli: Callable[..., Any]) -> Iterator[Any]:
    """One Xero sandbox serving three generated companies, one per zone, connected."""
    from ar_sync_xero.sandbox.generate import generate_company
    from ar_sync_xero.sandbox.limits import SandboxLimits
    from ar_sync_xero.sandbox.server import XeroSandbox

    companies = []
    for seed, (name, (_, xero_zone, country)) in enumerate(ZONES.items(), start=11):
        company = generate_company(customers=6, invoices=18, seed=seed, today=date(2026, 3, 1))
        organisation = replace(company.organisation, Name=name, Timezone=xero_zone,
                               CountryCode=country)
        companies.append(replace(company, organisation=organisation))
    relaxed = load_relaxed(SandboxLimits)
    sandbox = XeroSandbox(companies, port=0, limits=relaxed).start()
    try:
        result = cli("connect", "xero", "--sandbox", sandbox.url)
        assert result.code == 0, result.err
        yield sandbox
    finally:
        sandbox.stop()


def load_relaxed(limits_class: Any) -> Any:
    """The Xero sandbox's limits with its rate limits lifted (as the plugin's ``relaxed``)."""
    from ar_sync.sandbox.plugin import load_sandbox

    relaxed = load_sandbox("xero").relaxed
    assert isinstance(relaxed, limits_class)
    return relaxed


def _expected(zone: str) -> list[tuple[JobKind, datetime]]:
    """Every fire time the timetable must give in [START, END), computed from the calendar:
    06:00 local daily, 09:30 local Monday to Friday, 08:00 local on 2 March and 1 April (the
    first business days: 1 March is a Sunday; no public holiday falls on either)."""
    tz = ZoneInfo(zone)
    found = []
    day = date(2026, 2, 28)
    while day <= date(2026, 4, 8):
        found.append((JobKind.SYNC, datetime.combine(day, time(6, 0), tz)))
        if day.weekday() < 5:
            found.append((JobKind.REMIND, datetime.combine(day, time(9, 30), tz)))
        if day in (date(2026, 3, 2), date(2026, 4, 1)):
            found.append((JobKind.STATEMENTS, datetime.combine(day, time(8, 0), tz)))
        day += timedelta(days=1)
    return sorted((kind, at) for kind, at in found if START <= at < END)


def test_a_simulated_month_fires_every_job_at_its_local_time(
    cli: Callable[..., Any], three_orgs: Any, ar_home: Path
) -> None:
    policy = ar_home / "policy.toml"
    policy.write_text(NOTES_ONLY_POLICY, encoding="utf-8")
    orgs = {row["name"]: row for row in cli("orgs", "--format", "json").json()}
    assert sorted(orgs) == sorted(ZONES)
    for name in ZONES:
        result = cli("schedule", "set", orgs[name]["org_id"], "--sync", "0 6 * * *",
                     "--policy", str(policy))
        assert result.code == 0, result.err

    fired = run_days(START, END, workers=3)

    by_org = {name: orgs[name]["org_id"] for name in ZONES}
    for name, (zone, _, _) in ZONES.items():
        got = sorted((f.kind, f.scheduled_for) for f in fired if f.org_id == by_org[name])
        assert got == _expected(zone), name
    assert Counter(f.outcome for f in fired) == {Outcome.OK: len(fired)}

    # Exact instants on both sides of each change, UTC and local.
    def at(name: str, kind: JobKind, local_day: date) -> tuple[str, str]:
        zone = ZoneInfo(ZONES[name][0])
        (moment,) = [f.scheduled_for for f in fired if f.org_id == by_org[name]
                     and f.kind is kind and f.scheduled_for.astimezone(zone).date() == local_day]
        return (moment.astimezone(UTC).strftime("%m-%d %H:%M"),
                moment.astimezone(zone).strftime("%H:%M %Z"))

    assert at("Hudson US", JobKind.REMIND, date(2026, 3, 6)) == ("03-06 14:30", "09:30 EST")
    assert at("Hudson US", JobKind.REMIND, date(2026, 3, 9)) == ("03-09 13:30", "09:30 EDT")
    assert at("Thames UK", JobKind.SYNC, date(2026, 3, 29)) == ("03-29 05:00", "06:00 BST")
    assert at("Thames UK", JobKind.SYNC, date(2026, 3, 28)) == ("03-28 06:00", "06:00 GMT")
    assert at("Kauri NZ", JobKind.SYNC, date(2026, 4, 5)) == ("04-04 18:00", "06:00 NZST")
    assert at("Kauri NZ", JobKind.STATEMENTS, date(2026, 4, 1)) == ("03-31 19:00", "08:00 NZDT")
    assert at("Thames UK", JobKind.STATEMENTS, date(2026, 4, 1)) == ("04-01 07:00", "08:00 BST")
    assert at("Hudson US", JobKind.STATEMENTS, date(2026, 3, 2)) == ("03-02 13:00", "08:00 EST")

    # One statement per customer with a balance, each month, attached once to the ledger.
    control = SandboxControl(three_orgs.url)
    runs = cli("runs", "--limit", "100000", "--format", "json").json()["runs"]
    for name in ZONES:
        tenant = orgs[name]["org_id"].split(":", 1)[1]
        state = control.request("GET", f"state?tenant={tenant}")
        owing = {i["Contact"]["ContactID"] for i in state["Invoices"]
                 if i["Type"] == "ACCREC" and i["Status"] == "AUTHORISED"
                 and float(i["AmountDue"]) > 0}
        writes = control.request("GET", f"writes?tenant={tenant}")["writes"]
        attached = Counter(w["target_id"] for w in writes if w["kind"] == "contact_attachment")
        assert attached == dict.fromkeys(owing, 2), name  # March and April, once each
        statements = [r for r in runs if r["org_id"] == by_org[name]
                      and r["kind"] == "statements"]
        assert [r["counts"]["statements"] for r in statements] == [len(owing)] * 2

    # `ar-sync runs` lists every run, each scheduled at its fire time.
    listed = sorted((r["org_id"], r["kind"], r["scheduled_for"]) for r in runs)
    assert listed == sorted(
        (f.org_id, f.kind.value,
         f.scheduled_for.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z")
        for f in fired
    )
    assert {(r["trigger"], r["outcome"]) for r in runs} == {("scheduled", "ok")}
