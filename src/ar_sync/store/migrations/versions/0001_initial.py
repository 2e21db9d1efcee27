"""Initial schema: orgs, documents, allocations, stream states, sync runs, aging snapshots.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Written out by hand (not ``metadata.create_all``) so that later changes to ``tables.py`` cannot
change what this revision did.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ar_sync.store.types import ExactDecimal, JSONText, UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(200)


def _money() -> ExactDecimal:
    return ExactDecimal(4)


def _rate() -> ExactDecimal:
    return ExactDecimal(10)


def _org_id_pk(table: str) -> list[sa.SchemaItem]:
    return [
        sa.Column("org_id", ID, primary_key=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.org_id"], ondelete="CASCADE", name=f"fk_{table}_org_id_orgs"
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "orgs",
        sa.Column("org_id", ID, primary_key=True),
        sa.Column("platform", sa.String(50), nullable=False),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("base_currency", sa.String(3), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("connection_id", ID, nullable=False),
        sa.Column("api_url", sa.Text, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("org_id", name="pk_orgs"),
    )
    op.create_table(
        "customers",
        *_org_id_pk("customers"),
        sa.Column("customer_id", ID, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=True),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=True),
        sa.PrimaryKeyConstraint("org_id", "customer_id", name="pk_customers"),
    )
    op.create_table(
        "invoices",
        *_org_id_pk("invoices"),
        sa.Column("invoice_id", ID, primary_key=True),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("number", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("issue_date", sa.Date, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("fx_rate", _rate(), nullable=False),
        sa.Column("fx_quote", sa.String(20), nullable=False),
        sa.Column("total", _money(), nullable=False),
        sa.Column("amount_due", _money(), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("org_id", "invoice_id", name="pk_invoices"),
    )
    op.create_index("ix_invoices_org_id_status", "invoices", ["org_id", "status"])
    op.create_table(
        "credits",
        *_org_id_pk("credits"),
        sa.Column("credit_id", ID, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("number", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("fx_rate", _rate(), nullable=False),
        sa.Column("fx_quote", sa.String(20), nullable=False),
        sa.Column("total", _money(), nullable=False),
        sa.Column("remaining", _money(), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("org_id", "credit_id", name="pk_credits"),
    )
    op.create_index("ix_credits_org_id_status", "credits", ["org_id", "status"])
    op.create_table(
        "allocations",
        *_org_id_pk("allocations"),
        sa.Column("allocation_id", ID, primary_key=True),
        sa.Column("invoice_id", ID, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("source_id", ID, nullable=False),
        sa.Column("amount", _money(), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.PrimaryKeyConstraint("org_id", "allocation_id", name="pk_allocations"),
    )
    op.create_index("ix_allocations_org_id_invoice_id", "allocations", ["org_id", "invoice_id"])
    op.create_index("ix_allocations_org_id_source_id", "allocations", ["org_id", "source_id"])
    op.create_table(
        "stream_states",
        *_org_id_pk("stream_states"),
        sa.Column("stream", sa.String(100), primary_key=True),
        sa.Column("state", JSONText, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("org_id", "stream", name="pk_stream_states"),
    )
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("org_id", ID, nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("counts", JSONText, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sync_runs"),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.org_id"], ondelete="CASCADE", name="fk_sync_runs_org_id_orgs"
        ),
        sa.CheckConstraint(
            "status IN ('running', 'ok', 'failed', 'interrupted')", name="ck_sync_runs_status"
        ),
    )
    op.create_index("ix_sync_runs_org_id_started_at", "sync_runs", ["org_id", "started_at"])
    op.create_table(
        "aging_snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("org_id", ID, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("basis", sa.String(20), nullable=False),
        sa.Column("scheme", sa.String(20), nullable=False),
        sa.Column("base_currency", sa.String(3), nullable=False),
        sa.Column("buckets", JSONText, nullable=False),
        sa.Column("totals", JSONText, nullable=False),
        sa.Column("total", _money(), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_aging_snapshots"),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.org_id"], ondelete="CASCADE", name="fk_aging_snapshots_org_id_orgs"
        ),
        sa.UniqueConstraint(
            "org_id",
            "as_of",
            "basis",
            "scheme",
            name="uq_aging_snapshots_org_id_as_of_basis_scheme",
        ),
    )
    op.create_table(
        "aging_snapshot_lines",
        sa.Column("snapshot_id", sa.Integer, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("bucket", sa.String(50), nullable=False),
        sa.Column("amount", _money(), nullable=True),
        sa.Column("base_amount", _money(), nullable=True),
        sa.PrimaryKeyConstraint(
            "snapshot_id", "customer_id", "currency", "bucket", name="pk_aging_snapshot_lines"
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["aging_snapshots.id"],
            ondelete="CASCADE",
            name="fk_aging_snapshot_lines_snapshot_id_aging_snapshots",
        ),
    )


def downgrade() -> None:
    for table in (
        "aging_snapshot_lines",
        "aging_snapshots",
        "sync_runs",
        "stream_states",
        "allocations",
        "credits",
        "invoices",
        "customers",
        "orgs",
    ):
        op.drop_table(table)
