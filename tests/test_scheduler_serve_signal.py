"""``ar-sync serve`` as a real process told to stop by a real SIGTERM or SIGINT while a job
runs: the job finishes (its run recorded ``ok`` with its counts, never ``interrupted``), the
process exits 0, and nothing is printed as a traceback.

The job is due at once: the org's sync is timed for the start of the current minute, and the
job store is brought up to date at that minute before ``serve`` starts (as if ``serve`` had been
down when it came due; well inside the misfire grace, so it runs on start). The sandbox stalls
the sync's first call (a ``slow`` fault); the test sends the signal once the sandbox reports
that call stalled, found by polling its fault counters with a generous bound, never by sleeping
a guessed time.
"""

from __future__ import annotations

import signal
import subprocess
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from ar_sync.scheduler import Runtime, Scheduler
from ar_sync.settings import load_settings
from ar_sync.store import Store, tables
from ar_sync.store.runs_log import list_runs
from tests.scheduled import start_scheduled
from tests.xero.company import ORG_ID

ORG = f"xero:{ORG_ID}"
NAME = "Kauri Test Traders"  # the test company's zone is UTC
STALL_SECONDS = 5  # the sandbox holds the sync's first call this long


def _stalled(control: Any) -> bool:
    """True once the sandbox is holding the sync's first call (the slow fault has fired)."""
    (fault,) = control.request("GET", "faults")["faults"]
    return fault["fired"] == 1


def _wait_until(found: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    """Poll ``found`` (at most about 120 s: a bound, not a measurement) while ``process``
    runs."""
    for _ in range(2400):
        if found():
            return
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"serve ended before its job reached the sandbox: {out} {err}")
        threading.Event().wait(0.05)
    pytest.fail("serve's job never reached the sandbox")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_stopped_by_a_signal_finishes_the_running_job_and_exits_0(
    cli: Callable[..., Any], connected: Any, signum: signal.Signals
) -> None:
    due = datetime.now(UTC).replace(second=0, microsecond=0)
    assert cli("schedule", "set", ORG, "--sync", f"{due.minute} {due.hour} * * *",
               "--remind", "off", "--statements", "off").code == 0
    settings = load_settings(None)
    with Store(settings.db_url) as store:
        scheduler = Scheduler(Runtime(store=store, settings=settings, now=lambda: due))
        scheduler.refresh(due)  # the job store at `due`: the daily sync is due now
        scheduler.close()
        assert scheduler.next_run_time() == due
        display_url = store.display_url
    connected.control.reset_calls()
    connected.control.fault(kind="slow", path="Organisation", count=1, seconds=STALL_SECONDS)

    process = start_scheduled("serve", "--workers", "1")
    try:
        _wait_until(lambda: _stalled(connected.control), process)
        with Store(settings.db_url) as store, store.reading() as tx:
            (running,) = list_runs(tx, org_ids=[ORG])
        assert (running.kind, running.outcome) == ("sync", "running")
        signalled_at = datetime.now(UTC)
        process.send_signal(signum)
        out, err = process.communicate(timeout=120)  # generous: a bound, not a measurement
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    assert (process.returncode, err) == (0, ""), err
    assert "Traceback" not in out
    assert out.splitlines() == [
        f"ar-sync serve: keeping the timetables in {display_url}; Ctrl-C to stop",
        "stopped: every running job finished",
    ]
    with Store(settings.db_url) as store, store.reading() as tx:
        (run,) = list_runs(tx, org_ids=[ORG])
        stored = sum(  # the first sync wrote every row the store holds for the org
            tx.execute(select(func.count()).select_from(table)
                       .where(table.c.org_id == ORG)).scalar_one()
            for table in (tables.customers, tables.invoices, tables.credits, tables.allocations)
        )
    calls = connected.control.calls()["log"]
    assert (run.id, run.kind, run.trigger, run.outcome, run.scheduled_for, run.error) == (
        running.id, "sync", "scheduled", "ok", due, None)
    assert run.finished_at is not None and run.finished_at > signalled_at  # ran on past it
    assert run.counts == {"documents": stored, "actions": 0, "statements": 0,
                          "calls": len(calls), "errors": 0}
    assert stored > 0
    assert calls[0]["path"] == "/api.xro/2.0/Organisation"
