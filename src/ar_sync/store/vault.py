"""The ``vault_entries`` table: one opaque ciphertext per OAuth connection.

This module moves ciphertext in and out of the database and knows nothing of keys or tokens;
``ar_sync.connect.vaults.DatabaseVault`` encrypts before ``put`` and decrypts after ``get``.
Every function takes ``tx`` (``Store.transaction()`` to write, ``Store.reading()`` to read) and
never commits.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, delete, select

from ar_sync.store.bulk import upsert
from ar_sync.store.tables import vault_entries


def get(tx: Connection, connection_id: str) -> str | None:
    """The ciphertext stored for ``connection_id``, or None."""
    return tx.execute(
        select(vault_entries.c.ciphertext).where(vault_entries.c.connection_id == connection_id)
    ).scalar_one_or_none()


def put(tx: Connection, connection_id: str, ciphertext: str) -> None:
    """Insert or replace the ciphertext of ``connection_id``."""
    upsert(tx, vault_entries, [{"connection_id": connection_id, "ciphertext": ciphertext}])


def remove(tx: Connection, connection_id: str) -> bool:
    """Delete the entry of ``connection_id``; False when there was none."""
    result = tx.execute(delete(vault_entries).where(vault_entries.c.connection_id == connection_id))
    return result.rowcount > 0


def rewrite_all(tx: Connection, change: Callable[[str, str], str]) -> int:
    """Replace every ciphertext ``c`` of connection ``cid`` by ``change(cid, c)``; in one
    transaction (the caller's), so if ``change`` raises for any entry, nothing is changed.
    Returns how many."""
    rows = tx.execute(
        select(vault_entries.c.connection_id, vault_entries.c.ciphertext).order_by(
            vault_entries.c.connection_id
        )
    ).all()
    for connection_id, ciphertext in rows:
        tx.execute(
            vault_entries.update()
            .where(vault_entries.c.connection_id == connection_id)
            .values(ciphertext=change(connection_id, ciphertext))
        )
    return len(rows)
