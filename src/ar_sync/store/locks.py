"""One run per org at a time: a lock row in ``run_locks``, on SQLite and PostgreSQL alike.

A run takes its org's lock before its first ledger call and gives it back when it ends, however
it ends (an error, Ctrl-C): ``with run_lock(store, org_id, now=...):``. The row names the holder
(``holder_host``, ``holder_pid``, a random ``holder_token``) and carries ``acquired_at`` and
``heartbeat_at`` (UTC); a background thread renews the heartbeat every ``HEARTBEAT_SECONDS``.

Taking the lock never reads and then writes on a guess:

1. ``INSERT ... ON CONFLICT (org_id) DO NOTHING RETURNING org_id``: a row back means the lock
   is ours.
2. Otherwise the holder is read. It is **dead** when it ran on this host and its pid no longer
   exists, or when its heartbeat is older than ``stale_after`` seconds (a holder on another
   host, or a pid reused by another program). A dead holder is replaced with
   ``UPDATE ... WHERE org_id = ? AND holder_token = <the dead holder's token>``: of two runs
   taking over at once exactly one updates the row; the other then sees a live holder.
3. A live holder: ``OrgBusy`` at once, or with ``wait`` seconds, poll every ``POLL_SECONDS``
   until the lock is free or the wait is over.

Release deletes the row only if it still holds our token. Nothing here reads the clock: the
caller passes ``now`` (a callable returning an aware UTC datetime); hosts sharing a database
must agree on the time to well within ``stale_after``. The jobs (``ar_sync.jobs``) take the lock
around a sync and its snapshot, so the CLI, the demo and a scheduler all hold it.

Like every query of the store, the row functions (``current_holder``, ``claim``, ``take_over``,
``renew``, ``release``) take ``tx`` and never commit. ``try_acquire`` and ``run_lock`` take the
``Store`` instead: a lock only works once it is committed, so they run their own transactions
(and ``run_lock`` a heartbeat thread).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.pool import StaticPool

from ar_sync.errors import ArSyncError
from ar_sync.store.bulk import insert
from ar_sync.store.database import Store
from ar_sync.store.tables import run_locks

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0  # how often a holder renews heartbeat_at
STALE_AFTER_SECONDS = 120.0  # a heartbeat older than this: the holder is presumed dead
POLL_SECONDS = 0.5  # how often a waiting run asks again


@dataclass(frozen=True, slots=True)
class LockHolder:
    """Who holds (or wants) a lock: ``host``, ``pid``, a random ``token``, and when."""

    host: str
    pid: int
    token: str
    acquired_at: datetime
    heartbeat_at: datetime


class OrgBusy(ArSyncError):
    """Another run holds the org's lock; ``holder`` says who and since when."""

    def __init__(self, label: str, holder: LockHolder) -> None:
        since = holder.acquired_at.strftime("%Y-%m-%d %H:%M:%S")
        super().__init__(
            f"{label} is busy: another run (host {holder.host}, pid {holder.pid}) has been "
            f"syncing it since {since} UTC; try again when it ends, or wait for it with "
            "`ar-sync sync --wait SECONDS`"
        )
        self.holder = holder


def pid_alive(pid: int) -> bool:
    """Whether a process with ``pid`` exists on this host (signal 0 probes without sending)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    return True


def holder_is_dead(
    holder: LockHolder,
    *,
    host: str,
    now: datetime,
    stale_after: float,
    alive: Callable[[int], bool] = pid_alive,
) -> bool:
    """True when ``holder`` can no longer be running: same ``host`` and its pid is gone, or
    its heartbeat is more than ``stale_after`` seconds before ``now``."""
    if holder.host == host and not alive(holder.pid):
        return True
    return now - holder.heartbeat_at > timedelta(seconds=stale_after)


def current_holder(tx: Connection, org_id: str) -> LockHolder | None:
    """Who holds ``org_id``'s lock now, or None."""
    row = tx.execute(select(run_locks).where(run_locks.c.org_id == org_id)).one_or_none()
    if row is None:
        return None
    return LockHolder(
        host=row.holder_host,
        pid=row.holder_pid,
        token=row.holder_token,
        acquired_at=row.acquired_at,
        heartbeat_at=row.heartbeat_at,
    )


def _row(org_id: str, me: LockHolder) -> dict[str, Any]:
    return {
        "org_id": org_id,
        "holder_host": me.host,
        "holder_pid": me.pid,
        "holder_token": me.token,
        "acquired_at": me.acquired_at,
        "heartbeat_at": me.heartbeat_at,
    }


def claim(tx: Connection, org_id: str, me: LockHolder) -> bool:
    """Insert ``me`` as ``org_id``'s holder unless the lock is held; True when inserted."""
    # RETURNING, not rowcount: psycopg reports -1 rows for this INSERT through SQLAlchemy.
    inserted = tx.execute(
        insert(tx, run_locks)
        .values(_row(org_id, me))
        .on_conflict_do_nothing(index_elements=["org_id"])
        .returning(run_locks.c.org_id)
    ).first()
    return inserted is not None


def take_over(tx: Connection, org_id: str, dead_token: str, me: LockHolder) -> bool:
    """Replace the holder whose token is ``dead_token`` by ``me``; False when that holder is
    gone already (released, or taken over by another run first)."""
    taken = tx.execute(
        update(run_locks)
        .where(run_locks.c.org_id == org_id, run_locks.c.holder_token == dead_token)
        .values({k: v for k, v in _row(org_id, me).items() if k != "org_id"})
    )
    return taken.rowcount == 1


def renew(tx: Connection, org_id: str, token: str, at: datetime) -> bool:
    """Set the heartbeat of our lock to ``at``; False when the lock is no longer ours."""
    result = tx.execute(
        update(run_locks)
        .where(run_locks.c.org_id == org_id, run_locks.c.holder_token == token)
        .values(heartbeat_at=at)
    )
    return result.rowcount == 1


def release(tx: Connection, org_id: str, token: str) -> bool:
    """Give the lock back if ``token`` still holds it; False when it did not."""
    result = tx.execute(
        delete(run_locks).where(run_locks.c.org_id == org_id, run_locks.c.holder_token == token)
    )
    return result.rowcount == 1


def try_acquire(
    store: Store, org_id: str, me: LockHolder, *, stale_after: float = STALE_AFTER_SECONDS
) -> LockHolder | None:
    """Take ``org_id``'s lock for ``me`` (its ``acquired_at`` is now); None when taken, else
    the live holder that keeps it. Each step commits on its own."""
    while True:  # each turn follows another run's change: a release or a takeover
        with store.transaction() as tx:
            if claim(tx, org_id, me):
                return None
        with store.reading() as tx:
            holder = current_holder(tx, org_id)
        if holder is None:
            continue  # released in between: insert again
        if not holder_is_dead(holder, host=me.host, now=me.acquired_at, stale_after=stale_after):
            return holder
        with store.transaction() as tx:
            taken = take_over(tx, org_id, holder.token, me)
        if taken:
            log.warning(
                "took over the lock of %s from a dead run (host %s, pid %s, last heartbeat %s)",
                org_id, holder.host, holder.pid, holder.heartbeat_at.isoformat(),
            )
            return None


class _Heartbeat:
    """Renews a held lock every ``interval`` seconds from a daemon thread until stopped."""

    def __init__(
        self, store: Store, org_id: str, token: str, now: Callable[[], datetime], interval: float
    ) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run,
            args=(store, org_id, token, now, interval),
            name=f"ar-sync lock heartbeat {org_id}",
            daemon=True,
        )
        self._thread.start()

    def _run(
        self, store: Store, org_id: str, token: str, now: Callable[[], datetime], interval: float
    ) -> None:
        while not self._stop.wait(interval):
            try:
                with store.transaction() as tx:
                    renewed = renew(tx, org_id, token, now())
                if not renewed:
                    log.warning("the run lock of %s was taken over; this run goes on", org_id)
                    return
            except Exception as exc:  # noqa: BLE001 (a missed beat is not worth a crash)
                log.warning("could not renew the run lock of %s: %s", org_id, type(exc).__name__)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _shares_one_connection(store: Store) -> bool:
    """An in-memory SQLite store has a single connection: no thread may use it alongside."""
    return isinstance(store.engine.pool, StaticPool)


@contextmanager
def run_lock(
    store: Store,
    org_id: str,
    *,
    now: Callable[[], datetime],
    wait: float | None = None,
    label: str | None = None,
    heartbeat: float = HEARTBEAT_SECONDS,
    stale_after: float = STALE_AFTER_SECONDS,
) -> Iterator[LockHolder]:
    """Hold ``org_id``'s run lock for the block; yields our ``LockHolder``.

    ``wait``: seconds to wait for a live holder (None or 0: raise ``OrgBusy`` at once, with
    ``label``, default the org id, naming the org). The lock is released when the block ends,
    also on an exception or KeyboardInterrupt.
    """
    token = secrets.token_hex(16)
    host, pid = socket.gethostname(), os.getpid()
    started = now()
    deadline = started + timedelta(seconds=wait or 0)
    pause = threading.Event()
    announced = False
    while True:
        at = now()
        me = LockHolder(host=host, pid=pid, token=token, acquired_at=at, heartbeat_at=at)
        holder = try_acquire(store, org_id, me, stale_after=stale_after)
        if holder is None:
            break
        if not wait or at >= deadline:
            raise OrgBusy(label or org_id, holder)
        if not announced:
            log.info("waiting for %s: held by host %s, pid %s", org_id, holder.host, holder.pid)
            announced = True
        pause.wait(min(POLL_SECONDS, max((deadline - at).total_seconds(), 0.0)))
    beat = None if _shares_one_connection(store) else _Heartbeat(
        store, org_id, token, now, heartbeat
    )
    try:
        yield me
    finally:
        if beat is not None:
            beat.stop()
        try:
            with store.transaction() as tx:
                release(tx, org_id, token)
        except Exception as exc:  # noqa: BLE001 (a dead holder's lock is taken over anyway)
            log.warning("could not release the run lock of %s: %s", org_id, type(exc).__name__)
