"""Stream state, transactions (what makes a killed sync lose nothing) and sync runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from ar_sync.store import Store
from ar_sync.store.records import count_rows, load_customers, upsert_records
from ar_sync.store.runs import (
    RunStatus,
    SyncRun,
    clear_stream_states,
    finish_sync_run,
    get_stream_state,
    get_stream_states,
    last_sync_run,
    mark_running_runs_interrupted,
    set_stream_state,
    start_sync_run,
)
from tests.store.records import ORG, T0, customer, invoice

ROOT = Path(__file__).resolve().parents[2]


def test_stream_state_round_trip(org_store: Store) -> None:
    with org_store.reading() as tx:
        assert get_stream_state(tx, ORG, "invoices") is None
    state = {
        "modified_since": "2025-03-01T09:30:00+00:00",
        "page": 3,
        "done": False,
        "ids": ["a", "b"],
        "nested": {"x": None, "ratio": 0.5, "name": "Māori Ltd"},
    }
    with org_store.transaction() as tx:
        set_stream_state(tx, ORG, "invoices", state, now=T0)
        set_stream_state(tx, ORG, "contacts", {"page": 1}, now=T0)
    with org_store.reading() as tx:
        assert get_stream_state(tx, ORG, "invoices") == state
    with org_store.transaction() as tx:
        set_stream_state(tx, ORG, "invoices", {"page": 4}, now=T0)
    with org_store.reading() as tx:
        assert get_stream_states(tx, ORG) == {"invoices": {"page": 4}, "contacts": {"page": 1}}
    with org_store.transaction() as tx:
        assert clear_stream_states(tx, ORG) == 2
    with org_store.reading() as tx:
        assert get_stream_states(tx, ORG) == {}
        assert get_stream_state(tx, ORG, "invoices") is None


def test_state_that_is_not_json_is_refused(org_store: Store) -> None:
    with pytest.raises(TypeError, match="not JSON serializable"), org_store.transaction() as tx:
        set_stream_state(tx, ORG, "invoices", {"at": T0}, now=T0)


def test_a_failed_transaction_leaves_nothing_behind(org_store: Store) -> None:
    with org_store.transaction() as tx:
        upsert_records(tx, [customer("C1")])
        set_stream_state(tx, ORG, "contacts", {"page": 1}, now=T0)

    with pytest.raises(RuntimeError, match="connector died"), org_store.transaction() as tx:
        upsert_records(tx, [customer("C1", name="Changed"), invoice("I1")])
        set_stream_state(tx, ORG, "contacts", {"page": 2}, now=T0)
        set_stream_state(tx, ORG, "invoices", {"page": 1}, now=T0)
        raise RuntimeError("connector died")

    with org_store.reading() as tx:
        assert load_customers(tx, ORG) == [customer("C1")]
        assert count_rows(tx, ORG)["invoices"] == 0
        assert get_stream_states(tx, ORG) == {"contacts": {"page": 1}}


KILLED_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from ar_sync.store import Store
    from ar_sync.store.records import upsert_records
    from ar_sync.store.runs import set_stream_state
    from tests.store.records import ORG, T0, customer, invoice

    store = Store(sys.argv[1])
    with store.transaction() as tx:
        upsert_records(tx, [customer("C9"), invoice("I9")])
        set_stream_state(tx, ORG, "invoices", {"page": 99}, now=T0)
        print("written", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_a_killed_process_commits_nothing(org_store: Store, store_url: str) -> None:
    with org_store.transaction() as tx:
        set_stream_state(tx, ORG, "invoices", {"page": 1}, now=T0)
    result = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, store_url],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert result.stdout == "written\n"
    with org_store.reading() as tx:
        assert count_rows(tx, ORG)["customers"] == 0
        assert count_rows(tx, ORG)["invoices"] == 0
        assert get_stream_states(tx, ORG) == {"invoices": {"page": 1}}
    with org_store.transaction() as tx:  # and the database is writable again
        upsert_records(tx, [customer("C9")])
    with org_store.reading() as tx:
        assert count_rows(tx, ORG)["customers"] == 1


def test_concurrent_writers_queue_instead_of_failing(org_store: Store, store_url: str) -> None:
    """A scheduler job and a CLI command may write at once: the second waits for the first."""
    entered, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold_a_write_transaction() -> None:
        try:
            with Store(store_url) as other, other.transaction() as tx:
                upsert_records(tx, [customer("C1")])
                set_stream_state(tx, ORG, "contacts", {"page": 1}, now=T0)
                entered.set()
                release.wait(10)
        except Exception as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)
            entered.set()

    holder = threading.Thread(target=hold_a_write_transaction)
    holder.start()
    assert entered.wait(10)
    # Readers are not blocked, and see only what is committed.
    with org_store.reading() as tx:
        assert load_customers(tx, ORG) == []
        assert get_stream_states(tx, ORG) == {}
    timer = threading.Timer(0.3, release.set)
    timer.start()
    with org_store.transaction() as tx:
        assert get_stream_state(tx, ORG, "invoices") is None
        upsert_records(tx, [customer("C2")])
        set_stream_state(tx, ORG, "invoices", {"page": 1}, now=T0)
    holder.join(10)
    timer.join()
    assert errors == []
    with org_store.reading() as tx:
        assert [c.customer_id for c in load_customers(tx, ORG)] == ["C1", "C2"]
        assert get_stream_states(tx, ORG) == {"contacts": {"page": 1}, "invoices": {"page": 1}}


def test_sync_runs(org_store: Store) -> None:
    with org_store.reading() as tx:
        assert last_sync_run(tx, ORG) is None
    with org_store.transaction() as tx:
        first = start_sync_run(tx, ORG, T0)
        finish_sync_run(
            tx,
            first,
            finished_at=T0 + timedelta(seconds=42),
            status=RunStatus.OK,
            counts={"invoices": 1000, "customers": 37},
            error=None,
        )
        second = start_sync_run(tx, ORG, T0 + timedelta(hours=1))
        finish_sync_run(
            tx,
            second,
            finished_at=T0 + timedelta(hours=1, seconds=3),
            status="failed",
            counts={"invoices": 100},
            error="Xero refused the token: reconnect the org",
        )
        third = start_sync_run(tx, ORG, T0 + timedelta(hours=2))
    assert first < second < third

    with org_store.reading() as tx:
        assert last_sync_run(tx, ORG) == SyncRun(
            id=first,
            org_id=ORG,
            started_at=T0,
            finished_at=T0 + timedelta(seconds=42),
            status=RunStatus.OK,
            counts={"invoices": 1000, "customers": 37},
            error=None,
        )
        failed = last_sync_run(tx, ORG, status="failed")
        assert failed is not None
        assert (failed.id, failed.error) == (second, "Xero refused the token: reconnect the org")
        latest = last_sync_run(tx, ORG, status=None)
        assert latest is not None
        assert (latest.id, latest.status, latest.finished_at, latest.counts) == (
            third,
            RunStatus.RUNNING,
            None,
            {},
        )

    with org_store.transaction() as tx:
        assert mark_running_runs_interrupted(tx, ORG) == 1
    with org_store.transaction() as tx:
        assert mark_running_runs_interrupted(tx, ORG) == 0
    with org_store.reading() as tx:
        interrupted = last_sync_run(tx, ORG, status="interrupted")
        assert interrupted is not None
        assert (interrupted.id, interrupted.finished_at) == (third, None)
        assert last_sync_run(tx, ORG, status="running") is None


def test_finishing_an_unknown_run_or_with_a_bad_status_fails(org_store: Store) -> None:
    with pytest.raises(KeyError, match="no sync run 12345"), org_store.transaction() as tx:
        finish_sync_run(tx, 12345, finished_at=T0, status="ok", counts={}, error=None)
    with org_store.transaction() as tx:
        run = start_sync_run(tx, ORG, T0)
    with (
        pytest.raises(ValueError, match="'done' is not a valid RunStatus"),
        org_store.transaction() as tx,
    ):
        finish_sync_run(tx, run, finished_at=T0, status="done", counts={}, error=None)
