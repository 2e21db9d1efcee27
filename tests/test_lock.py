"""The per-org run lock in the store, on SQLite and PostgreSQL: one holder at a time, released
however the run ends, taken over from a dead holder, waited for when asked."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from ar_sync.store import Store
from ar_sync.store.locks import (
    LockHolder,
    OrgBusy,
    current_holder,
    run_lock,
    try_acquire,
)
from ar_sync.store.tables import run_locks
from tests.postgres import postgres_url, store_url  # noqa: F401  (fixtures)

ORG = "xero:lock-test"
T0 = datetime(2026, 3, 2, 9, 30, 0, tzinfo=UTC)
HOST = socket.gethostname()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:  # noqa: F811
    with Store(store_url) as opened:
        yield opened


def lock_holder(store: Store, org_id: str) -> LockHolder | None:
    """Who holds ``org_id``'s lock, read in a transaction of its own."""
    with store.reading() as tx:
        return current_holder(tx, org_id)


def at(seconds: float = 0) -> Callable[[], datetime]:
    """A clock stopped at T0 + ``seconds``."""
    return lambda: T0 + timedelta(seconds=seconds)


def _plant(
    store: Store, *, host: str, pid: int, heartbeat: datetime, token: str = "t" * 32
) -> None:
    """A lock row left by some other run."""
    with store.transaction() as tx:
        tx.execute(insert(run_locks).values(
            org_id=ORG, holder_host=host, holder_pid=pid, holder_token=token,
            acquired_at=heartbeat, heartbeat_at=heartbeat,
        ))


def _dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_second_run_is_told_who_holds_the_org_and_since_when(store: Store) -> None:
    with run_lock(store, ORG, now=at(), label="Kauri Ltd (xero:lock-test)") as me:
        assert lock_holder(store, ORG) == me
        with pytest.raises(OrgBusy) as busy:
            with run_lock(store, ORG, now=at(5), label="Kauri Ltd (xero:lock-test)"):
                pytest.fail("two runs held one org")
        assert str(busy.value) == (
            f"Kauri Ltd (xero:lock-test) is busy: another run (host {HOST}, pid {os.getpid()}) "
            "has been syncing it since 2026-03-02 09:30:00 UTC; try again when it ends, or "
            "wait for it with `ar-sync sync --wait SECONDS`"
        )
    assert lock_holder(store, ORG) is None
    with run_lock(store, ORG, now=at(10)):  # free again
        pass


@pytest.mark.parametrize("raised", [RuntimeError, KeyboardInterrupt])
def test_the_lock_is_released_however_the_run_ends(store: Store, raised: type) -> None:
    with pytest.raises(raised):
        with run_lock(store, ORG, now=at()):
            raise raised("the run failed")
    assert lock_holder(store, ORG) is None


def test_a_dead_holder_on_this_host_is_taken_over(store: Store) -> None:
    pid = _dead_pid()
    _plant(store, host=HOST, pid=pid, heartbeat=T0)  # its heartbeat is still fresh
    with run_lock(store, ORG, now=at(1)) as me:
        holder = lock_holder(store, ORG)
        assert holder is not None and (holder.pid, holder.token) == (os.getpid(), me.token)
    assert lock_holder(store, ORG) is None


def test_a_holder_elsewhere_is_presumed_dead_only_when_its_heartbeat_is_stale(store: Store) -> None:
    _plant(store, host="another-host", pid=4242, heartbeat=T0)
    with pytest.raises(OrgBusy, match=r"another run \(host another-host, pid 4242\)"):
        with run_lock(store, ORG, now=at(120)):
            pass
    with run_lock(store, ORG, now=at(121)):  # over STALE_AFTER_SECONDS (120) since its beat
        assert lock_holder(store, ORG).host == HOST  # type: ignore[union-attr]


def test_a_live_holder_on_this_host_is_not_taken_over(store: Store) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                               stdin=subprocess.PIPE)
    try:
        _plant(store, host=HOST, pid=sleeper.pid, heartbeat=T0)
        with pytest.raises(OrgBusy, match=rf"pid {sleeper.pid}\)"):
            with run_lock(store, ORG, now=at(60)):
                pass
    finally:
        sleeper.communicate(b"")


def test_a_waiting_run_takes_the_lock_when_the_holder_lets_go(store: Store) -> None:
    polls = 0
    polling = threading.Event()

    def waiter_clock() -> datetime:
        nonlocal polls
        polls += 1
        if polls >= 3:  # the waiter has asked at least twice and is still waiting
            polling.set()
        return T0
    got: list[LockHolder] = []

    def wait_for_it() -> None:
        with run_lock(store, ORG, now=waiter_clock, wait=60) as me:
            got.append(me)

    with run_lock(store, ORG, now=at()) as first:
        waiter = threading.Thread(target=wait_for_it)
        waiter.start()
        assert polling.wait(60), "the second run never waited"
        assert not got
    waiter.join(60)
    assert len(got) == 1 and got[0].token != first.token


def test_waiting_ends_with_busy_when_the_time_is_up(store: Store) -> None:
    ticks = iter(T0 + timedelta(seconds=0.3 * n) for n in range(1000))
    with run_lock(store, ORG, now=at()):
        with pytest.raises(OrgBusy):
            with run_lock(store, ORG, now=lambda: next(ticks), wait=1):
                pass
    assert next(ticks) <= T0 + timedelta(seconds=2.1)  # it gave up soon after the second


def test_of_many_runs_starting_together_exactly_one_gets_the_lock(store_url: str) -> None:  # noqa: F811
    stores = [Store(store_url) for _ in range(6)]
    start = threading.Barrier(len(stores))
    outcomes: list[LockHolder | None] = [None] * len(stores)
    errors: list[BaseException] = []

    def contend(index: int) -> None:
        me = LockHolder(host=HOST, pid=os.getpid(), token=f"{index:032d}", acquired_at=T0,
                        heartbeat_at=T0)
        start.wait()
        try:
            outcomes[index] = try_acquire(stores[index], ORG, me)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for opened in stores[1:]:
        opened.close()
    assert errors == []
    winners = [i for i, holder in enumerate(outcomes) if holder is None]
    assert len(winners) == 1
    assert {holder.token for holder in outcomes if holder} == {f"{winners[0]:032d}"}
    assert lock_holder(stores[0], ORG).token == f"{winners[0]:032d}"  # type: ignore[union-attr]
    stores[0].close()


def test_a_holder_renews_its_heartbeat(store: Store) -> None:
    beats = iter(T0 + timedelta(seconds=n) for n in range(100_000))
    with run_lock(store, ORG, now=lambda: next(beats), heartbeat=0.02):
        first = lock_holder(store, ORG)
        assert first is not None
        for _ in range(3000):
            latest = lock_holder(store, ORG)
            if latest is not None and latest.heartbeat_at > first.heartbeat_at:
                break
            threading.Event().wait(0.01)
        assert latest is not None and latest.heartbeat_at > first.heartbeat_at
        assert latest.acquired_at == first.acquired_at
