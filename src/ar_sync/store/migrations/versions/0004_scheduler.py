"""The scheduler: timetables, every job run, and APScheduler's job store.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

``schedules`` holds each org's timetable (cron strings in the org's timezone), ``job_runs``
every run of a sync, remind or statements job, manual or scheduled, and ``apscheduler_jobs``
is APScheduler 3.x's ``SQLAlchemyJobStore`` table, created here exactly as the job store
defines it (see ``ar_sync.store.tables``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ar_sync.store.types import JSONText, UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(200)


def _org_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["org_id"], ["orgs.org_id"], name=f"fk_{table}_org_id_orgs", ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("org_id", ID, nullable=False),
        sa.Column("sync_cron", sa.String(100), nullable=True),
        sa.Column("remind_cron", sa.String(100), nullable=True),
        sa.Column("statements_cron", sa.String(100), nullable=True),
        sa.Column("policy", sa.Text, nullable=True),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("org_id", name="pk_schedules"),
        _org_fk("schedules"),
    )
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("org_id", ID, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("scheduled_for", UTCDateTime, nullable=True),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime, nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("counts", JSONText, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_job_runs"),
        _org_fk("job_runs"),
        sa.CheckConstraint("kind IN ('sync', 'remind', 'statements')", name="ck_job_runs_kind"),
        sa.CheckConstraint("trigger IN ('manual', 'scheduled')", name="ck_job_runs_trigger"),
        sa.CheckConstraint(
            "outcome IN ('running', 'ok', 'failed', 'skipped', 'interrupted')",
            name="ck_job_runs_outcome",
        ),
    )
    op.create_index("ix_job_runs_org_id_started_at", "job_runs", ["org_id", "started_at"])
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(191), nullable=False),
        sa.Column("next_run_time", sa.Float(25), nullable=True),
        sa.Column("job_state", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_apscheduler_jobs"),
    )
    op.create_index(
        "ix_apscheduler_jobs_next_run_time", "apscheduler_jobs", ["next_run_time"]
    )


def downgrade() -> None:
    op.drop_index("ix_apscheduler_jobs_next_run_time", table_name="apscheduler_jobs")
    op.drop_table("apscheduler_jobs")
    op.drop_index("ix_job_runs_org_id_started_at", table_name="job_runs")
    op.drop_table("job_runs")
    op.drop_table("schedules")
