"""The sync engine: pull each stream's pages from a connector into the store, resumably.

For every page the connector yields, the page's upserts, deletions and the stream's new state are
committed in **one transaction**. A sync killed between pages therefore loses nothing and the next
sync resumes from the last committed state; one killed inside a page re-reads just that page,
and upserts make the re-read harmless.

A successful sync ends by storing an aging snapshot for the org's "today" (its own timezone), so
history comes from the database rather than from asking the ledger again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ar_sync.connector import CallStats, Connector, Page
from ar_sync.domain import Org
from ar_sync.errors import ArSyncError, DataError
from ar_sync.snapshots import save_today_snapshot
from ar_sync.store import Store

log = logging.getLogger(__name__)


class SyncProgress(Protocol):
    """Told about a sync as it goes (the CLI draws a progress display from it)."""

    def stream_started(self, org: Org, stream: str) -> None: ...

    def page_committed(self, org: Org, stream: str, page: Page, totals: dict[str, int]) -> None: ...


@dataclass(slots=True)
class SyncResult:
    """What one org's sync did. ``counts`` are rows written per kind plus pages and skips."""

    org: Org
    run_id: int
    started_at: datetime
    finished_at: datetime | None = None
    status: str = "running"
    counts: dict[str, int] = field(default_factory=dict)
    calls: int = 0
    retries: int = 0
    waited_seconds: float = 0.0  # spent waiting before retries (Retry-After or backoff)
    skipped: list[DataError] = field(default_factory=list)
    error: str | None = None


def _add(counts: dict[str, int], more: dict[str, int]) -> None:
    for key, value in more.items():
        counts[key] = counts.get(key, 0) + value


def sync_org(
    store: Store,
    connector: Connector,
    *,
    now: Callable[[], datetime],
    progress: SyncProgress | None = None,
) -> SyncResult:
    """Bring ``connector.org`` up to date in ``store``; returns what was done.

    ``now`` is read twice: at the start (the watermark cap) and at the end. ``ArSyncError`` and
    interruptions are recorded on the sync run and re-raised.
    """
    org = connector.org
    started_at = now()
    store.mark_running_runs_interrupted(org.org_id)
    run_id = store.start_sync_run(org.org_id, started_at)
    result = SyncResult(org=org, run_id=run_id, started_at=started_at)
    try:
        org = connector.fetch_org()
        store.save_org(org)
        result.org = org
        states = store.get_stream_states(org.org_id)
        for stream in connector.streams:
            if progress:
                progress.stream_started(org, stream)
            for page in connector.iter_pages(stream, states.get(stream), started_at=started_at):
                _commit_page(store, org, page, result)
                if progress:
                    progress.page_committed(org, stream, page, result.counts)
        save_today_snapshot(store, org, now=now())
    except ArSyncError as exc:
        _finish(store, result, now(), "failed", error=str(exc), stats=connector.stats)
        raise
    except BaseException:
        _finish(store, result, now(), "interrupted", error="interrupted", stats=connector.stats)
        raise
    _finish(store, result, now(), "ok", error=None, stats=connector.stats)
    return result


def _commit_page(store: Store, org: Org, page: Page, result: SyncResult) -> None:
    with store.transaction() as tx:
        written = store.upsert_records(tx, page.records)
        if page.deleted:
            store.delete_records(tx, org.org_id, page.deleted)
        store.set_stream_state(tx, org.org_id, page.stream, page.state)
    _add(result.counts, written)
    _add(result.counts, {"pages": 1, "deleted": len(page.deleted), "skipped": len(page.skipped)})
    for error in page.skipped:
        log.warning("%s: skipped a record in %s: %s", org.name, page.stream, error)
    result.skipped.extend(page.skipped)


def _finish(
    store: Store,
    result: SyncResult,
    at: datetime,
    status: str,
    *,
    error: str | None,
    stats: CallStats,
) -> None:
    result.finished_at, result.status, result.error = at, status, error
    result.calls, result.retries = stats.total, stats.retries
    result.waited_seconds = stats.waited_seconds
    counts = dict(result.counts, calls=stats.total, retries=stats.retries)
    store.finish_sync_run(result.run_id, finished_at=at, status=status, counts=counts, error=error)
