"""The ``vault_entries`` table: one opaque ciphertext per OAuth connection.

This module moves ciphertext in and out of the database and knows nothing of keys or tokens;
``ar_sync.credentials.DatabaseVault`` encrypts before ``put`` and decrypts after ``get``.
Every function takes an open ``Store`` and runs in a transaction of its own.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, select

from ar_sync.store.database import Store
from ar_sync.store.repository import _upsert
from ar_sync.store.tables import vault_entries


def get(store: Store, connection_id: str) -> str | None:
    """The ciphertext stored for ``connection_id``, or None."""
    with store.engine.connect() as conn:
        return conn.execute(
            select(vault_entries.c.ciphertext).where(
                vault_entries.c.connection_id == connection_id
            )
        ).scalar_one_or_none()


def put(store: Store, connection_id: str, ciphertext: str) -> None:
    """Insert or replace the ciphertext of ``connection_id``."""
    with store.transaction() as tx:
        _upsert(tx, vault_entries, [{"connection_id": connection_id, "ciphertext": ciphertext}])


def remove(store: Store, connection_id: str) -> bool:
    """Delete the entry of ``connection_id``; False when there was none."""
    with store.transaction() as tx:
        result = tx.execute(
            delete(vault_entries).where(vault_entries.c.connection_id == connection_id)
        )
        return result.rowcount > 0


def rewrite_all(store: Store, change: Callable[[str, str], str]) -> int:
    """Replace every ciphertext ``c`` of connection ``cid`` by ``change(cid, c)``, all in one
    transaction: if ``change`` raises for any entry, nothing is changed. Returns how many."""
    with store.transaction() as tx:
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
