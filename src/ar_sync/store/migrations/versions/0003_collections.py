"""Collections: the journal and the outbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

``journal_entries`` is the append-only record of every contact, hold, promise, task, result
and failure; ``outbox_actions``/``outbox_steps`` hold each action before any call is made
(see ``ar_sync.store.tables``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ar_sync.store.types import JSONText, UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(200)
KEY = sa.String(400)


def _org_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["org_id"], ["orgs.org_id"], name=f"fk_{table}_org_id_orgs", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "journal_entries",
        sa.Column("entry_id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("org_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("stage", sa.String(20), nullable=True),
        sa.Column("channels", JSONText, nullable=False),
        sa.Column("invoices", JSONText, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("key", KEY, nullable=True),
        sa.Column("detail", JSONText, nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name="pk_journal_entries"),
        _org_fk("journal_entries"),
    )
    op.create_index(
        "ix_journal_entries_org_id_customer_id_day",
        "journal_entries",
        ["org_id", "customer_id", "day"],
    )
    op.create_index("ix_journal_entries_org_id_day", "journal_entries", ["org_id", "day"])
    op.create_table(
        "outbox_actions",
        sa.Column("key", KEY, nullable=False),
        sa.Column("org_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("action", JSONText, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_outbox_actions"),
        _org_fk("outbox_actions"),
        sa.CheckConstraint(
            "status IN ('pending', 'done', 'failed', 'unknown')", name="ck_outbox_actions_status"
        ),
    )
    op.create_index("ix_outbox_actions_org_id_status", "outbox_actions", ["org_id", "status"])
    op.create_table(
        "outbox_steps",
        sa.Column("key", KEY, nullable=False),
        sa.Column("step", sa.String(300), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("marker", sa.String(100), nullable=True),
        sa.Column("message_id", sa.String(300), nullable=True),
        sa.Column("ledger_id", ID, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("key", "step", name="pk_outbox_steps"),
        sa.ForeignKeyConstraint(
            ["key"], ["outbox_actions.key"], name="fk_outbox_steps_key_outbox_actions",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "state IN ('planned', 'attempting', 'done', 'failed', 'unknown')",
            name="ck_outbox_steps_state",
        ),
    )


def downgrade() -> None:
    op.drop_table("outbox_steps")
    op.drop_index("ix_outbox_actions_org_id_status", table_name="outbox_actions")
    op.drop_table("outbox_actions")
    op.drop_index("ix_journal_entries_org_id_day", table_name="journal_entries")
    op.drop_index("ix_journal_entries_org_id_customer_id_day", table_name="journal_entries")
    op.drop_table("journal_entries")
