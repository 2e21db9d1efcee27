"""The database vault (encrypted tokens) and per-org run locks.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02

``vault_entries`` holds one Fernet token per OAuth connection (never plain text);
``run_locks`` one row per org while a run holds it (see ``ar_sync.store.locks``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ar_sync.store.types import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(200)


def upgrade() -> None:
    op.create_table(
        "vault_entries",
        sa.Column("connection_id", ID, primary_key=True),
        sa.Column("ciphertext", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("connection_id", name="pk_vault_entries"),
    )
    op.create_table(
        "run_locks",
        sa.Column("org_id", ID, primary_key=True),
        sa.Column("holder_host", sa.String(255), nullable=False),
        sa.Column("holder_pid", sa.Integer, nullable=False),
        sa.Column("holder_token", sa.String(64), nullable=False),
        sa.Column("acquired_at", UTCDateTime, nullable=False),
        sa.Column("heartbeat_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("org_id", name="pk_run_locks"),
    )


def downgrade() -> None:
    op.drop_table("run_locks")
    op.drop_table("vault_entries")
