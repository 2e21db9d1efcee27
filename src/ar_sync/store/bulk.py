"""Statements every table group shares: the dialect's upsert, bulk upserts and chunked deletes.

Each function takes ``tx``, a connection inside the caller's transaction, and never commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table, bindparam, delete
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect

from ar_sync.store.types import bind_writer

if TYPE_CHECKING:  # the PostgreSQL dialect is imported only on PostgreSQL (start-up time)
    from sqlalchemy.dialects.postgresql import Insert as PgInsert

IN_CHUNK = 500  # ids per ``IN (...)`` list (SQLite allows 999 variables before 3.32)

Writer = Callable[[Any], Any]  # a Python value -> what the driver is given for it


def chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    """``items`` in consecutive slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert(tx: Connection, table: Table) -> SqliteInsert | PgInsert:
    """An ``INSERT`` into ``table`` in the dialect of ``tx``, which offers ``ON CONFLICT``."""
    return _insert(tx.dialect, table)


def _insert(dialect: Dialect, table: Table) -> SqliteInsert | PgInsert:
    if dialect.name == "sqlite":
        return sqlite_insert(table)
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    return pg_insert(table)


@dataclass(frozen=True, slots=True)
class _Upsert:
    """``table``'s upsert compiled for one dialect: the driver's SQL, the column names in the
    order a row's values come, the primary key's positions in a row, each column's writer
    (None: the value goes to the driver as is) and whether the driver wants named parameters."""

    sql: str
    names: tuple[str, ...]
    key: Callable[[Sequence[Any]], Any]
    writers: tuple[Writer | None, ...]
    named: bool


@lru_cache(maxsize=64)
def _prepared(dialect: Dialect, table: Table) -> _Upsert:
    """``table``'s upsert for ``dialect``, compiled on first use."""
    names = tuple(table.c.keys())
    key = [c.name for c in table.primary_key.columns]
    stmt = _insert(dialect, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=key, set_={c: stmt.excluded[c] for c in names if c not in key}
    )
    compiled = stmt.compile(dialect=dialect, column_keys=list(names))
    if compiled.positiontup is not None and tuple(compiled.positiontup) != names:
        raise RuntimeError(f"unexpected parameter order for {table.name}: {compiled.positiontup}")
    positions = [names.index(k) for k in key]
    return _Upsert(
        sql=str(compiled),
        names=names,
        key=itemgetter(*positions) if len(positions) > 1 else lambda row: row[positions[0]],
        writers=tuple(bind_writer(table.c[name].type, dialect) for name in names),
        named=compiled.positiontup is None,
    )


def upsert_rows(
    tx: Connection,
    table: Table,
    rows: Sequence[Sequence[Any]],
    *,
    checks: Mapping[str, Writer] | None = None,
) -> None:
    """``INSERT ... ON CONFLICT (primary key) DO UPDATE`` of ``rows`` as one executemany.

    Each row holds a value for every column of ``table``, in the table's column order.
    ``checks`` maps a column name to a function applied to its values first (e.g. an enum
    member to its value). Rows with the same key keep the last one, the newest version read.

    The statement is compiled once per dialect and table and handed to the driver's
    ``executemany`` (sqlite3 steps one prepared statement, psycopg 3 pipelines it) with the
    values already converted column by column: our exact decimals through their own check,
    other types through SQLAlchemy's bind processors, so what is stored is what
    ``Connection.execute`` would store, without its per-row parameter processing (which cost
    more than the database's own work). A value a column refuses raises its ``ValueError`` or
    ``TypeError`` here, before anything is sent.
    """
    if not rows:
        return
    prepared = _prepared(tx.dialect, table)
    unique = list({prepared.key(row): row for row in rows}.values())
    columns: list[Any] = list(zip(*unique, strict=True))
    for i, (name, writer) in enumerate(zip(prepared.names, prepared.writers, strict=True)):
        check = checks.get(name) if checks else None
        if check is not None:
            columns[i] = map(check, columns[i])
        if writer is not None:
            columns[i] = map(writer, columns[i])
    values: list[Any] = list(zip(*columns, strict=True))
    if prepared.named:
        values = [dict(zip(prepared.names, row, strict=True)) for row in values]
    tx.exec_driver_sql(prepared.sql, values)


def upsert(tx: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """``upsert_rows`` of rows given as dicts holding every column of ``table``."""
    names = table.c.keys()
    upsert_rows(tx, table, [tuple(row[name] for name in names) for row in rows])


def delete_in(tx: Connection, table: Table, where: Any, column: Any, ids: Sequence[str]) -> None:
    """Delete the rows of ``table`` matching ``where`` whose ``column`` is one of ``ids``.

    One statement with an expanding parameter, compiled once (SQLAlchemy caches it) and run
    per chunk, rather than a literal ``IN`` list coerced and compiled for every chunk (which
    cost about twice as much per id).
    """
    stmt = delete(table).where(where, column.in_(bindparam("ids", expanding=True)))
    for chunk in chunks(list(ids)):
        tx.execute(stmt, {"ids": list(chunk)})
