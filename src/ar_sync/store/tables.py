"""The store's tables (SQLAlchemy Core). The migrations in ``migrations/versions`` create them.

Conventions: every table hanging off an org has ``org_id`` first in its key and a foreign key
to ``orgs`` with ``ON DELETE CASCADE`` (so ``delete_org`` removes everything); amounts are
``ExactDecimal(4)``, exchange rates ``ExactDecimal(10)``; instants are ``UTCDateTime``; calendar
dates are ``DATE``; JSON documents are ``TEXT``. There is deliberately no column for a token or
secret in plain text: credentials live in the keyring (``orgs.connection_id`` names the entry) or,
with the database vault, only as Fernet ciphertext in ``vault_entries``.

Allocations have no foreign key to invoices or credits: a credit can be applied to an invoice
that a later page (or a later sync) brings in.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from ar_sync.store.types import AMOUNT_SCALE, RATE_SCALE, ExactDecimal, JSONText, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

SYNC_RUN_STATUSES = ("running", "ok", "failed", "interrupted")


def Money() -> ExactDecimal:
    return ExactDecimal(AMOUNT_SCALE)


def Rate() -> ExactDecimal:
    return ExactDecimal(RATE_SCALE)


def _org_fk() -> Column[str]:
    return Column(
        "org_id", String(200), ForeignKey("orgs.org_id", ondelete="CASCADE"), primary_key=True
    )


orgs = Table(
    "orgs",
    metadata,
    Column("org_id", String(200), primary_key=True),
    Column("platform", String(50), nullable=False),
    Column("tenant_id", String(200), nullable=False),
    Column("name", Text, nullable=False),
    Column("base_currency", String(3), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("connection_id", String(200), nullable=False),
    Column("api_url", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

customers = Table(
    "customers",
    metadata,
    _org_fk(),
    Column("customer_id", String(200), primary_key=True),
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=True),
    Column("is_active", Boolean, nullable=False),
    Column("updated_at", UTCDateTime, nullable=True),
)

invoices = Table(
    "invoices",
    metadata,
    _org_fk(),
    Column("invoice_id", String(200), primary_key=True),
    Column("customer_id", String(200), nullable=False),
    Column("number", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("fx_rate", Rate(), nullable=False),
    Column("fx_quote", String(20), nullable=False),
    Column("total", Money(), nullable=False),
    Column("amount_due", Money(), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "org_id", "status"),
)

credits = Table(
    "credits",
    metadata,
    _org_fk(),
    Column("credit_id", String(200), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("customer_id", String(200), nullable=False),
    Column("number", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("date", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("fx_rate", Rate(), nullable=False),
    Column("fx_quote", String(20), nullable=False),
    Column("total", Money(), nullable=False),
    Column("remaining", Money(), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "org_id", "status"),
)

allocations = Table(
    "allocations",
    metadata,
    _org_fk(),
    Column("allocation_id", String(200), primary_key=True),
    Column("invoice_id", String(200), nullable=False),
    Column("source", String(20), nullable=False),
    Column("source_id", String(200), nullable=False),
    Column("amount", Money(), nullable=False),
    Column("date", Date, nullable=False),
    Index(None, "org_id", "invoice_id"),
    Index(None, "org_id", "source_id"),
)

stream_states = Table(
    "stream_states",
    metadata,
    _org_fk(),
    Column("stream", String(100), primary_key=True),
    Column("state", JSONText, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", String(200), ForeignKey("orgs.org_id", ondelete="CASCADE"), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("status", String(20), nullable=False),
    Column("counts", JSONText, nullable=False),
    Column("error", Text, nullable=True),
    CheckConstraint("status IN ('running', 'ok', 'failed', 'interrupted')", name="status"),
    Index(None, "org_id", "started_at"),
)

aging_snapshots = Table(
    "aging_snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", String(200), ForeignKey("orgs.org_id", ondelete="CASCADE"), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("basis", String(20), nullable=False),
    Column("scheme", String(20), nullable=False),
    Column("base_currency", String(3), nullable=False),
    Column("buckets", JSONText, nullable=False),  # bucket names, in report order
    Column("totals", JSONText, nullable=False),  # bucket name -> decimal string (base currency)
    Column("total", Money(), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("org_id", "as_of", "basis", "scheme"),
)

aging_snapshot_lines = Table(
    "aging_snapshot_lines",
    metadata,
    Column(
        "snapshot_id",
        Integer,
        ForeignKey("aging_snapshots.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("customer_id", String(200), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("bucket", String(50), primary_key=True),
    Column("amount", Money(), nullable=True),
    Column("base_amount", Money(), nullable=True),
)

# The database vault (``ar_sync.store.vault``): one Fernet token per connection, holding the JSON
# the keyring would hold. No foreign key: a connection is saved before its orgs are.
vault_entries = Table(
    "vault_entries",
    metadata,
    Column("connection_id", String(200), primary_key=True),
    Column("ciphertext", Text, nullable=False),
)

# One run per org at a time (``ar_sync.store.locks``). No foreign key either: a lock names
# what it guards (``org_id``), and deleting an org must not wait for a lock row.
run_locks = Table(
    "run_locks",
    metadata,
    Column("org_id", String(200), primary_key=True),
    Column("holder_host", String(255), nullable=False),
    Column("holder_pid", Integer, nullable=False),
    Column("holder_token", String(64), nullable=False),
    Column("acquired_at", UTCDateTime, nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
)
