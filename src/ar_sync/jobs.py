"""The jobs: what the CLI, the demo and (later) the scheduler run, one function each.

Each job takes the open ``Store``, the ``Settings`` and plain arguments: org ids, dates, flags
and numbers (``connect`` takes what ``ar-sync connect`` was given as ``ConnectOptions``). The
scheduled ones (``sync_org``, ``snapshot_org``, and later plan, push,
statements, backfill) take only JSON-able ones, so a scheduler or a task queue can store the
call as data (job ids such as ``sync:{org_id}``). Nothing here reads the clock: the caller
passes ``now``: a callable where a job takes time (a sync and its lock's heartbeat, a connect
waiting for the user), else the instant itself. A job chains the stages of one step:

- ``connect``: the OAuth flow (``ar_sync.connect``), then the orgs it granted are saved and the
  vault entries of the connections they replace are deleted;
- ``sync_org``: the org's run lock, the sync (``ar_sync.sync.engine``), then ``snapshot_org``;
- ``snapshot_org``: the aging for the org's today stored as a snapshot (``ar_sync.aging``);
- ``age_org``, ``reconcile_org``, ``org_rows``: the reads behind ``aging``, ``reconcile`` and
  ``orgs``; the first two age at a given date or the org's today, and refuse a date the store
  cannot answer for (``age_org`` ages a past date from the org's history, keeping month ends);
- ``customer_measures_org``, ``month_measures_org``: the reads behind ``customers`` and ``dso``,
  from the org's history (``ar_sync.aging.history``).

The interactive callers may hand a job hooks a scheduler never passes: ``echo`` and ``progress``
to show what happens, ``on_retry`` to see each retry, and ``connector``, an org's open connector
to use and leave open (the demo syncs and reconciles with one connector per org, which saves an
OAuth discovery read).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from ar_sync.aging.history import (
    check_history,
    org_customer_measures,
    org_month_measures,
    past_aging,
)
from ar_sync.aging.measures import month_end
from ar_sync.aging.reconcile import DEFAULT_SAMPLE, Reconciliation, customers_to_check, reconcile
from ar_sync.aging.snapshots import aging_for, check_as_of
from ar_sync.clock import local_date
from ar_sync.connect.orgs import match_customer, open_connector, vault_for
from ar_sync.connector import CallAllowance, ConnectOptions, Connector, load_plugin
from ar_sync.domain import (
    Basis,
    Org,
    OrgAging,
    OrgCustomerMeasures,
    OrgMonthMeasures,
    OrgRow,
    Scheme,
)
from ar_sync.errors import ConfigError
from ar_sync.settings import Settings
from ar_sync.store import Store
from ar_sync.store.history import history_since
from ar_sync.store.locks import run_lock
from ar_sync.store.orgs import get_org, list_orgs, require_org, save_org
from ar_sync.store.receivables import customer_names
from ar_sync.store.records import load_customers
from ar_sync.store.runs import RunStatus, last_sync_run
from ar_sync.store.snapshots import load_snapshot, save_snapshot, snapshot_follows_runs
from ar_sync.sync import engine
from ar_sync.sync.engine import SyncProgress, SyncResult
from ar_sync.sync.history import calls_for, day_budget, since_instant, window_start

log = logging.getLogger("ar_sync.jobs")

NO_RUN = 0  # a sync run id no run has (ids start at 1): ``besides`` that leaves none out

if TYPE_CHECKING:  # a type only: the reads (``aging``, ``orgs``) start without tenacity
    from ar_sync.sync.retry import RetryNotice

# --- connect -----------------------------------------------------------------------------------


def connect(
    store: Store,
    settings: Settings,
    platform: str,
    options: ConnectOptions,
    *,
    now: Callable[[], datetime],
    echo: Callable[[str], Any],
) -> list[Org]:
    """Authorize ar-sync on ``platform`` with ``options`` and keep every org granted; returns
    them. The flow's calls are bounded by ``settings.timeouts`` (whatever ``options`` says).

    The flow talks to the user through ``echo`` (the authorization address, what to paste); the
    tokens go to the org's vault (``ar_sync.connect.orgs.vault_for``). The orgs are then saved,
    stamped ``now()`` once the user has approved, and the vault entry of each connection no org
    uses any more (an org connected again gets a new connection) is deleted.
    """
    plugin = load_plugin(platform)
    vault = vault_for(None, settings, sandbox=options.sandbox_url is not None, store=store)
    options = replace(options, timeouts=settings.timeouts)
    orgs = plugin.connect(options, vault, echo=echo)
    saved_at = now()
    with store.transaction() as tx:
        replaced = {org.org_id: org.connection_id for org in list_orgs(tx)}
        for org in orgs:
            save_org(tx, org, now=saved_at)
        still_used = {org.connection_id for org in list_orgs(tx)}
        unused = [
            (get_org(tx, org_id), connection_id)
            for org_id, connection_id in replaced.items()
            if connection_id not in still_used
        ]
    # After the commit: a database vault writes in a transaction of its own.
    for org, connection_id in unused:
        vault_for(org, settings, store=store).delete(connection_id)
    return orgs


# --- sync and snapshot -------------------------------------------------------------------------


def sync_org(
    store: Store,
    settings: Settings,
    org_id: str,
    *,
    now: Callable[[], datetime],
    full: bool = False,
    wait: float | None = None,
    progress: SyncProgress | None = None,
    on_retry: Callable[[RetryNotice], None] | None = None,
    connector: Connector | None = None,
) -> SyncResult:
    """Sync one org, then store its aging snapshot, holding the org's run lock throughout.

    The snapshot is skipped when it could not differ from the one already kept for the org's
    today: the sync wrote and deleted nothing, and that snapshot was made after the previous
    run that may have written ended (runs since that wrote nothing kept it too:
    ``_snapshot_is_current``). At 100,000 open documents this is what keeps a sync
    with nothing new near its ledger calls alone.

    ``wait``: seconds to wait for another run of the org to end (None: ``OrgBusy`` at once); the
    lock is taken before the first ledger call, so a busy org costs none. ``full`` also re-reads
    every open document; the daily open-set re-read follows ``settings.open_set_every``.
    """
    with store.reading() as tx:
        org = require_org(tx, org_id)
    with _connector(org, settings, store, connector) as opened:
        if on_retry is not None:
            opened.stats.on_retry = on_retry
        with run_lock(store, org.org_id, now=now, wait=wait, label=f"{org.name} ({org.org_id})"):
            result = engine.sync_org(
                store, opened, now=now, progress=progress, full=full,
                refresh_every=settings.open_set_every,
                history_from=_history_window(org, settings, now()),
            )
            moment = now()
            if not _snapshot_is_current(store, org, result, now=moment):
                snapshot_org(store, org.org_id, now=moment)
    return result


def _history_window(org: Org, settings: Settings, now: datetime) -> date | None:
    """The first day of the month ``settings.history_months`` before the org's today (None:
    no history kept)."""
    if settings.history_months <= 0:
        return None
    return window_start(local_date(now, org.timezone), settings.history_months)


_CHANGES = (*engine.WRITTEN_KINDS, "deleted")  # a run's counts of what it wrote or deleted


def _snapshot_is_current(store: Store, org: Org, result: SyncResult, *, now: datetime) -> bool:
    """Whether the default snapshot of ``org``'s today (at ``now``) already holds what a new
    one would: ``result`` wrote and deleted nothing, and that day's snapshot follows every
    earlier run that did not end ``ok`` having written nothing
    (``store.snapshots.snapshot_follows_runs``)."""
    if result.status != RunStatus.OK:
        return False
    if any(result.counts.get(count, 0) for count in _CHANGES):
        return False
    with store.reading() as tx:
        current = snapshot_follows_runs(
            tx, org.org_id, local_date(now, org.timezone), Basis.DUE, Scheme.DAYS,
            besides=result.run_id, changes=_CHANGES,
        )
    if current:
        log.debug("%s: nothing changed since the snapshot of %s; kept", org.name,
                  local_date(now, org.timezone).isoformat())
    return current


def snapshot_org(store: Store, org_id: str, *, now: datetime) -> OrgAging:
    """Store the default aging (days, due date) of ``org_id`` for its today, the calendar day
    of ``now`` in the org's timezone, replacing that day's; returns it."""
    with store.reading() as tx:
        org = require_org(tx, org_id)
        aging = aging_for(tx, org, as_of=local_date(now, org.timezone))
    with store.transaction() as tx:
        save_snapshot(tx, org.org_id, aging.report, created_at=now)
    return aging


# --- reads ---------------------------------------------------------------------------------------


def age_org(
    store: Store,
    org_id: str,
    *,
    as_of: date | None = None,
    now: datetime | None = None,
    basis: Basis = Basis.DUE,
    scheme: Scheme = Scheme.DAYS,
) -> OrgAging:
    """``org_id``'s aging from the store at ``as_of`` (None: the org's today at ``now``, see
    ``_day``); ``ConfigError`` when the store cannot answer for that day.

    A day before the org's today (``now`` given) is aged from the org's history
    (``ar_sync.aging.history``) when it has one: refused before ``history_since``, and a month
    end's aging is stored and reused (``_past_aging``). Otherwise (today, a later day, or an org
    without history) the synced books are aged as they are now: refused when never synced, and
    a day before the latest sync is refused saying how to get history."""
    with store.reading() as tx:
        org = require_org(tx, org_id)
        day = _day(org, as_of, now)
        past = now is not None and day < local_date(now, org.timezone)
        if now is None or not past or history_since(tx, org.org_id) is None:
            last = last_sync_run(tx, org.org_id)
            if past and last is not None and last.finished_at is not None and (
                day < local_date(last.finished_at, org.timezone)
            ):
                check_history(tx, org, day)  # no history: refused, saying how to get it
            check_as_of(tx, org, day)
            return _current_aging(tx, org, day, basis, scheme)
    return _past_aging(store, org, day, basis=basis, scheme=scheme, now=now)


def _current_aging(
    tx: Connection, org: Org, day: date, basis: Basis = Basis.DUE, scheme: Scheme = Scheme.DAYS
) -> OrgAging:
    """``org``'s synced books aged at ``day``: the snapshot kept for that day when it is still
    current (``_kept_snapshot``), else every document aged from the store's columns."""
    kept = _kept_snapshot(tx, org, day, basis, scheme, changes=_CHANGES)
    if kept is not None:
        return kept
    return aging_for(tx, org, as_of=day, basis=basis, scheme=scheme)


def _kept_snapshot(
    tx: Connection, org: Org, day: date, basis: Basis, scheme: Scheme,
    *, changes: Sequence[str] = (),
) -> OrgAging | None:
    """The stored snapshot of ``org`` at ``day`` (that basis and scheme) when no sync run could
    have written records since it was made (``snapshot_follows_runs``; ``changes``: runs that
    ended ok writing none of these counts are passed over), else None. The sync job stores
    today's after every sync, so a plain ``aging`` reads it instead of ageing every document
    again; it holds exactly what ageing the same records would give."""
    if not snapshot_follows_runs(tx, org.org_id, day, basis, scheme, besides=NO_RUN,
                                 changes=changes):
        return None
    report = load_snapshot(tx, org.org_id, day, basis, scheme)
    if report is None:
        return None
    log.debug("%s: the stored snapshot of %s reused", org.name, day.isoformat())
    return OrgAging(
        org_id=org.org_id, name=org.name, platform=org.platform,
        base_currency=org.base_currency, report=report,
        customer_names=customer_names(tx, org.org_id),
    )


def _past_aging(
    store: Store, org: Org, day: date, *, basis: Basis, scheme: Scheme, now: datetime
) -> OrgAging:
    """``org``'s aging at the past ``day`` from its history. A month end's is kept as a
    snapshot (``aging_snapshots`` by as_of, basis and scheme, stamped ``now``) and reused while
    no sync run has ended since it was made (``snapshot_follows_runs``: only runs write records,
    and runs of an org never overlap); any other day is computed each time."""
    at_month_end = day == month_end(day)
    with store.reading() as tx:
        check_history(tx, org, day)
        kept = _kept_snapshot(tx, org, day, basis, scheme) if at_month_end else None
        if kept is not None:
            return kept
        aging = past_aging(tx, org, as_of=day, basis=basis, scheme=scheme)
    if at_month_end:
        with store.transaction() as tx:
            save_snapshot(tx, org.org_id, aging.report, created_at=now)
    return aging


def reconcile_org(
    store: Store,
    settings: Settings,
    org_id: str,
    *,
    as_of: date | None = None,
    now: datetime | None = None,
    customers: Sequence[str] = (),
    sample: int = DEFAULT_SAMPLE,
    connector: Connector | None = None,
) -> Reconciliation:
    """Compare ``org_id``'s aging at ``as_of`` (None: the org's today at ``now``) with the
    ledger's own figures at that date: the org's total, and one by one the ``customers`` named
    (ids or names) and the ``sample`` largest balances. A past date is aged from the org's
    history and refused as ``age_org`` refuses it. Reads the ledger; changes nothing."""
    aging = age_org(store, org_id, as_of=as_of, now=now)
    with store.reading() as tx:
        org = require_org(tx, org_id)
        named = [match_customer(load_customers(tx, org_id), query).customer_id
                 for query in customers]
    with _connector(org, settings, store, connector) as opened:
        return reconcile(opened, aging, customers_to_check(aging, named, sample=sample))


def org_rows(store: Store, *, now: datetime) -> list[OrgRow]:
    """Every connected org with its latest successful sync and, once a sync has finished, its
    open receivables at its today (the calendar day of ``now`` in its timezone; the day's kept
    snapshot when current, as ``age_org`` reads it)."""
    rows = []
    with store.reading() as tx:
        for org in list_orgs(tx):
            last = last_sync_run(tx, org.org_id)
            # Before a first sync finishes the store holds part of the books: no figure beats a
            # wrong one (``aging`` refuses such an org too).
            total = (
                _current_aging(tx, org, local_date(now, org.timezone)).report.total
                if last
                else None
            )
            rows.append(
                OrgRow(
                    org_id=org.org_id,
                    name=org.name,
                    platform=org.platform,
                    base_currency=org.base_currency,
                    timezone=org.timezone,
                    sandbox=org.api_url is not None,
                    last_sync=last.finished_at if last else None,
                    open_ar=total,
                )
            )
    return rows


# --- history measures (``ar-sync customers``, ``ar-sync dso``) ---------------------------------


def customer_measures_org(
    store: Store, org_id: str, *, as_of: date | None = None, now: datetime | None = None
) -> OrgCustomerMeasures:
    """Every customer's payment record at ``as_of`` (None: the org's today at ``now``) from
    the org's history (``ar_sync.aging.history.org_customer_measures``); ``ConfigError``
    without history or before it."""
    with store.reading() as tx:
        org = require_org(tx, org_id)
        return org_customer_measures(tx, org, as_of=_day(org, as_of, now))


def month_measures_org(
    store: Store, org_id: str, *, now: datetime, months: int = 12
) -> OrgMonthMeasures:
    """The org's measures for each of the ``months`` calendar months that ended before its
    today at ``now``, oldest first, inside its history
    (``ar_sync.aging.history.org_month_measures``); ``ConfigError`` without history."""
    with store.reading() as tx:
        org = require_org(tx, org_id)
        return org_month_measures(tx, org, today=local_date(now, org.timezone), months=months)


# --- helpers -----------------------------------------------------------------------------------


def _day(org: Org, as_of: date | None, now: datetime | None) -> date:
    """``as_of``, else the org's today: the calendar day of ``now`` in its timezone."""
    if as_of is not None:
        return as_of
    if now is None:
        raise ValueError("give as_of or now")
    return local_date(now, org.timezone)


@contextmanager
def _connector(
    org: Org, settings: Settings, store: Store, connector: Connector | None
) -> Iterator[Connector]:
    """``connector`` as given (left open), or the org's own, opened and closed here."""
    if connector is not None:
        yield connector
        return
    opened = open_connector(org, settings, store=store)
    try:
        yield opened
    finally:
        opened.close()


# --- backfill ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class BackfillEstimate:
    """What ``backfill --since`` would read: ``streams`` as (stream, documents, list calls),
    the org's ``allowance``, and ``counting_calls`` (what this estimate itself cost)."""

    org: Org
    since: date
    streams: tuple[tuple[str, int, int], ...]
    allowance: CallAllowance
    counting_calls: int

    @property
    def calls(self) -> int:
        return sum(calls for _, _, calls in self.streams)

    @property
    def minutes(self) -> int:
        """Whole minutes the per-minute limit makes the calls take (at least 1)."""
        return max(1, -(-self.calls // self.allowance.per_minute))

    @property
    def days(self) -> int:
        """Days the calls spread over under the daily budget (``sync.history.day_budget``)."""
        budget = day_budget(self.allowance.per_day)
        return 1 if budget is None else max(1, -(-self.calls // budget))


def _check_since(org: Org, since: date, now: datetime) -> None:
    """``ConfigError`` for a backfill date after the org's today."""
    today = local_date(now, org.timezone)
    if since > today:
        raise ConfigError(
            f"--since {since.isoformat()} is after {org.name}'s today ({today.isoformat()}): "
            "give a past date"
        )


def estimate_backfill(
    store: Store,
    settings: Settings,
    org_id: str,
    *,
    since: date,
    now: datetime,
    connector: Connector | None = None,
) -> BackfillEstimate:
    """Count, without reading any document, what ``backfill_org`` from ``since`` would read:
    one counting call per document stream. ``ConfigError`` for a date after the org's today."""
    with store.reading() as tx:
        org = require_org(tx, org_id)
    _check_since(org, since, now)
    with _connector(org, settings, store, connector) as opened:
        before = opened.stats.total
        moment = since_instant(since, org.timezone)
        streams = []
        for stream in opened.history_streams:
            documents = opened.history_count(stream, moment)
            streams.append((stream, documents, calls_for(documents, opened.page_size)))
        return BackfillEstimate(
            org=org, since=since, streams=tuple(streams), allowance=opened.allowance,
            counting_calls=opened.stats.total - before,
        )


def backfill_org(
    store: Store,
    settings: Settings,
    org_id: str,
    *,
    since: date,
    now: Callable[[], datetime],
    wait: float | None = None,
    progress: SyncProgress | None = None,
    on_retry: Callable[[RetryNotice], None] | None = None,
    connector: Connector | None = None,
) -> SyncResult:
    """Read every document changed since ``since`` (the org's calendar date) into the store,
    under the org's run lock, resumably: a run killed or stopped goes on from its last
    committed page when called again with the same date. Where the ledger caps calls a day,
    the run stops at the day's budget (``sync.history.day_budget``) with
    ``counts["history_stopped"] == 1``. The snapshot of the org's today follows, as after a
    sync. ``ConfigError`` for a date after the org's today, or an org never synced (the
    history is complete only beside the open documents a sync reads)."""
    with store.reading() as tx:
        org = require_org(tx, org_id)
        synced = last_sync_run(tx, org_id) is not None
    _check_since(org, since, now())
    if not synced:  # the history is complete only beside the open documents a sync reads
        raise ConfigError(
            f"{org.name} was never synced: run `ar-sync sync --org {org.org_id}` first"
        )
    with _connector(org, settings, store, connector) as opened:
        if on_retry is not None:
            opened.stats.on_retry = on_retry
        with run_lock(store, org.org_id, now=now, wait=wait, label=f"{org.name} ({org.org_id})"):
            result = engine.sync_org(
                store, opened, now=now, progress=progress, history_from=since, backfill=True,
                call_budget=day_budget(opened.allowance.per_day),
            )
            moment = now()
            if not _snapshot_is_current(store, org, result, now=moment):
                snapshot_org(store, org.org_id, now=moment)
    return result
