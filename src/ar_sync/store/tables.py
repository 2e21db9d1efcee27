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
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Unicode,
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

# Collections (``ar_sync.store.journal``, ``ar_sync.push.outbox``). The journal is append-only:
# nothing updates or deletes a row but ``delete_org``'s cascade.
journal_entries = Table(
    "journal_entries",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", String(200), ForeignKey("orgs.org_id", ondelete="CASCADE"), nullable=False),
    Column("customer_id", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("day", Date, nullable=False),  # the org's calendar day it counts on
    Column("stage", String(20), nullable=True),
    Column("channels", JSONText, nullable=False),  # list of channel names
    Column("invoices", JSONText, nullable=False),  # list of {invoice_id, number, due_date, ...}
    Column("text", Text, nullable=False),
    Column("key", String(400), nullable=True),  # the outbox key (and step) it came from
    Column("detail", JSONText, nullable=False),
    Index(None, "org_id", "customer_id", "day"),
    Index(None, "org_id", "day"),
)

# One row per action to perform, written before any call; ``key`` is the action's
# deterministic idempotency key.
outbox_actions = Table(
    "outbox_actions",
    metadata,
    Column("key", String(400), primary_key=True),
    Column("org_id", String(200), ForeignKey("orgs.org_id", ondelete="CASCADE"), nullable=False),
    Column("customer_id", String(200), nullable=False),
    Column("day", Date, nullable=False),
    Column("stage", String(20), nullable=False),
    Column("action", JSONText, nullable=False),  # the action and its rendered messages
    Column("status", String(20), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("status IN ('pending', 'done', 'failed', 'unknown')", name="status"),
    Index(None, "org_id", "status"),
)

# Each write an action makes (a note on one invoice, the customer note, one ledger email, the
# SMTP email, a task), with its own state so a crash between the call and the record is
# settled before any retry (``ar_sync.push.settle``).
outbox_steps = Table(
    "outbox_steps",
    metadata,
    Column(
        "key",
        String(400),
        ForeignKey("outbox_actions.key", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("step", String(300), primary_key=True),  # e.g. "invoice_note:INV-1", "email"
    Column("state", String(20), nullable=False),
    Column("marker", String(100), nullable=True),
    Column("message_id", String(300), nullable=True),  # SMTP: recorded before sending
    Column("ledger_id", String(200), nullable=True),
    Column("error", Text, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint(
        "state IN ('planned', 'attempting', 'done', 'failed', 'unknown')", name="state"
    ),
)

# The scheduler (``ar_sync.scheduler``). ``schedules``: each org's timetable, cron strings in
# the org's timezone (NULL: that job is off); ``job_runs``: every run of a job, manual or
# scheduled (``ar_sync.store.runs_log``).
schedules = Table(
    "schedules",
    metadata,
    _org_fk(),
    Column("sync_cron", String(100), nullable=True),
    Column("remind_cron", String(100), nullable=True),
    Column("statements_cron", String(100), nullable=True),  # or "first-business-day"
    Column("policy", Text, nullable=True),  # the policy file reminders and statements use
    Column("updated_at", UTCDateTime, nullable=False),
)

job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", String(200), ForeignKey("orgs.org_id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("trigger", String(20), nullable=False),
    Column("scheduled_for", UTCDateTime, nullable=True),  # the fire time of a scheduled run
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("outcome", String(20), nullable=False),
    Column("counts", JSONText, nullable=False),
    Column("error", Text, nullable=True),
    CheckConstraint("kind IN ('sync', 'remind', 'statements')", name="kind"),
    CheckConstraint("trigger IN ('manual', 'scheduled')", name="trigger"),
    CheckConstraint(
        "outcome IN ('running', 'ok', 'failed', 'skipped', 'interrupted')", name="outcome"
    ),
    Index(None, "org_id", "started_at"),
)

# APScheduler's SQLAlchemyJobStore table, exactly as apscheduler/jobstores/sqlalchemy.py
# (3.x) defines it: the migration creates it, so the job store's own ``create(checkfirst)``
# finds it there. Only APScheduler reads or writes it (pickled job state).
apscheduler_jobs = Table(
    "apscheduler_jobs",
    metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
