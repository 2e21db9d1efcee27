"""One sync per org at a time, over the real CLI: a second ``ar-sync sync`` of an org that a
running sync holds says it is busy (or, with ``--wait``, waits and then reads what is left),
makes no ledger call meanwhile, and a killed holder's lock is taken over by the next run.

The first sync is a real process held up by the sandbox (a ``slow`` fault on its first call);
the test sees it hold the lock by polling the lock row, never by sleeping a guessed time.
Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import text

from ar_sync.sandbox.plugin import GenerateSpec, load_sandbox
from ar_sync.store import Store
from ar_sync.store.locks import LockHolder, run_lock
from ar_sync.store.orgs import list_orgs
from tests.conformance.support import one_line_error, summary
from tests.postgres import postgres_url, store_url  # noqa: F401  (fixtures)
from tests.scheduled import start_scheduled
from tests.test_lock import lock_holder

HOST = socket.gethostname()
_T = TypeVar("_T")
XERO_SYNC = [  # the calls of an incremental Xero sync, in order
    "/api.xro/2.0/Organisation",
    "/api.xro/2.0/Contacts",
    "/api.xro/2.0/Invoices",
    "/api.xro/2.0/CreditNotes",
    "/api.xro/2.0/Overpayments",
    "/api.xro/2.0/Prepayments",
]


@pytest.fixture
def synced(
    cli: Callable[..., Any],
    xero_sandbox: Any,
    store_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[Store, str, str]]:
    """The test company connected and synced once into a database of each kind; yields the
    open store, the org id and its name. The sandbox's call log is empty."""
    monkeypatch.setenv("AR_SYNC_DB", store_url)
    assert cli("connect", "xero", "--sandbox", xero_sandbox.url).code == 0
    assert cli("sync").code == 0
    xero_sandbox.control.reset_calls()
    with Store(store_url) as store:
        with store.reading() as tx:
            (org,) = list_orgs(tx)
        yield store, org.org_id, org.name


def _start_held_up_sync(control: Any, seconds: float) -> subprocess.Popen[str]:
    """A scheduled-style ``ar-sync sync`` (the first sync) that the sandbox holds up for
    ``seconds`` on its first call."""
    control.fault(kind="slow", path="Organisation", seconds=seconds)  # the first call of a sync
    return start_scheduled("sync")


def _wait_for(
    process: subprocess.Popen[str], found: Callable[[], _T | None], *, doing: str, done: str
) -> _T:
    """Poll ``found`` until it gives something, while ``process`` (the first sync) runs."""
    for _ in range(1200):
        value = found()
        if value is not None:
            return value
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the first sync ended before {doing}: {out} {err}")
        threading.Event().wait(0.05)
    pytest.fail(f"the first sync never {done}")


def _held_by(store: Store, org_id: str, process: subprocess.Popen[str]) -> LockHolder:
    """Wait (polling the lock row) until ``process`` holds the org's lock."""

    def holder() -> LockHolder | None:
        found = lock_holder(store, org_id)
        return found if found is not None and found.pid == process.pid else None

    return _wait_for(process, holder, doing="taking the lock", done="took the lock")


def _running_run_recorded(store: Store, process: subprocess.Popen[str]) -> None:
    """Wait (polling the run table) until ``process``'s sync has recorded its run as running."""
    query = text("SELECT count(*) FROM sync_runs WHERE status = 'running'")

    def recorded() -> bool | None:
        with store.engine.connect() as conn:
            return True if conn.execute(query).scalar_one() == 1 else None

    _wait_for(process, recorded, doing="recording its run", done="recorded its run")


def _finish(process: subprocess.Popen[str]) -> tuple[str, str]:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, (out, err)
    return out, err


def _paths(control: Any) -> list[str]:
    return [entry["path"] for entry in control.calls()["log"]]


def test_a_second_sync_says_the_org_is_busy_and_calls_nothing(cli, xero_sandbox, synced):
    store, org_id, name = synced
    control = xero_sandbox.control
    first = _start_held_up_sync(control, seconds=5)
    try:
        holder = _held_by(store, org_id, first)
        second = cli("sync")
        assert first.poll() is None  # the first was still running when the second gave up
    finally:
        out, _err = _finish(first)
    since = holder.acquired_at.strftime("%Y-%m-%d %H:%M:%S")
    assert one_line_error(second) == (
        f"error: {name} ({org_id}) is busy: another run (host {HOST}, pid {first.pid}) has "
        f"been syncing it since {since} UTC; try again when it ends, or wait for it with "
        "`ar-sync sync --wait SECONDS`"
    )
    # Every call the sandbox saw was the first sync's: the second made none.
    assert _paths(control) == XERO_SYNC
    assert summary(out).calls == len(XERO_SYNC)
    assert lock_holder(store, org_id) is None


def test_with_wait_the_second_sync_runs_after_the_first_and_reads_only_what_changed(
    cli, xero_sandbox, synced
):
    store, org_id, _name = synced
    control = xero_sandbox.control
    first = _start_held_up_sync(control, seconds=3)
    try:
        _held_by(store, org_id, first)
        second = cli("sync", "--wait", "120")
    finally:
        out, _err = _finish(first)
    assert second.code == 0, second.err
    # The second sync's calls all come after the first's (it waited for the lock), and it
    # read nothing the first had not: the same incremental calls, no document written.
    assert _paths(control) == XERO_SYNC + XERO_SYNC
    done = summary(second.out)
    assert (done.calls, done.invoices, done.credits, done.customers) == (len(XERO_SYNC), 0, 0, 0)
    assert summary(out).calls == len(XERO_SYNC)
    assert lock_holder(store, org_id) is None


def test_a_killed_holder_s_lock_is_taken_over_by_the_next_sync(cli, xero_sandbox, synced):
    store, org_id, _name = synced
    control = xero_sandbox.control
    first = _start_held_up_sync(control, seconds=20)
    try:
        _held_by(store, org_id, first)
        _running_run_recorded(store, first)  # killed before that, no run would be interrupted
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)  # reaped: its pid is gone
    assert lock_holder(store, org_id).pid == first.pid  # type: ignore[union-attr]
    control.reset_calls()

    after = cli("sync")
    assert after.code == 0, after.err
    assert lock_holder(store, org_id) is None
    assert _paths(control) == XERO_SYNC
    with store.engine.connect() as conn:
        statuses = conn.execute(text("SELECT status FROM sync_runs ORDER BY id")).scalars().all()
    assert statuses == ["ok", "interrupted", "ok"]


def test_with_several_orgs_a_busy_one_is_reported_and_the_others_go_on(
    cli, xero_sandbox, ar_home, today
):
    other = load_sandbox("xero").start(
        generate=GenerateSpec(today=today, customers=5, invoices=20, seed=3)
    )
    try:
        assert cli("connect", "xero", "--sandbox", xero_sandbox.url).code == 0
        assert cli("connect", "xero", "--sandbox", other.url).code == 0
        with Store(f"sqlite:///{ar_home / 'ar-sync.sqlite'}") as store:
            with store.reading() as tx:
                busy, free = sorted(list_orgs(tx), key=lambda org: org.api_url != xero_sandbox.url)
            xero_sandbox.control.reset_calls()
            with run_lock(store, busy.org_id, now=lambda: datetime.now(UTC)):
                result = cli("sync")
        assert result.code == 2
        assert f"{busy.name} ({busy.org_id}) is busy: another run (host {HOST}, pid " \
               f"{os.getpid()})" in " ".join(result.err.split())
        assert result.err.strip().splitlines()[-1] == (
            "error: 1 of 2 orgs failed to sync (see above)"
        )
        assert summary(result.out).name == free.name  # the free org was synced
        assert xero_sandbox.control.calls()["total"] == 0  # the busy one was not called
    finally:
        other.stop()


def test_a_sync_in_another_process_sees_the_same_lock(tmp_path: Path) -> None:
    """The lock row is shared through the database, not the process: a SQLite file opened by
    two stores (as two processes would) agrees on the holder."""
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    with Store(url) as one, Store(url) as two:
        with run_lock(one, "xero:x", now=lambda: datetime.now(UTC)) as me:
            assert lock_holder(two, "xero:x") == me
        assert lock_holder(two, "xero:x") is None
