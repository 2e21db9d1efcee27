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
  cannot answer for.

The interactive callers may hand a job hooks a scheduler never passes: ``echo`` and ``progress``
to show what happens, ``on_retry`` to see each retry, and ``connector``, an org's open connector
to use and leave open (the demo syncs and reconciles with one connector per org, which saves an
OAuth discovery read).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from ar_sync.aging.reconcile import DEFAULT_SAMPLE, Reconciliation, customers_to_check, reconcile
from ar_sync.aging.snapshots import aging_for, check_as_of
from ar_sync.clock import local_date
from ar_sync.connect.orgs import match_customer, open_connector, vault_for
from ar_sync.connector import ConnectOptions, Connector, load_plugin
from ar_sync.domain import Basis, Org, OrgAging, OrgRow, Scheme
from ar_sync.errors import ConfigError
from ar_sync.settings import Settings
from ar_sync.store import Store
from ar_sync.store.locks import run_lock
from ar_sync.store.orgs import get_org, list_orgs, save_org
from ar_sync.store.records import load_customers
from ar_sync.store.runs import RunStatus, last_sync_run
from ar_sync.store.snapshots import save_snapshot, snapshot_follows_runs
from ar_sync.sync import engine
from ar_sync.sync.engine import SyncProgress, SyncResult

log = logging.getLogger("ar_sync.jobs")

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
    run ended (``_snapshot_is_current``). At 100,000 open documents this is what keeps a sync
    with nothing new near its ledger calls alone.

    ``wait``: seconds to wait for another run of the org to end (None: ``OrgBusy`` at once); the
    lock is taken before the first ledger call, so a busy org costs none. ``full`` also re-reads
    every open document; the daily open-set re-read follows ``settings.open_set_every``.
    """
    with store.reading() as tx:
        org = _stored_org(tx, org_id)
    with _connector(org, settings, store, connector) as opened:
        if on_retry is not None:
            opened.stats.on_retry = on_retry
        with run_lock(store, org.org_id, now=now, wait=wait, label=f"{org.name} ({org.org_id})"):
            result = engine.sync_org(
                store, opened, now=now, progress=progress, full=full,
                refresh_every=settings.open_set_every,
            )
            moment = now()
            if not _snapshot_is_current(store, org, result, now=moment):
                snapshot_org(store, org.org_id, now=moment)
    return result


def _snapshot_is_current(store: Store, org: Org, result: SyncResult, *, now: datetime) -> bool:
    """Whether the default snapshot of ``org``'s today (at ``now``) already holds what a new
    one would: ``result`` wrote and deleted nothing, and that day's snapshot follows every
    earlier run (``store.snapshots.snapshot_follows_runs``)."""
    if result.status != RunStatus.OK:
        return False
    changed = sum(result.counts.get(kind, 0) for kind in engine.WRITTEN_KINDS)
    if changed or result.counts.get("deleted", 0):
        return False
    with store.reading() as tx:
        current = snapshot_follows_runs(
            tx, org.org_id, local_date(now, org.timezone), Basis.DUE, Scheme.DAYS,
            besides=result.run_id,
        )
    if current:
        log.debug("%s: nothing changed since the snapshot of %s; kept", org.name,
                  local_date(now, org.timezone).isoformat())
    return current


def snapshot_org(store: Store, org_id: str, *, now: datetime) -> OrgAging:
    """Store the default aging (days, due date) of ``org_id`` for its today, the calendar day
    of ``now`` in the org's timezone, replacing that day's; returns it."""
    with store.reading() as tx:
        org = _stored_org(tx, org_id)
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
    ``_day``); ``ConfigError`` when the store cannot answer for that day (never synced, or a day
    before the latest sync)."""
    with store.reading() as tx:
        org = _stored_org(tx, org_id)
        day = _day(org, as_of, now)
        check_as_of(tx, org, day)
        return aging_for(tx, org, as_of=day, basis=basis, scheme=scheme)


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
    ledger's own figures: the org's total, and one by one the ``customers`` named (ids or names)
    and the ``sample`` largest balances. Reads the ledger; changes nothing."""
    with store.reading() as tx:
        org = _stored_org(tx, org_id)
        day = _day(org, as_of, now)
        check_as_of(tx, org, day)
        aging = aging_for(tx, org, as_of=day)
        named = [match_customer(load_customers(tx, org_id), query).customer_id
                 for query in customers]
    with _connector(org, settings, store, connector) as opened:
        return reconcile(opened, aging, customers_to_check(aging, named, sample=sample))


def org_rows(store: Store, *, now: datetime) -> list[OrgRow]:
    """Every connected org with its latest successful sync and, once a sync has finished, its
    open receivables at its today (the calendar day of ``now`` in its timezone)."""
    rows = []
    with store.reading() as tx:
        for org in list_orgs(tx):
            last = last_sync_run(tx, org.org_id)
            # Before a first sync finishes the store holds part of the books: no figure beats a
            # wrong one (``aging`` refuses such an org too).
            total = (
                aging_for(tx, org, as_of=local_date(now, org.timezone)).report.total
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


# --- helpers -----------------------------------------------------------------------------------


def _stored_org(tx: Connection, org_id: str) -> Org:
    org = get_org(tx, org_id)
    if org is None:
        raise ConfigError(f"unknown org {org_id!r}: `ar-sync orgs` lists the connected ones")
    return org


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
