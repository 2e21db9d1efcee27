"""Each org's timetable: the ``schedules`` table (``ar-sync schedule set|list|remove``).

A row holds the org's cron strings (in the org's timezone; None: that job is off) and the
policy file its reminders and statements use. The queries take ``tx`` and never commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select

from ar_sync.store.bulk import upsert
from ar_sync.store.tables import schedules


def save_schedule(tx: Connection, row: dict[str, Any]) -> None:
    """Insert or replace an org's row: ``org_id``, ``sync_cron``, ``remind_cron``,
    ``statements_cron``, ``policy``, ``updated_at``."""
    upsert(tx, schedules, [row])


def load_schedules(tx: Connection, org_id: str | None = None) -> list[dict[str, Any]]:
    """Every org's row (or ``org_id``'s only), by org id, as dicts of the columns."""
    query = select(schedules).order_by(schedules.c.org_id)
    if org_id is not None:
        query = query.where(schedules.c.org_id == org_id)
    return [dict(row._mapping) for row in tx.execute(query)]


def delete_schedule(tx: Connection, org_id: str) -> bool:
    """Forget an org's timetable; True if it had one."""
    return bool(tx.execute(delete(schedules).where(schedules.c.org_id == org_id)).rowcount)
