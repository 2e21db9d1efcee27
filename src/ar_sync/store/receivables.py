"""What aging reads: an org's open documents as plain columns, in one SELECT, in batches.

``receivable_batches`` yields the rows of every open invoice with ``amount_due > 0`` and every
open credit of the given kinds with ``remaining > 0``, a batch at a time, each row with
``ReceivableRow``'s fields: no domain records are built and no SQLAlchemy rows kept past their
batch, so the aging turns them straight into columns (``ar_sync.aging.columns``). Which
documents are receivables is the aging's rule (``ar_sync.aging.age.receivables``); the caller
passes the credit kinds that count.

Most of the arithmetic is done in SQL, exactly: dates become day numbers (days since
1970-01-01), balances integer units of 10^-4 (the store's scale, ``ExactDecimal(4)``) signed
(credits negative), and a rate of exactly 1 becomes NULL, so the common row carries three
integers and no decimal at all. Other rates come as the database holds them (canonical decimal
text on SQLite, ``Decimal`` on PostgreSQL: ``ar_sync.store.types.ExactDecimal``). Customer
names for display are read apart (``customer_names``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    Connection,
    Integer,
    String,
    Text,
    case,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ar_sync.domain import DocumentStatus
from ar_sync.store.tables import credits, customers, invoices
from ar_sync.store.types import as_number

UNITS_PER_AMOUNT = 10_000  # ``units`` per unit of currency: the store keeps 4 decimal places
_BATCH = 10_000  # rows fetched at a time


class ReceivableRow(NamedTuple):
    """One open document as aging reads it; a credit's ``due_day`` is its date, as its
    ``issue_day``. Day numbers count days since 1970-01-01."""

    customer_id: str
    currency: str
    issue_day: int
    due_day: int
    units: int  # the balance (amount_due, or -remaining for a credit) in 10^-4 currency units
    fx_rate: str | Decimal | None  # None when exactly 1; else exact (text on SQLite)
    fx_quote: str | None  # None when the rate is 1


class epoch_day(FunctionElement[int]):
    """A ``DATE`` column as whole days since 1970-01-01 (negative before), in SQL."""

    name = "epoch_day"
    inherit_cache = True
    type = Integer()


@compiles(epoch_day)
def _epoch_day_default(element: epoch_day, compiler: Any, **kw: Any) -> str:
    # PostgreSQL: date - date is an integer number of days.
    return f"({compiler.process(element.clauses, **kw)} - DATE '1970-01-01')"


@compiles(epoch_day, "sqlite")
def _epoch_day_sqlite(element: epoch_day, compiler: Any, **kw: Any) -> str:
    # julianday('1970-01-01') is 2440587.5 exactly; a date's julian day is a whole day + .5.
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}) - 2440587.5 AS INTEGER)"


class amount_units(FunctionElement[int]):
    """A non-negative ``ExactDecimal(4)`` amount as an exact integer of 10^-4 units, in SQL."""

    name = "amount_units"
    inherit_cache = True
    type = BigInteger()


@compiles(amount_units)
def _amount_units_default(element: amount_units, compiler: Any, **kw: Any) -> str:
    # PostgreSQL: NUMERIC arithmetic is exact and the value has at most 4 places.
    return f"CAST({compiler.process(element.clauses, **kw)} * 10000 AS BIGINT)"


@compiles(amount_units, "sqlite")
def _amount_units_sqlite(element: amount_units, compiler: Any, **kw: Any) -> str:
    # SQLite keeps the canonical text ("115", "0.0001", "200.005"): whole part * 10000 plus the
    # decimals padded to 4 digits, all in 64-bit integers (no float on the way).
    a = compiler.process(element.clauses, **kw)
    dot = f"instr({a}, '.')"
    return (
        f"(CASE WHEN {dot} = 0 THEN CAST({a} AS INTEGER) * 10000 "
        f"ELSE CAST(substr({a}, 1, {dot} - 1) AS INTEGER) * 10000 "
        f"+ CAST(substr(substr({a}, {dot} + 1) || '0000', 1, 4) AS INTEGER) END)"
    )


def _rate_columns(table: Any) -> tuple[Any, Any]:
    """(rate, quote), both NULL when the rate is exactly 1 (a comparison exact on both
    backends: 1 + 10^-10, the nearest rate to 1 the store holds, is not 1.0 as a double)."""
    at_par = as_number(table.c.fx_rate) == 1
    rate = case((at_par, null()), else_=type_coerce(table.c.fx_rate, Text))
    quote = case((at_par, null()), else_=table.c.fx_quote)
    return type_coerce(rate, Text), type_coerce(quote, String)


def receivable_batches(
    tx: Connection, org_id: str, *, credit_kinds: Iterable[str]
) -> Iterator[Sequence[tuple[Any, ...]]]:
    """``org_id``'s receivables in batches of rows with ``ReceivableRow``'s fields, in that
    order (unpack them, or ``ReceivableRow._make`` each), in no set order.

    Invoices: ``status == open`` and ``amount_due > 0``. Credits: ``status == open``,
    ``remaining > 0`` and ``kind`` in ``credit_kinds``. Filtered in SQL; one statement.
    """
    kinds = sorted(str(kind) for kind in credit_kinds)
    open_ = DocumentStatus.OPEN.value
    invoice_rows = select(
        invoices.c.customer_id,
        invoices.c.currency,
        epoch_day(invoices.c.issue_date),
        epoch_day(invoices.c.due_date),
        amount_units(invoices.c.amount_due),
        *_rate_columns(invoices),
    ).where(
        invoices.c.org_id == org_id,
        invoices.c.status == open_,
        as_number(invoices.c.amount_due) > 0,
    )
    credit_rows = select(
        credits.c.customer_id,
        credits.c.currency,
        epoch_day(credits.c.date),
        epoch_day(credits.c.date),
        literal_column("-1", Integer) * amount_units(credits.c.remaining),
        *_rate_columns(credits),
    ).where(
        credits.c.org_id == org_id,
        credits.c.status == open_,
        as_number(credits.c.remaining) > 0,
        credits.c.kind.in_(kinds),
    )
    yield from _driver_batches(tx, union_all(invoice_rows, credit_rows))


def _driver_batches(tx: Connection, statement: Any) -> Iterator[Sequence[tuple[Any, ...]]]:
    """Run ``statement`` on ``tx``'s own DBAPI cursor and yield its rows ``_BATCH`` at a time,
    as the driver's plain tuples: at 100,000 rows, SQLAlchemy's row objects cost a third of the
    read. Only for statements whose columns need no result processing (every column here is
    an integer, text or NULL; on PostgreSQL a rate is the driver's ``Decimal``)."""
    compiled = statement.compile(dialect=tx.dialect, compile_kwargs={"render_postcompile": True})
    values = compiled.construct_params()
    params: Any = (
        tuple(values[name] for name in compiled.positiontup or ())
        if compiled.positional
        else values
    )
    cursor = tx.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), params)
        while batch := cursor.fetchmany(_BATCH):
            yield batch
    finally:
        cursor.close()


def customer_names(tx: Connection, org_id: str) -> dict[str, str]:
    """``customer_id -> name`` for every customer of ``org_id`` (inactive ones included)."""
    query = select(customers.c.customer_id, customers.c.name).where(customers.c.org_id == org_id)
    return {customer_id: name for customer_id, name in tx.execute(query)}
