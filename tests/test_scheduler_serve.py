"""``serve`` told to stop while a job runs (what SIGINT/SIGTERM do: ``ar-sync serve`` sets the
same event from its signal handlers) lets that job finish before it returns: the run is
recorded ``ok`` with its documents, never ``interrupted``. The org's sync is slowed by the
sandbox so it is still running when the stop comes; time before it is a simulated clock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ar_sync.scheduler import Runtime, serve
from ar_sync.settings import load_settings
from ar_sync.store import Store
from ar_sync.store.runs_log import list_runs
from tests.xero.company import ORG_ID

ORG = f"xero:{ORG_ID}"
T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


def test_a_stop_lets_the_running_job_finish(cli: Callable[..., Any], connected: Any) -> None:
    assert cli("schedule", "set", ORG, "--sync", "0 * * * *", "--remind", "off",
               "--statements", "off").code == 0
    # The sync's first call waits 3 s in the sandbox: the stop arrives while it runs.
    connected.control.fault(kind="slow", path="Organisation", count=1, seconds=3)

    def clock() -> datetime:
        return T0  # the hourly sync is due at 00:00; the next (01:00) never comes

    stop, saw_running = threading.Event(), threading.Event()
    said: list[str] = []
    with Store(load_settings(None).db_url) as store:

        def stop_once_running() -> None:
            deadline = time.monotonic() + 60  # generous: a bound, not a measurement
            try:
                while time.monotonic() < deadline:
                    with store.reading() as tx:
                        if any(r.outcome == "running" for r in list_runs(tx, org_ids=[ORG])):
                            saw_running.set()
                            return
                    time.sleep(0.05)
            finally:
                stop.set()  # serve always gets its stop, so the test can only fail, not hang

        watcher = threading.Thread(target=stop_once_running)
        watcher.start()
        runtime = Runtime(store=store, settings=load_settings(None), now=clock, paced=False)
        serve(runtime, stop, poll=0.05, workers=1, echo=said.append)
        watcher.join()
        assert saw_running.is_set()  # it was told to stop while the job ran
        with store.reading() as tx:
            runs = list_runs(tx, org_ids=[ORG])
    (run,) = runs
    assert (run.kind, run.trigger, run.outcome, run.scheduled_for) == (
        "sync", "scheduled", "ok", T0)
    assert run.finished_at is not None and run.counts["documents"] > 0
    assert said == []  # nothing to report: no run left behind by an earlier process
