"""Queries and upserts over one open connection.

Every function here takes a SQLAlchemy ``Connection`` that is already inside a transaction and
never commits: the caller (``Store``) decides the transaction's extent, which is what lets the
sync engine commit a page's records and its stream state together. ``Store`` exposes each of
these as a method; use those rather than calling this module directly.

Ordering: lists come back sorted in Python (by the documented key), not by ``ORDER BY`` on text,
because PostgreSQL's collation and SQLite's byte order disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import Connection, Table, and_, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ar_sync.aging import AgingReport, Basis, CustomerAging, Scheme
from ar_sync.domain import (
    Allocation,
    AllocationSource,
    Credit,
    CreditKind,
    Customer,
    DocumentStatus,
    Invoice,
    Org,
    RateQuote,
    Record,
)
from ar_sync.store.tables import (
    aging_snapshot_lines,
    aging_snapshots,
    allocations,
    credits,
    customers,
    invoices,
    orgs,
    stream_states,
    sync_runs,
)
from ar_sync.store.types import as_number

RECORD_KINDS = ("customer", "invoice", "credit")


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


class SnapshotSummary(NamedTuple):
    """A stored aging snapshot: its key and its total in base currency."""

    as_of: date
    basis: Basis
    scheme: Scheme
    total: Decimal


# --- bulk upsert -------------------------------------------------------------------------------

_IN_CHUNK = 500  # ids per ``IN (...)`` list (SQLite allows 999 variables before 3.32)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _upsert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """``INSERT ... ON CONFLICT (primary key) DO UPDATE`` of ``rows`` as one executemany.

    One single-row statement, compiled once (SQLAlchemy caches it), run by the driver's
    ``executemany``: sqlite3 steps one prepared statement, psycopg 3 pipelines it. Each
    execution binds one row, so SQLite's bound-variable limit never applies. (Rendering pages
    as one multi-row VALUES instead was 7x slower: compiling 13,000 bind parameters per page
    dominated.) Rows with the same key keep the last one, the newest version read.
    """
    if not rows:
        return
    key = [c.name for c in table.primary_key.columns]
    unique = list({tuple(row[k] for k in key): row for row in rows}.values())
    insert = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
    stmt = insert(table)
    updates = {c: stmt.excluded[c] for c in unique[0] if c not in key}
    conn.execute(stmt.on_conflict_do_update(index_elements=key, set_=updates), unique)


def _delete_in(conn: Connection, table: Table, where: Any, column: Any, ids: Sequence[str]) -> None:
    for chunk in _chunks(list(ids), _IN_CHUNK):
        conn.execute(delete(table).where(where, column.in_(chunk)))


# --- orgs --------------------------------------------------------------------------------------


def save_org(conn: Connection, org: Org, *, now: datetime) -> None:
    """Insert or update ``org``; ``created_at`` is kept from the first save."""
    row = {
        "org_id": org.org_id,
        "platform": org.platform,
        "tenant_id": org.tenant_id,
        "name": org.name,
        "base_currency": org.base_currency,
        "timezone": org.timezone,
        "connection_id": org.connection_id,
        "api_url": org.api_url,
        "created_at": now,
        "updated_at": now,
    }
    insert = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
    stmt = insert(orgs).values(row)
    updates = {c: stmt.excluded[c] for c in row if c not in ("org_id", "created_at")}
    conn.execute(stmt.on_conflict_do_update(index_elements=["org_id"], set_=updates))


def _org(row: Any) -> Org:
    return Org(
        org_id=row.org_id,
        platform=row.platform,
        tenant_id=row.tenant_id,
        name=row.name,
        base_currency=row.base_currency,
        timezone=row.timezone,
        connection_id=row.connection_id,
        api_url=row.api_url,
    )


def list_orgs(conn: Connection) -> list[Org]:
    """Every org, sorted by name (case-insensitively), then org_id."""
    found = [_org(row) for row in conn.execute(select(orgs))]
    return sorted(found, key=lambda o: (o.name.casefold(), o.name, o.org_id))


def get_org(conn: Connection, org_id: str) -> Org | None:
    """The org stored under ``org_id``, or None."""
    row = conn.execute(select(orgs).where(orgs.c.org_id == org_id)).first()
    return _org(row) if row is not None else None


def delete_org(conn: Connection, org_id: str) -> bool:
    """Remove an org and (by cascade) everything stored for it; False if it was not there."""
    return conn.execute(delete(orgs).where(orgs.c.org_id == org_id)).rowcount > 0


# --- records -----------------------------------------------------------------------------------


def _customer_row(c: Customer) -> dict[str, Any]:
    return {
        "org_id": c.org_id,
        "customer_id": c.customer_id,
        "name": c.name,
        "email": c.email,
        "is_active": c.is_active,
        "updated_at": c.updated_at,
    }


def _invoice_row(i: Invoice) -> dict[str, Any]:
    return {
        "org_id": i.org_id,
        "invoice_id": i.invoice_id,
        "customer_id": i.customer_id,
        "number": i.number,
        "status": DocumentStatus(i.status).value,
        "issue_date": i.issue_date,
        "due_date": i.due_date,
        "currency": i.currency,
        "fx_rate": i.fx_rate,
        "fx_quote": RateQuote(i.fx_quote).value,
        "total": i.total,
        "amount_due": i.amount_due,
        "updated_at": i.updated_at,
    }


def _credit_row(c: Credit) -> dict[str, Any]:
    return {
        "org_id": c.org_id,
        "credit_id": c.credit_id,
        "kind": CreditKind(c.kind).value,
        "customer_id": c.customer_id,
        "number": c.number,
        "status": DocumentStatus(c.status).value,
        "date": c.date,
        "currency": c.currency,
        "fx_rate": c.fx_rate,
        "fx_quote": RateQuote(c.fx_quote).value,
        "total": c.total,
        "remaining": c.remaining,
        "updated_at": c.updated_at,
    }


def _allocation_row(a: Allocation) -> dict[str, Any]:
    return {
        "org_id": a.org_id,
        "allocation_id": a.allocation_id,
        "invoice_id": a.invoice_id,
        "source": AllocationSource(a.source).value,
        "source_id": a.source_id,
        "amount": a.amount,
        "date": a.date,
    }


def _check_invoice_payments(invoice: Invoice) -> None:
    for a in invoice.payments or ():
        if (
            a.org_id != invoice.org_id
            or a.invoice_id != invoice.invoice_id
            or a.source != AllocationSource.PAYMENT
        ):
            raise ValueError(
                f"invoice {invoice.invoice_id}: payment {a.allocation_id} must be a "
                f"{AllocationSource.PAYMENT.value} allocation onto that invoice in org "
                f"{invoice.org_id} (got source={a.source}, invoice_id={a.invoice_id})"
            )


def _check_credit_allocations(credit: Credit) -> None:
    for a in credit.allocations:
        if (
            a.org_id != credit.org_id
            or a.source_id != credit.credit_id
            or a.source != AllocationSource(credit.kind.value)
        ):
            raise ValueError(
                f"credit {credit.credit_id}: allocation {a.allocation_id} must have "
                f"source={credit.kind.value} and source_id={credit.credit_id} in org "
                f"{credit.org_id} (got source={a.source}, source_id={a.source_id})"
            )


def _check_instant(value: datetime | None, what: str) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{what}: updated_at {value.isoformat()} is naive; use an aware UTC time")


def upsert_records(conn: Connection, records: Iterable[Record]) -> dict[str, int]:
    """Insert or update customers, invoices and credits; return how many of each were given.

    Allocations are owned by the document that reports them, and replaced with it:

    - an invoice replaces every ``payment`` allocation onto it with ``invoice.payments``, unless
      ``payments`` is None (its payments are ``PAYMENT`` credits, which own them);
    - a credit replaces every allocation of its kind whose ``source_id`` is the credit with
      ``credit.allocations``.

    A payment must have ``source == PAYMENT`` and the invoice's id; a credit's allocations must
    have ``source`` equal to its kind and ``source_id`` equal to its id (``ValueError`` naming
    the record otherwise). Idempotent: the same records twice leave the same rows. Records for
    several orgs may be mixed.
    """
    customer_rows: list[dict[str, Any]] = []
    invoice_rows: list[dict[str, Any]] = []
    credit_rows: list[dict[str, Any]] = []
    # The last version of a document in the batch wins, allocations included.
    invoice_allocs: dict[tuple[str, str], tuple[Allocation, ...]] = {}
    credit_allocs: dict[tuple[str, str, str], tuple[Allocation, ...]] = {}
    for record in records:
        if isinstance(record, Customer):
            _check_instant(record.updated_at, f"customer {record.customer_id}")
            customer_rows.append(_customer_row(record))
        elif isinstance(record, Invoice):
            _check_instant(record.updated_at, f"invoice {record.invoice_id}")
            _check_invoice_payments(record)
            invoice_rows.append(_invoice_row(record))
            if record.payments is not None:
                invoice_allocs[(record.org_id, record.invoice_id)] = record.payments
        elif isinstance(record, Credit):
            _check_instant(record.updated_at, f"credit {record.credit_id}")
            _check_credit_allocations(record)
            credit_rows.append(_credit_row(record))
            key = (record.org_id, record.credit_id, CreditKind(record.kind).value)
            credit_allocs[key] = record.allocations
        else:
            raise TypeError(f"cannot store a {type(record).__name__}")

    _upsert(conn, customers, customer_rows)
    _upsert(conn, invoices, invoice_rows)
    _upsert(conn, credits, credit_rows)

    by_org: dict[str, list[str]] = {}
    for org_id, invoice_id in invoice_allocs:
        by_org.setdefault(org_id, []).append(invoice_id)
    for org_id, ids in by_org.items():
        where = and_(
            allocations.c.org_id == org_id,
            allocations.c.source == AllocationSource.PAYMENT.value,
        )
        _delete_in(conn, allocations, where, allocations.c.invoice_id, ids)
    by_org_kind: dict[tuple[str, str], list[str]] = {}
    for org_id, credit_id, kind in credit_allocs:
        by_org_kind.setdefault((org_id, kind), []).append(credit_id)
    for (org_id, kind), ids in by_org_kind.items():
        where = and_(allocations.c.org_id == org_id, allocations.c.source == kind)
        _delete_in(conn, allocations, where, allocations.c.source_id, ids)
    alloc_rows = [
        _allocation_row(a)
        for group in (*invoice_allocs.values(), *credit_allocs.values())
        for a in group
    ]
    _upsert(conn, allocations, alloc_rows)
    return {
        "customers": len(customer_rows),
        "invoices": len(invoice_rows),
        "credits": len(credit_rows),
        "allocations": len(alloc_rows),
    }


def delete_records(
    conn: Connection, org_id: str, deleted: Iterable[tuple[str, str]]
) -> dict[str, int]:
    """Remove records by ``(kind, id)``; kind is ``customer``, ``invoice`` or ``credit``.

    An invoice takes every allocation onto it with it; a credit takes its own allocations
    (``source`` = its kind, ``source_id`` = its id). Unknown ids are ignored; an unknown kind is
    a ``ValueError``. Returns how many ids of each kind were given.
    """
    ids: dict[str, list[str]] = {kind: [] for kind in RECORD_KINDS}
    for kind, record_id in deleted:
        if kind not in ids:
            raise ValueError(f"cannot delete a {kind!r} (kinds: {', '.join(RECORD_KINDS)})")
        ids[kind].append(record_id)

    c_where = customers.c.org_id == org_id
    _delete_in(conn, customers, c_where, customers.c.customer_id, ids["customer"])

    a_where = allocations.c.org_id == org_id
    _delete_in(conn, allocations, a_where, allocations.c.invoice_id, ids["invoice"])
    _delete_in(conn, invoices, invoices.c.org_id == org_id, invoices.c.invoice_id, ids["invoice"])

    kinds: dict[str, str] = {}
    for chunk in _chunks(ids["credit"], _IN_CHUNK):
        query = select(credits.c.credit_id, credits.c.kind).where(
            credits.c.org_id == org_id, credits.c.credit_id.in_(chunk)
        )
        kinds.update({row.credit_id: row.kind for row in conn.execute(query)})
    for kind in sorted(set(kinds.values())):
        where = and_(a_where, allocations.c.source == kind)
        credit_ids = [cid for cid, k in kinds.items() if k == kind]
        _delete_in(conn, allocations, where, allocations.c.source_id, credit_ids)
    _delete_in(conn, credits, credits.c.org_id == org_id, credits.c.credit_id, ids["credit"])
    return {f"{kind}s": len(ids[kind]) for kind in RECORD_KINDS}


# --- stream state ------------------------------------------------------------------------------


def set_stream_state(
    conn: Connection, org_id: str, stream: str, state: Mapping[str, Any], *, now: datetime
) -> None:
    """Replace the stored state of ``stream`` (a JSON-able mapping)."""
    _upsert(
        conn,
        stream_states,
        [{"org_id": org_id, "stream": stream, "state": dict(state), "updated_at": now}],
    )


def get_stream_state(conn: Connection, org_id: str, stream: str) -> dict[str, Any] | None:
    """The stored state of ``stream``; None if it was never synced (or was cleared)."""
    query = select(stream_states.c.state).where(
        stream_states.c.org_id == org_id, stream_states.c.stream == stream
    )
    return conn.execute(query).scalar_one_or_none()


def get_stream_states(conn: Connection, org_id: str) -> dict[str, dict[str, Any]]:
    """Every stream's stored state for an org, by stream name."""
    query = select(stream_states.c.stream, stream_states.c.state).where(
        stream_states.c.org_id == org_id
    )
    return {row.stream: row.state for row in conn.execute(query)}


def delete_stream_state(conn: Connection, org_id: str, stream: str) -> bool:
    """Forget one stream's state; True if there was one."""
    query = delete(stream_states).where(
        stream_states.c.org_id == org_id, stream_states.c.stream == stream
    )
    return bool(conn.execute(query).rowcount)


def clear_stream_states(conn: Connection, org_id: str) -> int:
    """Forget every stream's state (the next sync reads everything); returns how many."""
    return conn.execute(delete(stream_states).where(stream_states.c.org_id == org_id)).rowcount


# --- sync runs ---------------------------------------------------------------------------------


def start_sync_run(conn: Connection, org_id: str, started_at: datetime) -> int:
    """Record a run as ``running``; returns its id."""
    result = conn.execute(
        sync_runs.insert().values(
            org_id=org_id, started_at=started_at, status=RunStatus.RUNNING.value, counts={}
        )
    )
    return int(result.inserted_primary_key[0])


def finish_sync_run(
    conn: Connection,
    run_id: int,
    *,
    finished_at: datetime,
    status: RunStatus | str,
    counts: Mapping[str, int],
    error: str | None,
) -> None:
    """Close a run with its outcome; ``KeyError`` if there is no such run."""
    result = conn.execute(
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
    conn: Connection, org_id: str, status: RunStatus | str | None = RunStatus.OK
) -> SyncRun | None:
    """The latest run (by ``started_at``, then id) with ``status``; any status if None."""
    query = select(sync_runs).where(sync_runs.c.org_id == org_id)
    if status is not None:
        query = query.where(sync_runs.c.status == RunStatus(status).value)
    query = query.order_by(sync_runs.c.started_at.desc(), sync_runs.c.id.desc()).limit(1)
    row = conn.execute(query).first()
    return _sync_run(row) if row is not None else None


def mark_running_runs_interrupted(
    conn: Connection, org_id: str, *, finished_at: datetime | None = None
) -> int:
    """Mark an org's runs still ``running`` as ``interrupted``; returns how many.

    Called when a sync starts: a run left ``running`` belongs to a process that died.
    ``finished_at`` stays NULL unless given (when it died is not known).
    """
    result = conn.execute(
        update(sync_runs)
        .where(sync_runs.c.org_id == org_id, sync_runs.c.status == RunStatus.RUNNING.value)
        .values(status=RunStatus.INTERRUPTED.value, finished_at=finished_at)
    )
    return result.rowcount


# --- reading for aging -------------------------------------------------------------------------


def _customer(row: Any) -> Customer:
    return Customer(
        org_id=row.org_id,
        customer_id=row.customer_id,
        name=row.name,
        email=row.email,
        is_active=bool(row.is_active),
        updated_at=row.updated_at,
    )


def _allocation(row: Any) -> Allocation:
    return Allocation(
        org_id=row.org_id,
        allocation_id=row.allocation_id,
        invoice_id=row.invoice_id,
        source=AllocationSource(row.source),
        source_id=row.source_id,
        amount=row.amount,
        date=row.date,
    )


def _invoice(row: Any, payments: tuple[Allocation, ...] = ()) -> Invoice:
    return Invoice(
        org_id=row.org_id,
        invoice_id=row.invoice_id,
        customer_id=row.customer_id,
        number=row.number,
        status=DocumentStatus(row.status),
        issue_date=row.issue_date,
        due_date=row.due_date,
        currency=row.currency,
        fx_rate=row.fx_rate,
        fx_quote=RateQuote(row.fx_quote),
        total=row.total,
        amount_due=row.amount_due,
        updated_at=row.updated_at,
        payments=payments,
    )


def _credit(row: Any, allocs: tuple[Allocation, ...] = ()) -> Credit:
    return Credit(
        org_id=row.org_id,
        credit_id=row.credit_id,
        kind=CreditKind(row.kind),
        customer_id=row.customer_id,
        number=row.number,
        status=DocumentStatus(row.status),
        date=row.date,
        currency=row.currency,
        fx_rate=row.fx_rate,
        fx_quote=RateQuote(row.fx_quote),
        total=row.total,
        remaining=row.remaining,
        updated_at=row.updated_at,
        allocations=allocs,
    )


def _alloc_order(a: Allocation) -> tuple[date, str]:
    return (a.date, a.allocation_id)


def load_customers(conn: Connection, org_id: str) -> list[Customer]:
    """Every customer of an org, sorted by customer_id."""
    rows = conn.execute(select(customers).where(customers.c.org_id == org_id))
    return sorted((_customer(r) for r in rows), key=lambda c: c.customer_id)


def load_invoices(
    conn: Connection, org_id: str, *, with_allocations: bool = False, open_only: bool = False
) -> list[Invoice]:
    """An org's invoices sorted by invoice_id.

    ``with_allocations``: fill ``payments`` (the ``payment`` allocations onto each invoice,
    sorted by date then allocation_id). ``open_only``: only receivables (``status == open`` and
    ``amount_due > 0``), filtered in SQL.
    """
    query = select(invoices).where(invoices.c.org_id == org_id)
    if open_only:
        query = query.where(
            invoices.c.status == DocumentStatus.OPEN.value, as_number(invoices.c.amount_due) > 0
        )
    rows = list(conn.execute(query))
    payments: dict[str, list[Allocation]] = {}
    if with_allocations:
        alloc_query = select(allocations).where(
            allocations.c.org_id == org_id,
            allocations.c.source == AllocationSource.PAYMENT.value,
        )
        for arow in conn.execute(alloc_query):
            payments.setdefault(arow.invoice_id, []).append(_allocation(arow))
    found = [
        _invoice(r, tuple(sorted(payments.get(r.invoice_id, ()), key=_alloc_order))) for r in rows
    ]
    return sorted(found, key=lambda i: i.invoice_id)


def load_credits(
    conn: Connection, org_id: str, *, with_allocations: bool = False, open_only: bool = False
) -> list[Credit]:
    """An org's credits sorted by credit_id.

    ``with_allocations``: fill ``allocations`` (this credit's applications: source = its kind,
    source_id = its id; sorted by date then allocation_id). ``open_only``: only those still
    reducing a balance (``status == open`` and ``remaining > 0``), filtered in SQL.
    """
    query = select(credits).where(credits.c.org_id == org_id)
    if open_only:
        query = query.where(
            credits.c.status == DocumentStatus.OPEN.value, as_number(credits.c.remaining) > 0
        )
    rows = list(conn.execute(query))
    allocs: dict[tuple[str, str], list[Allocation]] = {}
    if with_allocations:
        # A credit's own applications: payments onto invoices count only for credits of
        # kind ``payment`` (QuickBooks), whose id they carry as source_id.
        alloc_query = select(allocations).where(allocations.c.org_id == org_id)
        for arow in conn.execute(alloc_query):
            allocs.setdefault((arow.source, arow.source_id), []).append(_allocation(arow))
    found = [
        _credit(r, tuple(sorted(allocs.get((r.kind, r.credit_id), ()), key=_alloc_order)))
        for r in rows
    ]
    return sorted(found, key=lambda c: c.credit_id)


def load_receivables(conn: Connection, org_id: str) -> tuple[list[Invoice], list[Credit]]:
    """What aging needs: open invoices with ``amount_due > 0`` and open credits with
    ``remaining > 0`` (filtered in SQL), without allocations, sorted by id."""
    return (
        load_invoices(conn, org_id, open_only=True),
        load_credits(conn, org_id, open_only=True),
    )


def count_rows(conn: Connection, org_id: str) -> dict[str, int]:
    """How many customers, invoices, credits and allocations an org has."""
    counts = {}
    for name, table in (
        ("customers", customers),
        ("invoices", invoices),
        ("credits", credits),
        ("allocations", allocations),
    ):
        query = select(func.count()).select_from(table).where(table.c.org_id == org_id)
        counts[name] = int(conn.execute(query).scalar_one())
    return counts


# --- aging snapshots ---------------------------------------------------------------------------
#
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
    conn: Connection, org_id: str, report: AgingReport, *, created_at: datetime
) -> int:
    """Store ``report`` for ``org_id``, replacing any snapshot with the same as_of, basis and
    scheme; returns the snapshot id."""
    conn.execute(
        delete(aging_snapshots).where(
            aging_snapshots.c.org_id == org_id,
            aging_snapshots.c.as_of == report.as_of,
            aging_snapshots.c.basis == Basis(report.basis).value,
            aging_snapshots.c.scheme == Scheme(report.scheme).value,
        )
    )
    # Lines go explicitly too: not every connection enforces the cascade (SQLite without the
    # foreign_keys pragma), and a stale line would corrupt the next snapshot with the same id.
    snapshot_id = conn.execute(
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
    conn.execute(
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
    if lines:
        conn.execute(aging_snapshot_lines.insert(), lines)
    return int(snapshot_id)


def load_snapshot(
    conn: Connection, org_id: str, as_of: date, basis: Basis | str, scheme: Scheme | str
) -> AgingReport | None:
    """The stored report for that key, equal to the one saved; None if there is none."""
    head = conn.execute(
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
    for line in conn.execute(lines):
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


def list_snapshots(conn: Connection, org_id: str) -> list[SnapshotSummary]:
    """An org's stored snapshots, oldest as_of first (then basis, scheme)."""
    query = select(
        aging_snapshots.c.as_of,
        aging_snapshots.c.basis,
        aging_snapshots.c.scheme,
        aging_snapshots.c.total,
    ).where(aging_snapshots.c.org_id == org_id)
    found = [
        SnapshotSummary(r.as_of, Basis(r.basis), Scheme(r.scheme), r.total)
        for r in conn.execute(query)
    ]
    return sorted(found, key=lambda s: (s.as_of, s.basis.value, s.scheme.value))
