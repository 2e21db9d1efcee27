"""What a sync keeps about itself: each stream's resumable state and the record of each run.

- ``stream_states``: one JSON-able state per (org, stream), the connector's cursor. The sync
  engine replaces it in the same transaction as the page's records (``ar_sync.store.records``),
  so a sync killed between pages resumes from the last committed page.
- ``sync_runs``: one row per sync of an org: when, how it ended (``RunStatus``), what it did.

The third table of a run, ``run_locks`` (one run per org at a time), is ``ar_sync.store.locks``.
Every function takes ``tx`` (``Store.transaction()`` to write, ``Store.reading()`` to read) and
never commits; instants (``now``, ``started_at``, ``finished_at``) come from the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, delete, select, update

from ar_sync.store.bulk import upsert
from ar_sync.store.tables import stream_states, sync_runs


class RunStatus(StrEnum):
    """A sync run's outcome. ``INTERRUPTED``: found still ``RUNNING`` when a later run began."""

    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncRun:
    """One sync of one org. ``counts`` maps what was done (e.g. ``"invoices"``) to how many."""

    id: int
    org_id: str
    started_at: datetime
    finished_at: datetime | None
    status: RunStatus
    counts: dict[str, int]
    error: str | None


# --- stream state ----------------------------------------------------------------------------


def set_stream_state(
    tx: Connection, org_id: str, stream: str, state: Mapping[str, Any], *, now: datetime
) -> None:
    """Replace the stored state of ``stream`` (a JSON-able mapping)."""
    upsert(
        tx,
        stream_states,
        [{"org_id": org_id, "stream": stream, "state": dict(state), "updated_at": now}],
    )


def get_stream_state(tx: Connection, org_id: str, stream: str) -> dict[str, Any] | None:
    """The stored state of ``stream``; None if it was never synced (or was cleared)."""
    query = select(stream_states.c.state).where(
        stream_states.c.org_id == org_id, stream_states.c.stream == stream
    )
    return tx.execute(query).scalar_one_or_none()


def get_stream_states(tx: Connection, org_id: str) -> dict[str, dict[str, Any]]:
    """Every stream's stored state for an org, by stream name."""
    query = select(stream_states.c.stream, stream_states.c.state).where(
        stream_states.c.org_id == org_id
    )
    return {row.stream: row.state for row in tx.execute(query)}


def delete_stream_state(tx: Connection, org_id: str, stream: str) -> bool:
    """Forget one stream's state; True if there was one."""
    query = delete(stream_states).where(
        stream_states.c.org_id == org_id, stream_states.c.stream == stream
    )
    return bool(tx.execute(query).rowcount)


def clear_stream_states(tx: Connection, org_id: str) -> int:
    """Forget every stream's state (the next sync reads everything); returns how many."""
    return tx.execute(delete(stream_states).where(stream_states.c.org_id == org_id)).rowcount


# --- sync runs -------------------------------------------------------------------------------


def start_sync_run(tx: Connection, org_id: str, started_at: datetime) -> int:
    """Record a run as ``running``; returns its id."""
    result = tx.execute(
        sync_runs.insert().values(
            org_id=org_id, started_at=started_at, status=RunStatus.RUNNING.value, counts={}
        )
    )
    return int(result.inserted_primary_key[0])


def finish_sync_run(
    tx: Connection,
    run_id: int,
    *,
    finished_at: datetime,
    status: RunStatus | str,
    counts: Mapping[str, int],
    error: str | None,
) -> None:
    """Close a run with its outcome; ``KeyError`` if there is no such run."""
    result = tx.execute(
        update(sync_runs)
        .where(sync_runs.c.id == run_id)
        .values(
            finished_at=finished_at,
            status=RunStatus(status).value,
            counts={str(k): int(v) for k, v in counts.items()},
            error=error,
        )
    )
    if result.rowcount == 0:
        raise KeyError(f"no sync run {run_id}")


def _sync_run(row: Any) -> SyncRun:
    return SyncRun(
        id=row.id,
        org_id=row.org_id,
        started_at=row.started_at,
        finished_at=row.finished_at,
        status=RunStatus(row.status),
        counts=dict(row.counts),
        error=row.error,
    )


def last_sync_run(
    tx: Connection, org_id: str, status: RunStatus | str | None = RunStatus.OK
) -> SyncRun | None:
    """The latest run (by ``started_at``, then id) with ``status``; any status if None."""
    query = select(sync_runs).where(sync_runs.c.org_id == org_id)
    if status is not None:
        query = query.where(sync_runs.c.status == RunStatus(status).value)
    query = query.order_by(sync_runs.c.started_at.desc(), sync_runs.c.id.desc()).limit(1)
    row = tx.execute(query).first()
    return _sync_run(row) if row is not None else None


def mark_running_runs_interrupted(
    tx: Connection, org_id: str, *, finished_at: datetime | None = None
) -> int:
    """Mark an org's runs still ``running`` as ``interrupted``; returns how many.

    Called when a sync starts: a run left ``running`` belongs to a process that died.
    ``finished_at`` stays NULL unless given (when it died is not known).
    """
    result = tx.execute(
        update(sync_runs)
        .where(sync_runs.c.org_id == org_id, sync_runs.c.status == RunStatus.RUNNING.value)
        .values(status=RunStatus.INTERRUPTED.value, finished_at=finished_at)
    )
    return result.rowcount
