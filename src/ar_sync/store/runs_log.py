"""Every run of a job, manual or scheduled: the ``job_runs`` table behind ``ar-sync runs``.

A run is one ``kind`` (``sync``, ``remind``, ``statements``) of one org, started by a person
(``manual``: the CLI) or by the scheduler (``scheduled``, with the fire time it was due at). It
is written ``running`` when it starts and closed when it ends with its ``outcome``:

- ``ok``: it ran to the end; ``failed``: it raised (``error``: one line);
- ``skipped``: it did not run: its org was busy with another run (``OrgBusy``), or the job
  decided so (``RunLog.skip``);
- ``interrupted``: Ctrl-C or SIGTERM ended it, or (``mark_interrupted``) it was found still
  ``running`` by a process that knows its org's lock is free.

``counts`` is ``{documents, actions, statements, calls, errors}`` (whole numbers). Instants come
from the caller's ``now``; nothing here reads the clock. ``record_run`` runs its own short
transactions (the row must be visible while the job runs); the queries take ``tx``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, select, update

from ar_sync.errors import ArSyncError
from ar_sync.redact import redact
from ar_sync.store.database import Store
from ar_sync.store.tables import job_runs, run_locks

COUNT_NAMES = ("documents", "actions", "statements", "calls", "errors")


class JobKind(StrEnum):
    SYNC = "sync"
    REMIND = "remind"
    STATEMENTS = "statements"


class Trigger(StrEnum):
    MANUAL = "manual"
    SCHEDULED = "scheduled"


class Outcome(StrEnum):
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True, slots=True, kw_only=True)
class JobRun:
    """One row of ``job_runs``; ``duration`` in seconds once finished."""

    id: int
    org_id: str
    kind: JobKind
    trigger: Trigger
    scheduled_for: datetime | None
    started_at: datetime
    finished_at: datetime | None
    outcome: Outcome
    counts: dict[str, int]
    error: str | None

    @property
    def duration(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


@dataclass
class RunLog:
    """The run being recorded: the job adds to ``counts`` (``add``) and may ``skip`` it."""

    id: int
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_NAMES, 0))
    outcome: Outcome = Outcome.OK
    error: str | None = None

    def add(self, **counts: int) -> None:
        """Add to the named counts (``documents=``, ``actions=``, ... see ``COUNT_NAMES``)."""
        for name, value in counts.items():
            if name not in self.counts:
                raise KeyError(f"unknown run count {name!r}")
            self.counts[name] += int(value)

    def skip(self, reason: str) -> None:
        """Close the run as ``skipped`` with ``reason`` when the block ends without error."""
        self.outcome, self.error = Outcome.SKIPPED, reason


def error_line(exc: BaseException) -> str:
    """One line saying why a run failed, with every registered secret masked: an ar-sync
    error's own message, else the exception's type and first line."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if not isinstance(exc, ArSyncError):
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return redact(text)


def start_run(
    tx: Connection, org_id: str, kind: JobKind | str, trigger: Trigger | str, *,
    started_at: datetime, scheduled_for: datetime | None = None,
) -> int:
    """Insert a ``running`` run; returns its id."""
    result = tx.execute(job_runs.insert().values(
        org_id=org_id, kind=JobKind(kind).value, trigger=Trigger(trigger).value,
        scheduled_for=scheduled_for, started_at=started_at, finished_at=None,
        outcome=Outcome.RUNNING.value, counts=dict.fromkeys(COUNT_NAMES, 0), error=None,
    ))
    return int(result.inserted_primary_key[0])


def finish_run(
    tx: Connection, run_id: int, *, finished_at: datetime, outcome: Outcome | str,
    counts: dict[str, int], error: str | None,
) -> None:
    """Close run ``run_id``; ``KeyError`` if there is none."""
    result = tx.execute(update(job_runs).where(job_runs.c.id == run_id).values(
        finished_at=finished_at, outcome=Outcome(outcome).value, counts=dict(counts), error=error,
    ))
    if result.rowcount == 0:
        raise KeyError(f"no job run {run_id}")


@contextmanager
def record_run(
    store: Store,
    org_id: str,
    kind: JobKind | str,
    trigger: Trigger | str,
    now: Callable[[], datetime],
    *,
    scheduled_for: datetime | None = None,
) -> Iterator[RunLog]:
    """Record the block as one run of ``kind`` for ``org_id``: ``running`` at ``now()`` when it
    starts, closed at ``now()`` when it ends (see the module docstring for the outcome). An
    exception is recorded and raised again: the caller decides what a failure means."""
    from ar_sync.store.locks import OrgBusy

    with store.transaction() as tx:
        run = RunLog(id=start_run(tx, org_id, kind, trigger, started_at=now(),
                                  scheduled_for=scheduled_for))
    try:
        yield run
    except OrgBusy as exc:
        run.outcome, run.error = Outcome.SKIPPED, error_line(exc)
        raise
    except (KeyboardInterrupt, SystemExit) as exc:
        run.outcome, run.error = Outcome.INTERRUPTED, type(exc).__name__
        raise
    except BaseException as exc:
        run.outcome, run.error = Outcome.FAILED, error_line(exc)
        run.counts["errors"] += 1
        raise
    finally:
        with store.transaction() as tx:
            finish_run(tx, run.id, finished_at=now(), outcome=run.outcome, counts=run.counts,
                       error=run.error)


def _job_run(row: Any) -> JobRun:
    return JobRun(
        id=row.id, org_id=row.org_id, kind=JobKind(row.kind), trigger=Trigger(row.trigger),
        scheduled_for=row.scheduled_for, started_at=row.started_at,
        finished_at=row.finished_at, outcome=Outcome(row.outcome), counts=dict(row.counts),
        error=row.error,
    )


def list_runs(
    tx: Connection, *, org_ids: Sequence[str] | None = None, limit: int | None = None
) -> list[JobRun]:
    """Runs newest first (by start, then id), of ``org_ids`` (None: every org), at most
    ``limit`` (None: all)."""
    query = select(job_runs)
    if org_ids is not None:
        query = query.where(job_runs.c.org_id.in_(list(org_ids)))
    query = query.order_by(job_runs.c.started_at.desc(), job_runs.c.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [_job_run(row) for row in tx.execute(query)]


def mark_interrupted(tx: Connection, *, finished_at: datetime | None = None) -> int:
    """Mark ``interrupted`` every ``running`` run whose org's run lock nobody holds (its
    process died: a live run holds its lock from before its first ledger call to its end);
    returns how many. ``ar-sync serve`` calls it when it starts."""
    held = select(run_locks.c.org_id)
    result = tx.execute(
        update(job_runs)
        .where(job_runs.c.outcome == Outcome.RUNNING.value, job_runs.c.org_id.not_in(held))
        .values(outcome=Outcome.INTERRUPTED.value, finished_at=finished_at)
    )
    return result.rowcount


def sync_counts(result: Any) -> dict[str, int]:
    """A sync's (``sync.engine.SyncResult``) share of a run's counts: documents written,
    ledger calls, records skipped as errors."""
    from ar_sync.sync.engine import WRITTEN_KINDS

    return {"documents": sum(result.counts.get(kind, 0) for kind in WRITTEN_KINDS),
            "calls": result.calls, "errors": result.counts.get("skipped", 0)}


def push_counts(push: Any) -> dict[str, int]:
    """A push's (``push.run.PushResult``) share: contacts sent as actions, each write done as
    a call, failed and unknown writes as errors."""
    return {"actions": push.contacts, "calls": push.done, "errors": push.failed + push.unknown}
