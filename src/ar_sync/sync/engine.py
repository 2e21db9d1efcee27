"""The sync engine: pull each stream's pages from a connector into the store, resumably.

For every page the connector yields, the page's upserts, deletions and the stream's new state are
committed in **one transaction**. A sync killed between pages therefore loses nothing and the next
sync resumes from the last committed state; one killed inside a page re-reads just that page,
and upserts make the re-read harmless. The connector fetches the next page meanwhile
(``ar_sync.sync.paging``), and a committed page is let go before the next one is mapped, so a
sync holds about two pages whatever its size; ``SyncResult.skipped`` keeps the first
``SKIPPED_KEPT`` skipped records (all are logged and counted).

The engine only syncs: the sync job (``ar_sync.jobs.sync_org``) holds the org's run lock around
it and then stores the aging snapshot, so history comes from the database rather than from
asking the ledger again.

**Open-set re-reads.** A watermark only sees what moved the ledger's last-update stamp, and not
every change does (Xero leaves ``UpdatedDateUTC`` alone when the due date of a part-paid invoice
changes). So, on a schedule (``refresh_every``, by default once a day) and on ``full=True``, the
engine also re-reads each stream's *open set* (what a first sync reads: open invoices, unapplied
credits) after its incremental pages. Those pages commit with their own resumable state
(``open-set:<stream>``), separate from the incremental watermark, and the bookkeeping of which
streams are still to re-read (``open-set``) commits with the last page of each, so an
interrupted re-read resumes where it stopped.

**History.** With ``history_from`` (a date S), the engine also reads every document stream
from S with every status, after the usual reads, so paid and voided documents of the window are
kept (``ar_sync.sync.history``: when a pass is due, its state keys). Each page commits with its
own resumable state (``history:<stream>``); the last one records ``history`` = ``{"since": S}``.
``backfill=True`` makes only that pass (``ar-sync backfill``), and ``call_budget`` stops it,
resumably, once the connector has made that many calls (a day's allowance).

**The log.** A run logs its start with its mode (``_mode``) once the open-set plan is made,
each committed page at DEBUG, and its outcome (status, rows written per kind, pages, API
calls, retries, seconds waited and taken; a failure's one-line reason) at INFO. A run that
fails before its plan (the org's first call) logs only its outcome.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from ar_sync.connector import CallStats, Connector, Page
from ar_sync.domain import Org
from ar_sync.errors import ArSyncError, DataError
from ar_sync.settings import DEFAULT_REFRESH_EVERY
from ar_sync.store import Store
from ar_sync.store.orgs import save_org
from ar_sync.store.records import delete_records, upsert_records
from ar_sync.store.runs import (
    delete_stream_state,
    finish_sync_run,
    get_stream_states,
    mark_running_runs_interrupted,
    set_stream_state,
    start_sync_run,
)
from ar_sync.sync import history

# The stage's name, not this module's: the log file has said "ar_sync.sync" for every run.
log = logging.getLogger("ar_sync.sync")

SKIPPED_KEPT = 100  # skipped records a SyncResult keeps as examples
OPEN_SET = "open-set"  # state key: {"refreshed_at": ISO instant, "pending": [stream, ...]}
OPEN_SET_PREFIX = "open-set:"  # state key prefix of a stream's open-set re-read in progress


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
    # The first SKIPPED_KEPT records skipped (every one is logged; ``counts["skipped"]`` counts
    # them all), so a ledger full of unreadable records cannot grow a sync's memory.
    skipped: list[DataError] = field(default_factory=list)
    error: str | None = None


def _add(counts: dict[str, int], more: dict[str, int]) -> None:
    for key, value in more.items():
        counts[key] = counts.get(key, 0) + value


_GC_GEN0_DURING_SYNC = 50_000  # allocations between young-generation collections
_gc_lock = threading.Lock()
_gc_users = 0
_gc_before: tuple[int, int, int] | None = None


@contextmanager
def _fewer_gc_passes() -> Iterator[None]:
    """Collect cyclic garbage less often while a sync builds pages of records.

    A page is thousands of short-lived, acyclic objects (rows, records, parameters) that
    reference counting frees; the default young-generation threshold (700 allocations) makes
    the cyclic collector walk them many times a page, a fifth of a sync's CPU. The threshold
    is raised while any sync of this process runs (syncs of several orgs in threads share it)
    and put back when the last one ends; collection itself is never turned off."""
    global _gc_users, _gc_before
    with _gc_lock:
        if _gc_users == 0:
            _gc_before = gc.get_threshold()
            gc.set_threshold(max(_GC_GEN0_DURING_SYNC, _gc_before[0]), *_gc_before[1:])
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0 and _gc_before is not None:
                gc.set_threshold(*_gc_before)


@_fewer_gc_passes()
def sync_org(
    store: Store,
    connector: Connector,
    *,
    now: Callable[[], datetime],
    progress: SyncProgress | None = None,
    full: bool = False,
    refresh_every: timedelta | None = DEFAULT_REFRESH_EVERY,
    history_from: date | None = None,
    backfill: bool = False,
    call_budget: int | None = None,
) -> SyncResult:
    """Bring ``connector.org`` up to date in ``store``; returns what was done.

    The caller holds the org's run lock (``ar_sync.store.locks.run_lock``). ``now`` is read at
    the start (the watermark cap, and the instant the run and the org are stamped with), for
    each committed page's state, and at the end. ``ArSyncError`` and interruptions are recorded
    on the sync run and re-raised. ``full`` also re-reads the open set of every stream;
    otherwise the connector's ``open_set_streams`` are re-read when the last re-read is
    ``refresh_every`` old or more (None: only on ``full``). ``history_from``, ``backfill`` and
    ``call_budget``: the history pass (module docstring); a pass stopped by the budget leaves
    ``counts["history_stopped"] = 1`` and its state for the next run.
    """
    org = connector.org
    started_at = now()
    with store.transaction() as tx:
        mark_running_runs_interrupted(tx, org.org_id)
        run_id = start_sync_run(tx, org.org_id, started_at)
    result = SyncResult(org=org, run_id=run_id, started_at=started_at)
    try:
        org = connector.fetch_org()
        with store.transaction() as tx:
            save_org(tx, org, now=started_at)
            states = get_stream_states(tx, org.org_id)
        result.org = org
        plan = history.plan_pass(states, connector.history_streams, history_from, force=backfill)
        if backfill:
            log.info("%s (%s): sync run %d started, mode backfill from %s", org.name,
                     org.org_id, run_id, plan and plan["since"])
            _history_pass(store, connector, org, states, plan, result, started_at=started_at,
                          now=now, progress=progress, call_budget=call_budget)
            _finish(store, result, now(), "ok", error=None, stats=connector.stats)
            return result
        open_set = _plan_open_set(
            store, connector, states, started_at, full=full, refresh_every=refresh_every
        )
        log.info("%s (%s): sync run %d started, mode %s", org.name, org.org_id, run_id,
                 _mode(connector.streams, states, open_set["pending"], full=full))
        for stream in connector.streams:
            if progress:
                progress.stream_started(org, stream)
            for page in connector.iter_pages(stream, states.get(stream), started_at=started_at):
                _commit_page(store, org, page, result, at=now())
                if progress:
                    progress.page_committed(org, stream, page, result.counts)
                del page  # committed: not kept while the next page is mapped
            if stream in open_set["pending"]:
                _reread_open_set(store, connector, org, stream, states, open_set, result,
                                 started_at=started_at, now=now, progress=progress)
        if OPEN_SET not in states:  # a first sync reads the open set: it counts as a re-read
            with store.transaction() as tx:
                set_stream_state(tx, org.org_id, OPEN_SET, open_set, now=now())
        _history_pass(store, connector, org, states, plan, result, started_at=started_at,
                      now=now, progress=progress, call_budget=call_budget)
    except ArSyncError as exc:
        _finish(store, result, now(), "failed", error=str(exc), stats=connector.stats)
        raise
    except BaseException:
        _finish(store, result, now(), "interrupted", error="interrupted", stats=connector.stats)
        raise
    _finish(store, result, now(), "ok", error=None, stats=connector.stats)
    return result


def _plan_open_set(
    store: Store,
    connector: Connector,
    states: dict[str, dict[str, Any]],
    started_at: datetime,
    *,
    full: bool,
    refresh_every: timedelta | None,
) -> dict[str, Any]:
    """The open-set bookkeeping for this sync: which streams to re-read (``pending``, in the
    connector's order) and when the last complete re-read began (``refreshed_at``). A change
    is committed at once, so an interrupted ``full`` sync is finished by the next sync."""
    stored = states.get(OPEN_SET)
    open_set = {
        "refreshed_at": (stored or {}).get("refreshed_at") or started_at.isoformat(),
        "pending": list((stored or {}).get("pending") or ()),
    }
    wanted = set(open_set["pending"])
    first_sync = not any(stream in states for stream in connector.streams)
    if full and not first_sync:  # a first sync is itself a read of every open set
        wanted |= set(connector.streams)
    elif stored is not None and refresh_every is not None:
        last = datetime.fromisoformat(open_set["refreshed_at"])
        if started_at - last >= refresh_every:
            wanted |= set(connector.open_set_streams)
    open_set["pending"] = [stream for stream in connector.streams if stream in wanted]
    if open_set != stored and (stored is not None or open_set["pending"]):
        with store.transaction() as tx:
            set_stream_state(tx, connector.org.org_id, OPEN_SET, open_set, now=started_at)
        states[OPEN_SET] = dict(open_set)
    return open_set


def _reread_open_set(
    store: Store,
    connector: Connector,
    org: Org,
    stream: str,
    states: dict[str, dict[str, Any]],
    open_set: dict[str, Any],
    result: SyncResult,
    *,
    started_at: datetime,
    now: Callable[[], datetime],
    progress: SyncProgress | None,
) -> None:
    """Read ``stream``'s open set again (as a first sync does), resumably, leaving its
    incremental watermark alone; the last step drops the stream from ``pending``."""
    key = OPEN_SET_PREFIX + stream
    if progress:
        progress.stream_started(org, f"{stream} (open set)")
    for page in connector.iter_pages(stream, states.get(key), started_at=started_at):
        _commit_page(store, org, page, result, at=now(), state_key=key)
        if progress:
            progress.page_committed(org, stream, page, result.counts)
        del page  # committed: not kept while the next page is mapped
    open_set["pending"].remove(stream)
    if not open_set["pending"]:
        open_set["refreshed_at"] = started_at.isoformat()
    with store.transaction() as tx:
        delete_stream_state(tx, org.org_id, key)
        set_stream_state(tx, org.org_id, OPEN_SET, open_set, now=now())
    result.counts["open_set_streams"] = result.counts.get("open_set_streams", 0) + 1


def _history_pass(
    store: Store,
    connector: Connector,
    org: Org,
    states: dict[str, dict[str, Any]],
    plan: dict[str, Any] | None,
    result: SyncResult,
    *,
    started_at: datetime,
    now: Callable[[], datetime],
    progress: SyncProgress | None,
    call_budget: int | None,
) -> None:
    """Read ``plan``'s pending streams from its ``since`` (``ar_sync.sync.history``), each page
    with its ``history:<stream>`` state; a finished stream leaves ``pending`` and the last one
    sets ``history``. Stops, resumably, once ``call_budget`` calls are made."""
    if plan is None:
        return
    since = date.fromisoformat(plan["since"])
    if states.get(history.HISTORY_PASS) != plan:  # a new pass: stale cursors go
        with store.transaction() as tx:
            for stream in connector.history_streams:
                delete_stream_state(tx, org.org_id, history.HISTORY_PREFIX + stream)
                states.pop(history.HISTORY_PREFIX + stream, None)
            set_stream_state(tx, org.org_id, history.HISTORY_PASS, plan, now=now())
    log.info("%s: reading history from %s (%s)", org.name, since.isoformat(),
             ", ".join(plan["pending"]))
    moment = history.since_instant(since, org.timezone)
    for stream in list(plan["pending"]):
        key = history.HISTORY_PREFIX + stream
        if progress:
            progress.stream_started(org, f"{stream} (history)")
        pages = connector.history_pages(stream, moment, states.get(key), started_at=started_at)
        try:
            for page in pages:
                _commit_page(store, org, page, result, at=now(), state_key=key)
                if progress:
                    progress.page_committed(org, stream, page, result.counts)
                del page  # committed: not kept while the next page is mapped
                if call_budget is not None and connector.stats.total >= call_budget:
                    result.counts["history_stopped"] = 1
                    log.info("%s: history stopped at the call budget (%d calls)", org.name,
                             call_budget)
                    return
        finally:
            close = getattr(pages, "close", None)
            if close is not None:
                close()  # a generator stopped early lets its page in flight go
        plan["pending"].remove(stream)
        with store.transaction() as tx:
            delete_stream_state(tx, org.org_id, key)
            if plan["pending"]:
                set_stream_state(tx, org.org_id, history.HISTORY_PASS, plan, now=now())
            else:
                reached = history.finished_since(states, since)
                set_stream_state(tx, org.org_id, history.HISTORY,
                                 {"since": reached.isoformat()}, now=now())
                delete_stream_state(tx, org.org_id, history.HISTORY_PASS)
                states[history.HISTORY] = {"since": reached.isoformat()}
    result.counts["history_streams"] = result.counts.get("history_streams", 0) + 1


def _commit_page(
    store: Store,
    org: Org,
    page: Page,
    result: SyncResult,
    *,
    at: datetime,
    state_key: str | None = None,
) -> None:
    """One page's upserts, deletions and state (under ``state_key``, by default the page's
    stream, stamped ``at``) in one transaction."""
    with store.transaction() as tx:
        written = upsert_records(tx, page.records)
        if page.deleted:
            delete_records(tx, org.org_id, page.deleted)
        set_stream_state(tx, org.org_id, state_key or page.stream, page.state, now=at)
    _add(result.counts, written)
    _add(result.counts, {"pages": 1, "deleted": len(page.deleted), "skipped": len(page.skipped)})
    log.debug("%s: %s%s page committed: %s written, %d deleted, %d skipped", org.name,
              page.stream, f" ({state_key})" if state_key else "", _written(written),
              len(page.deleted), len(page.skipped))
    for error in page.skipped:
        log.warning("%s: skipped a record in %s: %s", org.name, page.stream, error)
    result.skipped.extend(page.skipped[: max(SKIPPED_KEPT - len(result.skipped), 0)])


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
    with store.transaction() as tx:
        finish_sync_run(tx, result.run_id, finished_at=at, status=status, counts=counts,
                        error=error)
    log.info(
        "%s (%s): sync run %d %s in %.1fs: %s written in %d pages, %d deleted, %d skipped; "
        "%d API calls, %d retries after waiting %.1fs%s",
        result.org.name, result.org.org_id, result.run_id, status,
        (at - result.started_at).total_seconds(), _written(result.counts),
        result.counts.get("pages", 0), result.counts.get("deleted", 0),
        result.counts.get("skipped", 0), result.calls, result.retries, result.waited_seconds,
        f": {error}" if error else "",
    )


WRITTEN_KINDS = ("customers", "invoices", "credits", "allocations")  # as upsert_records counts


def _written(counts: dict[str, int]) -> str:
    """``3 customers, 12 invoices, 0 credits, 5 allocations``: rows written per kind."""
    return ", ".join(f"{counts.get(kind, 0)} {kind}" for kind in WRITTEN_KINDS)


def _mode(
    streams: Sequence[str], states: dict[str, dict[str, Any]], pending: Sequence[str], *,
    full: bool,
) -> str:
    """How a sync reads, for the log: ``full (first sync)`` (no stream synced yet: every open
    document), ``full`` (``--full``: what changed, then every open document), ``open-set
    re-read (Invoices, ...)`` (what changed, then those streams' open documents again: the
    daily re-read, or one an interrupted sync left) or ``incremental`` (what changed)."""
    if not any(stream in states for stream in streams):
        return "full (first sync)"
    if full:
        return "full"
    if pending:
        return f"open-set re-read ({', '.join(pending)})"
    return "incremental"
