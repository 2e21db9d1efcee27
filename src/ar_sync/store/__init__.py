"""The local store: SQLAlchemy tables, Alembic migrations and the queries ar-sync runs.

Open one with ``Store(url)`` (``ar_sync.settings.default_db_url(home)`` for the SQLite
default); it migrates itself. See ``ar_sync.store.database`` for transactions and ``ar_sync.store.repository`` for
what each operation stores.
"""

from ar_sync.store.database import Store, normalize_url
from ar_sync.store.repository import RECORD_KINDS, RunStatus, SnapshotSummary, SyncRun

__all__ = [
    "RECORD_KINDS",
    "RunStatus",
    "SnapshotSummary",
    "Store",
    "SyncRun",
    "normalize_url",
]
