"""Aging an org from the store: its receivables read as columns and aged by
``ar_sync.aging.columns.age_columns`` (equal to the pure reference ``ar_sync.aging.age.age``).

The store holds each org's documents as of its latest sync, so an aging can be computed for that
day or later (projected), but not for an earlier day: that needs history, which comes with
backfill. ``check_as_of`` enforces this. Both functions read through ``tx``
(``Store.reading()``); the snapshot job (``ar_sync.jobs.snapshot_org``) stores what
``aging_for`` computes.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from ar_sync.clock import local_date
from ar_sync.domain import Basis, Org, OrgAging, Scheme
from ar_sync.errors import ConfigError
from ar_sync.store.receivables import customer_names, receivable_batches
from ar_sync.store.runs import last_sync_run

if TYPE_CHECKING:
    from ar_sync.aging.columns import AgingColumns


def load_columns(tx: Connection, org: Org) -> AgingColumns:
    """``org``'s stored receivables as aging columns: one SELECT, read a batch of rows at a
    time into arrays (no domain records or aging items built on the way). numpy is imported
    here, when an aging is made: a sync with nothing new makes none and starts without it."""
    from ar_sync.aging.columns import RECEIVABLE_CREDIT_KINDS, columns_from_batches

    batches = receivable_batches(tx, org.org_id, credit_kinds=RECEIVABLE_CREDIT_KINDS)
    return columns_from_batches(batches, base_currency=org.base_currency)


def aging_for(
    tx: Connection,
    org: Org,
    *,
    as_of: date,
    basis: Basis = Basis.DUE,
    scheme: Scheme = Scheme.DAYS,
) -> OrgAging:
    """Age ``org``'s stored receivables at ``as_of``, with customer names for display.

    Aged from columns (``ar_sync.aging.columns``), equal to ``age(receivables(...))`` on the
    same documents to the cent."""
    from ar_sync.aging.columns import age_columns

    report = age_columns(load_columns(tx, org), as_of=as_of, basis=basis, scheme=scheme)
    names = customer_names(tx, org.org_id)
    return OrgAging(
        org_id=org.org_id,
        name=org.name,
        platform=org.platform,
        base_currency=org.base_currency,
        report=report,
        customer_names=names,
    )


def check_as_of(tx: Connection, org: Org, as_of: date) -> None:
    """Refuse an ``as_of`` the store cannot answer: never synced, or before the latest sync."""
    last = last_sync_run(tx, org.org_id)
    if last is None or last.finished_at is None:
        raise ConfigError(f"{org.name} has never been synced; run `ar-sync sync --org {org.org_id}`")
    synced_on = local_date(last.finished_at, org.timezone)
    if as_of < synced_on:
        raise ConfigError(
            f"--as-of {as_of.isoformat()} is before {org.name}'s latest sync "
            f"({synced_on.isoformat()}); the store only knows the books as of then "
            "(an earlier date needs history: AR_SYNC_HISTORY_MONTHS or `ar-sync backfill`)"
        )
