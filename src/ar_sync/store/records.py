"""The records a sync writes: customers, invoices, credits and their allocations.

Every function takes ``tx`` (``Store.transaction()`` to write, ``Store.reading()`` to read) and
never commits: the sync engine commits a page's records together with its stream state
(``ar_sync.store.runs``).

Ordering: lists come back sorted in Python (by the documented key), not by ``ORDER BY`` on text,
because PostgreSQL's collation and SQLite's byte order disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from enum import StrEnum
from operator import attrgetter
from typing import Any, TypeVar

from sqlalchemy import Connection, Row, Table, and_, func, or_, select

from ar_sync.domain import (
    APPLIED_BY_PAYMENT,
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
from ar_sync.store.bulk import chunks, delete_in, upsert_rows
from ar_sync.store.tables import allocations, credits, customers, invoices
from ar_sync.store.types import as_number

RECORD_KINDS = ("customer", "invoice", "credit")
_R = TypeVar("_R", Customer, Invoice, Credit, Allocation)


# Columns holding a domain enum: written as its value, read back as the member (an unknown value
# is a ValueError either way). Every other column is the record's attribute of the same name.
_ENUM_COLUMNS: dict[str, type[StrEnum]] = {
    "status": DocumentStatus,
    "fx_quote": RateQuote,
    "kind": CreditKind,
    "source": AllocationSource,
}


def _enum_check(enum: type[StrEnum]) -> Callable[[Any], str]:
    """A member of ``enum`` or its value -> the value (a dict lookup); ``ValueError`` for
    anything else, as ``enum(value)`` raises."""
    values = {member.value: member.value for member in enum}

    def check(value: Any) -> str:
        try:
            return values[value]
        except (KeyError, TypeError):
            return enum(value).value  # raises the enum's own ValueError

    return check


_CHECKS = {name: _enum_check(enum) for name, enum in _ENUM_COLUMNS.items()}


def _row_of(table: Table) -> Callable[[Record | Allocation], tuple[Any, ...]]:
    """A record -> its row of ``table`` as a tuple: for each column, the attribute of that name."""
    return attrgetter(*table.c.keys())


_CUSTOMER_ROW, _INVOICE_ROW, _CREDIT_ROW, _ALLOCATION_ROW = (
    _row_of(table) for table in (customers, invoices, credits, allocations)
)


def _record(cls: type[_R], row: Row[Any], **fields: Any) -> _R:
    """A ``cls`` from a row of its table (each column the field of that name) and ``fields``."""
    values = dict(row._mapping)
    for name, enum in _ENUM_COLUMNS.items():
        if name in values:
            values[name] = enum(values[name])
    return cls(**values, **fields)


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


def _applied_by(credit: Credit, a: Allocation) -> bool:
    """Whether ``a`` is a credit note's allocation that the payment ``credit`` made
    (``domain.APPLIED_BY_PAYMENT``)."""
    return (
        credit.kind == CreditKind.PAYMENT
        and a.source == AllocationSource.CREDIT_NOTE
        and a.org_id == credit.org_id
        and a.allocation_id.startswith(f"{credit.credit_id}:")
        and a.allocation_id.endswith(APPLIED_BY_PAYMENT)
    )


def _check_credit_allocations(credit: Credit) -> None:
    for a in credit.allocations:
        if _applied_by(credit, a):
            continue
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
    customer_rows: list[tuple[Any, ...]] = []
    invoice_rows: list[tuple[Any, ...]] = []
    credit_rows: list[tuple[Any, ...]] = []
    # The last version of a document in the batch wins, allocations included.
    invoice_allocs: dict[tuple[str, str], tuple[Allocation, ...]] = {}
    credit_allocs: dict[tuple[str, str, str], tuple[Allocation, ...]] = {}
    for record in records:
        # The checks run for what is not plainly fine (a UTC instant, no payments): a page
        # holds a thousand records, and each call and message built costs.
        if isinstance(record, Invoice):
            if record.updated_at.__class__ is not datetime or record.updated_at.tzinfo is not UTC:
                _check_instant(record.updated_at, f"invoice {record.invoice_id}")
            if record.payments:
                _check_invoice_payments(record)
            invoice_rows.append(_INVOICE_ROW(record))
            if record.payments is not None:
                invoice_allocs[(record.org_id, record.invoice_id)] = record.payments
        elif isinstance(record, Customer):
            _check_instant(record.updated_at, f"customer {record.customer_id}")
            customer_rows.append(_CUSTOMER_ROW(record))
        elif isinstance(record, Credit):
            _check_instant(record.updated_at, f"credit {record.credit_id}")
            _check_credit_allocations(record)
            credit_rows.append(_CREDIT_ROW(record))
            key = (record.org_id, record.credit_id, CreditKind(record.kind).value)
            credit_allocs[key] = record.allocations
        else:
            raise TypeError(f"cannot store a {type(record).__name__}")

    upsert_rows(tx, customers, customer_rows)
    upsert_rows(tx, invoices, invoice_rows, checks=_CHECKS)
    upsert_rows(tx, credits, credit_rows, checks=_CHECKS)

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
        if kind == CreditKind.CREDIT_NOTE.value:  # those a payment made stay with the payment
            where = and_(where, ~allocations.c.allocation_id.endswith(APPLIED_BY_PAYMENT))
        delete_in(tx, allocations, where, allocations.c.source_id, ids)
        if kind == CreditKind.PAYMENT.value:
            _delete_applied_by(tx, org_id, ids)
    alloc_rows = [
        _ALLOCATION_ROW(a)
        for group in (*invoice_allocs.values(), *credit_allocs.values())
        for a in group
    ]
    upsert_rows(tx, allocations, alloc_rows, checks=_CHECKS)
    return {
        "customers": len(customer_rows),
        "invoices": len(invoice_rows),
        "credits": len(credit_rows),
        "allocations": len(alloc_rows),
    }


def _delete_applied_by(tx: Connection, org_id: str, payment_ids: list[str]) -> None:
    """Delete the credit-note allocations the payments ``payment_ids`` made (ids starting
    ``"<payment id>:"``; a prefix match, not a range, as collations order text differently)."""
    for chunk in chunks(payment_ids, 200):
        tx.execute(
            allocations.delete().where(
                allocations.c.org_id == org_id,
                allocations.c.source == AllocationSource.CREDIT_NOTE.value,
                allocations.c.allocation_id.endswith(APPLIED_BY_PAYMENT),
                or_(*(allocations.c.allocation_id.startswith(f"{pid}:", autoescape=True)
                      for pid in chunk)),
            )
        )


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


def _sorted(found: Iterable[Allocation]) -> tuple[Allocation, ...]:
    """Allocations by date, then allocation_id."""
    return tuple(sorted(found, key=lambda a: (a.date, a.allocation_id)))


def _documents(
    tx: Connection, table: Table, org_id: str, *, open_only: bool, balance: str
) -> list[Row[Any]]:
    """An org's rows of ``table`` (invoices or credits); ``open_only``: only those with
    ``status == open`` and ``balance`` (the column left to pay or apply) ``> 0``, in SQL."""
    query = select(table).where(table.c.org_id == org_id)
    if open_only:
        query = query.where(
            table.c.status == DocumentStatus.OPEN.value, as_number(table.c[balance]) > 0
        )
    return list(tx.execute(query))


def load_customers(tx: Connection, org_id: str) -> list[Customer]:
    """Every customer of an org, sorted by customer_id."""
    rows = tx.execute(select(customers).where(customers.c.org_id == org_id))
    return sorted((_record(Customer, r) for r in rows), key=lambda c: c.customer_id)


def load_invoices(
    tx: Connection, org_id: str, *, with_allocations: bool = False, open_only: bool = False
) -> list[Invoice]:
    """An org's invoices sorted by invoice_id.

    ``with_allocations``: fill ``payments`` (the ``payment`` allocations onto each invoice,
    sorted by date then allocation_id). ``open_only``: only receivables (``status == open`` and
    ``amount_due > 0``), filtered in SQL.
    """
    rows = _documents(tx, invoices, org_id, open_only=open_only, balance="amount_due")
    payments: dict[str, list[Allocation]] = {}
    if with_allocations:
        alloc_query = select(allocations).where(
            allocations.c.org_id == org_id,
            allocations.c.source == AllocationSource.PAYMENT.value,
        )
        for arow in tx.execute(alloc_query):
            payments.setdefault(arow.invoice_id, []).append(_record(Allocation, arow))
    found = [
        _record(Invoice, r, payments=_sorted(payments.get(r.invoice_id, ()))) for r in rows
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
    rows = _documents(tx, credits, org_id, open_only=open_only, balance="remaining")
    allocs: dict[tuple[str, str], list[Allocation]] = {}
    if with_allocations:
        # A credit's own applications: payments onto invoices count only for credits of
        # kind ``payment`` (QuickBooks), whose id they carry as source_id.
        alloc_query = select(allocations).where(allocations.c.org_id == org_id)
        for arow in tx.execute(alloc_query):
            allocs.setdefault((arow.source, arow.source_id), []).append(_record(Allocation, arow))
    found = [
        _record(Credit, r, allocations=_sorted(allocs.get((r.kind, r.credit_id), ())))
        for r in rows
    ]
    return sorted(found, key=lambda c: c.credit_id)


def open_invoice_rows(tx: Connection, org_id: str, *, issued_by: date) -> list[Any]:
    """What collections read of an org's receivable invoices (``status == open``,
    ``amount_due > 0``, issued on or before ``issued_by``), as rows of ``invoice_id``,
    ``customer_id``, ``number``, ``issue_date``, ``due_date``, ``currency``, ``amount_due``,
    ``fx_rate``, ``fx_quote``: one SELECT of the columns, no domain records, in no order."""
    c = invoices.c
    query = select(
        c.invoice_id, c.customer_id, c.number, c.issue_date, c.due_date, c.currency,
        c.amount_due, c.fx_rate, c.fx_quote,
    ).where(
        c.org_id == org_id,
        c.status == DocumentStatus.OPEN.value,
        as_number(c.amount_due) > 0,
        c.issue_date <= issued_by,
    )
    return tx.execute(query).all()  # fetched at once: far fewer driver round trips


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
