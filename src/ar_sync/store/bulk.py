"""Statements every table group shares: the dialect's upsert, bulk upserts and chunked deletes.

Each function takes ``tx``, a connection inside the caller's transaction, and never commits.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Table, delete
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

IN_CHUNK = 500  # ids per ``IN (...)`` list (SQLite allows 999 variables before 3.32)


def chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    """``items`` in consecutive slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert(tx: Connection, table: Table) -> SqliteInsert | PgInsert:
    """An ``INSERT`` into ``table`` in the dialect of ``tx``, which offers ``ON CONFLICT``."""
    return (sqlite_insert if tx.dialect.name == "sqlite" else pg_insert)(table)


def upsert(tx: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
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
    stmt = insert(tx, table)
    updates = {c: stmt.excluded[c] for c in unique[0] if c not in key}
    tx.execute(stmt.on_conflict_do_update(index_elements=key, set_=updates), unique)


def delete_in(tx: Connection, table: Table, where: Any, column: Any, ids: Sequence[str]) -> None:
    """Delete the rows of ``table`` matching ``where`` whose ``column`` is one of ``ids``."""
    for chunk in chunks(list(ids)):
        tx.execute(delete(table).where(where, column.in_(chunk)))
