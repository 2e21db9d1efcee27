"""The ``orgs`` table: the sets of books ar-sync is connected to.

Every function takes ``tx`` (``Store.transaction()`` to write, ``Store.reading()`` to read) and
never commits. Deleting an org takes everything stored for it along (foreign-key cascades).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from ar_sync.domain import Org
from ar_sync.errors import ConfigError
from ar_sync.store.bulk import insert
from ar_sync.store.tables import orgs


def save_org(tx: Connection, org: Org, *, now: datetime) -> None:
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
    stmt = insert(tx, orgs).values(row)
    updates = {c: stmt.excluded[c] for c in row if c not in ("org_id", "created_at")}
    tx.execute(stmt.on_conflict_do_update(index_elements=["org_id"], set_=updates))


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


def list_orgs(tx: Connection) -> list[Org]:
    """Every org, sorted by name (case-insensitively), then org_id."""
    found = [_org(row) for row in tx.execute(select(orgs))]
    return sorted(found, key=lambda o: (o.name.casefold(), o.name, o.org_id))


def get_org(tx: Connection, org_id: str) -> Org | None:
    """The org stored under ``org_id``, or None."""
    row = tx.execute(select(orgs).where(orgs.c.org_id == org_id)).first()
    return _org(row) if row is not None else None


def require_org(tx: Connection, org_id: str) -> Org:
    """The stored org ``org_id``; ``ConfigError`` naming it when there is none."""
    org = get_org(tx, org_id)
    if org is None:
        raise ConfigError(f"unknown org {org_id!r}: `ar-sync orgs` lists the connected ones")
    return org


def delete_org(tx: Connection, org_id: str) -> bool:
    """Remove an org and (by cascade) everything stored for it; False if it was not there."""
    return tx.execute(delete(orgs).where(orgs.c.org_id == org_id)).rowcount > 0
