"""Scheduled runs: one row per scheduled job and period, so racing workers run it once

Revision ID: 0030_ops
Revises: 0024_api_tokens
Create Date: 2026-11-30 23:30:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0030_ops"
down_revision = "0024_api_tokens"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scheduled_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("ran_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_runs")),
        sa.UniqueConstraint("job", "period", name=op.f("uq_scheduled_runs_job_period")),
    )


def downgrade():
    op.drop_table("scheduled_runs")
