"""The records a sync writes: customers, invoices, credits and their allocations.

Every function takes ``tx`` (``Store.transaction()`` to write, ``Store.reading()`` to read) and
never commits: the sync engine commits a page's records together with its stream state
(``ar_sync.store.runs``).

Ordering: lists come back sorted in Python (by the documented key), not by ``ORDER BY`` on text,
because PostgreSQL's collation and SQLite's byte order disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select

from ar_sync.domain import (
    Allocation,
    AllocationSource,
    Credit,
    CreditKind,
    Customer,
    DocumentStatus,
    Invoice,
    RateQuote,
    Record,
)
from ar_sync.store.bulk import chunks, delete_in, upsert
from ar_sync.store.tables import allocations, credits, customers, invoices
from ar_sync.store.types import as_number

RECORD_KINDS = ("customer", "invoice", "credit")


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


def upsert_records(tx: Connection, records: Iterable[Record]) -> dict[str, int]:
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

    upsert(tx, customers, customer_rows)
    upsert(tx, invoices, invoice_rows)
    upsert(tx, credits, credit_rows)

    by_org: dict[str, list[str]] = {}
    for org_id, invoice_id in invoice_allocs:
        by_org.setdefault(org_id, []).append(invoice_id)
    for org_id, ids in by_org.items():
        where = and_(
            allocations.c.org_id == org_id,
            allocations.c.source == AllocationSource.PAYMENT.value,
        )
        delete_in(tx, allocations, where, allocations.c.invoice_id, ids)
    by_org_kind: dict[tuple[str, str], list[str]] = {}
    for org_id, credit_id, kind in credit_allocs:
        by_org_kind.setdefault((org_id, kind), []).append(credit_id)
    for (org_id, kind), ids in by_org_kind.items():
        where = and_(allocations.c.org_id == org_id, allocations.c.source == kind)
        delete_in(tx, allocations, where, allocations.c.source_id, ids)
    alloc_rows = [
        _allocation_row(a)
        for group in (*invoice_allocs.values(), *credit_allocs.values())
        for a in group
    ]
    upsert(tx, allocations, alloc_rows)
    return {
        "customers": len(customer_rows),
        "invoices": len(invoice_rows),
        "credits": len(credit_rows),
        "allocations": len(alloc_rows),
    }


def delete_records(
    tx: Connection, org_id: str, deleted: Iterable[tuple[str, str]]
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
    delete_in(tx, customers, c_where, customers.c.customer_id, ids["customer"])

    a_where = allocations.c.org_id == org_id
    delete_in(tx, allocations, a_where, allocations.c.invoice_id, ids["invoice"])
    delete_in(tx, invoices, invoices.c.org_id == org_id, invoices.c.invoice_id, ids["invoice"])

    kinds: dict[str, str] = {}
    for chunk in chunks(ids["credit"]):
        query = select(credits.c.credit_id, credits.c.kind).where(
            credits.c.org_id == org_id, credits.c.credit_id.in_(chunk)
        )
        kinds.update({row.credit_id: row.kind for row in tx.execute(query)})
    for kind in sorted(set(kinds.values())):
        where = and_(a_where, allocations.c.source == kind)
        credit_ids = [cid for cid, k in kinds.items() if k == kind]
        delete_in(tx, allocations, where, allocations.c.source_id, credit_ids)
    delete_in(tx, credits, credits.c.org_id == org_id, credits.c.credit_id, ids["credit"])
    return {f"{kind}s": len(ids[kind]) for kind in RECORD_KINDS}


# --- reading ---------------------------------------------------------------------------------


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


def load_customers(tx: Connection, org_id: str) -> list[Customer]:
    """Every customer of an org, sorted by customer_id."""
    rows = tx.execute(select(customers).where(customers.c.org_id == org_id))
    return sorted((_customer(r) for r in rows), key=lambda c: c.customer_id)


def load_invoices(
    tx: Connection, org_id: str, *, with_allocations: bool = False, open_only: bool = False
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
    rows = list(tx.execute(query))
    payments: dict[str, list[Allocation]] = {}
    if with_allocations:
        alloc_query = select(allocations).where(
            allocations.c.org_id == org_id,
            allocations.c.source == AllocationSource.PAYMENT.value,
        )
        for arow in tx.execute(alloc_query):
            payments.setdefault(arow.invoice_id, []).append(_allocation(arow))
    found = [
        _invoice(r, tuple(sorted(payments.get(r.invoice_id, ()), key=_alloc_order))) for r in rows
    ]
    return sorted(found, key=lambda i: i.invoice_id)


def load_credits(
    tx: Connection, org_id: str, *, with_allocations: bool = False, open_only: bool = False
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
    rows = list(tx.execute(query))
    allocs: dict[tuple[str, str], list[Allocation]] = {}
    if with_allocations:
        # A credit's own applications: payments onto invoices count only for credits of
        # kind ``payment`` (QuickBooks), whose id they carry as source_id.
        alloc_query = select(allocations).where(allocations.c.org_id == org_id)
        for arow in tx.execute(alloc_query):
            allocs.setdefault((arow.source, arow.source_id), []).append(_allocation(arow))
    found = [
        _credit(r, tuple(sorted(allocs.get((r.kind, r.credit_id), ()), key=_alloc_order)))
        for r in rows
    ]
    return sorted(found, key=lambda c: c.credit_id)


def load_receivables(tx: Connection, org_id: str) -> tuple[list[Invoice], list[Credit]]:
    """What aging needs: open invoices with ``amount_due > 0`` and open credits with
    ``remaining > 0`` (filtered in SQL), without allocations, sorted by id."""
    return (
        load_invoices(tx, org_id, open_only=True),
        load_credits(tx, org_id, open_only=True),
    )


def count_rows(tx: Connection, org_id: str) -> dict[str, int]:
    """How many customers, invoices, credits and allocations an org has."""
    counts = {}
    for name, table in (
        ("customers", customers),
        ("invoices", invoices),
        ("credits", credits),
        ("allocations", allocations),
    ):
        query = select(func.count()).select_from(table).where(table.c.org_id == org_id)
        counts[name] = int(tx.execute(query).scalar_one())
    return counts
