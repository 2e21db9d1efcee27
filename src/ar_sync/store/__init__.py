"""The local store: SQLAlchemy tables, Alembic migrations and the queries ar-sync runs.

Open one with ``Store(url)`` (``ar_sync.settings.default_db_url(home)`` for the SQLite default);
it migrates itself. ``Store`` is the engine and its transactions (``ar_sync.store.database``);
the queries live in one module per table group, each function taking the transaction as its
first argument, ``tx``:

- ``orgs``: the connected orgs;
- ``records``: customers, invoices, credits and allocations (what a sync writes, aging reads);
- ``runs``: each stream's resumable state and each sync run; ``locks``: one run per org;
- ``snapshots``: stored aging reports;
- ``vault``: encrypted token rows (``ar_sync.connect.vaults.DatabaseVault``).

``bulk`` holds the statements they share, ``tables`` the schema, ``types`` the column types
(exact decimals, UTC instants, JSON), ``migrations`` the Alembic history. Coming table groups
(the outbox, the journal, holds) are further modules of the same shape. The store imports no
stage above it (sync, aging, views) and never reads the clock.
"""

from ar_sync.store.database import Store, normalize_url

__all__ = ["Store", "normalize_url"]
