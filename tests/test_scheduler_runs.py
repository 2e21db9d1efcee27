"""Scheduled runs against the Xero sandbox (the test company, connected through the CLI): a
busy org is recorded ``skipped`` and not run twice, a failing job is recorded ``failed`` and
the scheduler goes on to run it again at its next time; manual syncs are runs too; the
``schedule`` and ``runs`` commands. Time is a simulated clock: nothing sleeps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from ar_sync.scheduler import Fired, Runtime, Scheduler
from ar_sync.settings import load_settings
from ar_sync.store import Store
from ar_sync.store.locks import run_lock
from ar_sync.store.runs_log import JobKind, Outcome
from tests.xero.company import ORG_ID

ORG = f"xero:{ORG_ID}"
NAME = "Kauri Test Traders"
T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # the test company's zone is UTC


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def scheduled(cli: Callable[..., Any], connected: Any) -> Iterator[tuple[Scheduler, Clock, Store]]:
    """The test company synced hourly, reminders and statements off; a scheduler on it."""
    result = cli("schedule", "set", ORG, "--sync", "0 * * * *", "--remind", "off",
                 "--statements", "off")
    assert result.code == 0, result.err
    assert result.out == f"{NAME}: sync 0 * * * *; remind off; statements off (Etc/UTC)\n"
    clock = Clock(T0)
    with Store(load_settings(None).db_url) as store:
        scheduler = Scheduler(Runtime(store=store, settings=load_settings(None), now=clock,
                                      paced=False))
        scheduler.refresh(T0)
        try:
            yield scheduler, clock, store
        finally:
            scheduler.close()


def _step(scheduler: Scheduler, clock: Clock) -> list[Fired]:
    due = scheduler.next_run_time()
    assert due is not None
    clock.at = due
    return scheduler.run_due(due)


def test_a_busy_org_is_skipped_then_runs_at_its_next_time(
    cli: Callable[..., Any], scheduled: tuple[Scheduler, Clock, Store]
) -> None:
    scheduler, clock, store = scheduled
    with run_lock(store, ORG, now=clock):  # a manual run holds the org
        busy = _step(scheduler, clock)
    assert busy == [Fired(JobKind.SYNC, ORG, T0, Outcome.SKIPPED)]
    later = _step(scheduler, clock)
    assert later == [Fired(JobKind.SYNC, ORG, datetime(2026, 3, 2, 1, tzinfo=UTC), Outcome.OK)]
    runs = cli("runs", "--format", "json").json()["runs"]
    assert [(r["scheduled_for"], r["outcome"], r["counts"]["documents"] > 0) for r in runs] == [
        ("2026-03-02T01:00:00Z", "ok", True),
        ("2026-03-02T00:00:00Z", "skipped", False),
    ]
    assert runs[1]["error"].startswith(f"{NAME} ({ORG}) is busy: another run (host ")


def test_a_failing_job_is_recorded_and_runs_again_at_its_next_time(
    cli: Callable[..., Any], connected: Any, scheduled: tuple[Scheduler, Clock, Store]
) -> None:
    scheduler, clock, _ = scheduled
    connected.control.fault(kind="revoke")
    assert _step(scheduler, clock) == [Fired(JobKind.SYNC, ORG, T0, Outcome.FAILED)]
    assert scheduler.next_run_time() == datetime(2026, 3, 2, 1, tzinfo=UTC)
    failed = cli("runs", "--format", "json").json()["runs"]
    assert [(r["outcome"], r["counts"]["errors"]) for r in failed] == [("failed", 1)]
    assert failed[0]["error"] and "\n" not in failed[0]["error"]
    result = cli("runs", "--format", "csv")
    header, row = result.out.splitlines()
    assert header == ("id,org_id,org_name,kind,trigger,scheduled_for,started_at,"
                      "duration_seconds,outcome,documents,actions,statements,calls,errors,error")
    assert row.startswith(f"1,{ORG},{NAME},sync,scheduled,2026-03-02T00:00:00Z,"
                          "2026-03-02T00:00:00Z,0,failed,0,0,0,")


def test_manual_syncs_are_listed_and_schedules_removed(
    cli: Callable[..., Any], connected: Any
) -> None:
    assert cli("sync").code == 0
    (run,) = cli("runs", "--format", "json").json()["runs"]
    assert (run["kind"], run["trigger"], run["outcome"], run["scheduled_for"]) == (
        "sync", "manual", "ok", None)
    assert run["counts"]["documents"] > 0 and run["counts"]["calls"] > 0
    assert cli("schedule", "set", ORG).out == (
        f"{NAME}: sync 0 */4 * * *; remind 30 9 * * mon-fri; statements first-business-day "
        "(Etc/UTC)\n"
    )
    listed = cli("schedule", "list")
    assert listed.code == 0
    lines = [line.rstrip() for line in listed.out.splitlines()]
    assert lines[0] == f"{NAME} (Etc/UTC)"  # one table per org, titled with its timezone
    rows = {line.split()[0]: line for line in lines[3:6]}
    assert sorted(rows) == ["remind", "statements", "sync"]
    # The next sync is on a 4-hour boundary of the org's day, the reminder at 09:30 on a
    # weekday, the statements at 08:00 (the org's time and the user's are both UTC here).
    sync_at = datetime.strptime(" ".join(rows["sync"].split()[6:8]), "%Y-%m-%d %H:%M")
    remind_at = datetime.strptime(" ".join(rows["remind"].split()[6:8]), "%Y-%m-%d %H:%M")
    statements_at = datetime.strptime(" ".join(rows["statements"].split()[2:4]),
                                      "%Y-%m-%d %H:%M")
    assert (sync_at.hour % 4, sync_at.minute) == (0, 0)
    assert (remind_at.hour, remind_at.minute, remind_at.weekday() < 5) == (9, 30, True)
    assert (statements_at.hour, statements_at.minute, statements_at.weekday() < 5) == (8, 0, True)
    assert statements_at.day <= 7
    assert cli("schedule", "remove", ORG).out == f"{NAME}: timetable removed\n"
    again = cli("schedule", "remove", ORG)
    assert (again.code, again.err.strip()) == (2, f"error: {NAME} has no timetable")
