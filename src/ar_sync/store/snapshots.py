"""Stored aging reports (``aging_snapshots`` and their lines): history without the ledger.

An aging snapshot is an ``AgingReport`` (``ar_sync.domain``) kept under its org, as_of, basis and
scheme; loading it gives back a report equal to the one saved. Every function takes ``tx``
(``Store.transaction()`` to write, ``Store.reading()`` to read) and never commits; the store
computes no aging (``ar_sync.aging`` does, and its jobs save the result here).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Connection, delete, select

from ar_sync.domain import AgingReport, Basis, CustomerAging, Scheme
from ar_sync.store.bulk import upsert
from ar_sync.store.runs import RunStatus
from ar_sync.store.tables import aging_snapshot_lines, aging_snapshots, sync_runs


class SnapshotSummary(NamedTuple):
    """A stored aging snapshot: its key and its total in base currency."""

    as_of: date
    basis: Basis
    scheme: Scheme
    total: Decimal


# Lines are one per (customer, currency, bucket):
#
# - the line whose currency is the org's base currency carries ``base_amount`` = the customer's
#   whole bucket in base currency (``CustomerAging.buckets``: every currency converted), and
#   ``amount`` = the customer's base-currency documents in that bucket
#   (``by_currency[base][bucket]``, NULL when the customer has no base-currency documents);
# - lines in a foreign currency carry ``amount`` = ``by_currency[currency][bucket]`` and
#   ``base_amount`` NULL: the report does not split base amounts by currency, so neither do we.
#
# ``CustomerAging.total`` is not stored; it is the sum of the customer's base buckets. The
# report's bucket order and totals are kept on the snapshot row.


def save_snapshot(
    tx: Connection, org_id: str, report: AgingReport, *, created_at: datetime
) -> int:
    """Store ``report`` for ``org_id``, replacing any snapshot with the same as_of, basis and
    scheme; returns the snapshot id."""
    tx.execute(
        delete(aging_snapshots).where(
            aging_snapshots.c.org_id == org_id,
            aging_snapshots.c.as_of == report.as_of,
            aging_snapshots.c.basis == Basis(report.basis).value,
            aging_snapshots.c.scheme == Scheme(report.scheme).value,
        )
    )
    # Lines go explicitly too: not every connection enforces the cascade (SQLite without the
    # foreign_keys pragma), and a stale line would corrupt the next snapshot with the same id.
    snapshot_id = tx.execute(
        aging_snapshots.insert().values(
            org_id=org_id,
            as_of=report.as_of,
            basis=Basis(report.basis).value,
            scheme=Scheme(report.scheme).value,
            base_currency=report.base_currency,
            buckets=list(report.bucket_names),
            totals={name: str(amount) for name, amount in report.totals.items()},
            total=report.total,
            created_at=created_at,
        )
    ).inserted_primary_key[0]
    tx.execute(
        delete(aging_snapshot_lines).where(aging_snapshot_lines.c.snapshot_id == snapshot_id)
    )
    base = report.base_currency
    lines: list[dict[str, Any]] = []
    for customer in report.customers:
        base_docs = customer.by_currency.get(base, {})
        for bucket, base_amount in customer.buckets.items():
            lines.append(
                {
                    "snapshot_id": snapshot_id,
                    "customer_id": customer.customer_id,
                    "currency": base,
                    "bucket": bucket,
                    "amount": base_docs.get(bucket),
                    "base_amount": base_amount,
                }
            )
        for bucket in base_docs.keys() - customer.buckets.keys():
            lines.append(
                {
                    "snapshot_id": snapshot_id,
                    "customer_id": customer.customer_id,
                    "currency": base,
                    "bucket": bucket,
                    "amount": base_docs[bucket],
                    "base_amount": None,
                }
            )
        for currency, amounts in customer.by_currency.items():
            if currency == base:
                continue
            for bucket, amount in amounts.items():
                lines.append(
                    {
                        "snapshot_id": snapshot_id,
                        "customer_id": customer.customer_id,
                        "currency": currency,
                        "bucket": bucket,
                        "amount": amount,
                        "base_amount": None,
                    }
                )
    upsert(tx, aging_snapshot_lines, lines)  # one executemany, values converted once
    return int(snapshot_id)


def load_snapshot(
    tx: Connection, org_id: str, as_of: date, basis: Basis | str, scheme: Scheme | str
) -> AgingReport | None:
    """The stored report for that key, equal to the one saved; None if there is none."""
    head = tx.execute(
        select(aging_snapshots).where(
            aging_snapshots.c.org_id == org_id,
            aging_snapshots.c.as_of == as_of,
            aging_snapshots.c.basis == Basis(basis).value,
            aging_snapshots.c.scheme == Scheme(scheme).value,
        )
    ).first()
    if head is None:
        return None
    names: list[str] = list(head.buckets)
    order = {name: i for i, name in enumerate(names)}

    def bucket_key(bucket: str) -> tuple[int, str]:
        return (order.get(bucket, len(order)), bucket)

    base = head.base_currency
    per_customer: dict[str, list[Any]] = {}
    lines = select(aging_snapshot_lines).where(aging_snapshot_lines.c.snapshot_id == head.id)
    for line in tx.execute(lines):
        per_customer.setdefault(line.customer_id, []).append(line)
    customers_out = []
    for customer_id in sorted(per_customer):
        rows = sorted(per_customer[customer_id], key=lambda r: bucket_key(r.bucket))
        buckets = {
            r.bucket: r.base_amount
            for r in rows
            if r.currency == base and r.base_amount is not None
        }
        by_currency: dict[str, dict[str, Decimal]] = {}
        for r in sorted(rows, key=lambda r: (r.currency != base, r.currency)):
            if r.amount is not None:
                by_currency.setdefault(r.currency, {})[r.bucket] = r.amount
        for amounts in by_currency.values():
            ordered = sorted(amounts.items(), key=lambda item: bucket_key(item[0]))
            amounts.clear()
            amounts.update(ordered)
        customers_out.append(
            CustomerAging(
                customer_id=customer_id,
                buckets=buckets,
                total=sum(buckets.values(), Decimal(0)),
                by_currency=by_currency,
            )
        )
    return AgingReport(
        as_of=head.as_of,
        basis=Basis(head.basis),
        scheme=Scheme(head.scheme),
        base_currency=base,
        bucket_names=tuple(names),
        customers=tuple(customers_out),
        totals={name: Decimal(value) for name, value in head.totals.items()},
        total=head.total,
    )


def snapshot_follows_runs(
    tx: Connection,
    org_id: str,
    as_of: date,
    basis: Basis | str,
    scheme: Scheme | str,
    *,
    besides: int,
    changes: Sequence[str] = (),
) -> bool:
    """Whether the snapshot for that key was made after the org's latest sync run other than
    run ``besides`` had ended: False when there is no such snapshot, or no such run, or that
    run never recorded its end (it died: what it wrote is not known).

    ``changes`` names the counts (``sync_runs.counts``) of what a run writes: a run that ended
    ``ok`` with each of them zero wrote nothing and is passed over, so a snapshot kept by such
    runs stays current through them (none: every run counts).

    Runs of an org never overlap (``ar_sync.store.locks``) and only runs write records, so a
    True here means the snapshot saw every record as they were when run ``besides`` began."""
    created = tx.execute(
        select(aging_snapshots.c.created_at).where(
            aging_snapshots.c.org_id == org_id,
            aging_snapshots.c.as_of == as_of,
            aging_snapshots.c.basis == Basis(basis).value,
            aging_snapshots.c.scheme == Scheme(scheme).value,
        )
    ).scalar()
    if created is None:
        return False
    runs = tx.execute(
        select(sync_runs.c.finished_at, sync_runs.c.status, sync_runs.c.counts)
        .where(sync_runs.c.org_id == org_id, sync_runs.c.id != besides)
        .order_by(sync_runs.c.started_at.desc(), sync_runs.c.id.desc())
    )
    for run in runs:  # latest first, until one ended before the snapshot or may have written
        if run.finished_at is not None and run.finished_at <= created:
            return True
        wrote = any(run.counts.get(count, 0) for count in changes)
        if not changes or wrote or run.status != RunStatus.OK.value:
            return False
    return False


def list_snapshots(tx: Connection, org_id: str) -> list[SnapshotSummary]:
    """An org's stored snapshots, oldest as_of first (then basis, scheme)."""
    query = select(
        aging_snapshots.c.as_of,
        aging_snapshots.c.basis,
        aging_snapshots.c.scheme,
        aging_snapshots.c.total,
    ).where(aging_snapshots.c.org_id == org_id)
    found = [
        SnapshotSummary(r.as_of, Basis(r.basis), Scheme(r.scheme), r.total)
        for r in tx.execute(query)
    ]
    return sorted(found, key=lambda s: (s.as_of, s.basis.value, s.scheme.value))
