"""Path assignments recur like course assignments, and their reminders are logged once per period

Revision ID: 0032_path_recurrence
Revises: 0031_path_certificates
Create Date: 2026-12-01 02:50:00

"""

from alembic import op
import sqlalchemy as sa

import lms.database

# revision identifiers, used by Alembic.
revision = "0032_path_recurrence"
down_revision = "0031_path_certificates"
branch_labels = None
depends_on = None


def upgrade():
    # Nullable: existing path assignments never recur.
    with op.batch_alter_table("path_assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recur_months", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("recur_on_date", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_path_assignments_recur_months_range"),
            "recur_months IS NULL OR (recur_months BETWEEN 1 AND 120)",
        )
    op.create_table(
        "path_reminder_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path_assignment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("sent_at", lms.database.UTCDateTime(), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["path_assignment_id"],
            ["path_assignments.id"],
            name=op.f("fk_path_reminder_logs_path_assignment_id_path_assignments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"], ["users.id"], name=op.f("fk_path_reminder_logs_sent_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_path_reminder_logs_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_path_reminder_logs")),
        # One reminder per path assignment, person and period, however many runs race.
        sa.UniqueConstraint(
            "path_assignment_id",
            "user_id",
            "period_start",
            name=op.f("uq_path_reminder_logs_path_assignment_id_user_id_period_start"),
        ),
    )
    with op.batch_alter_table("path_reminder_logs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_path_reminder_logs_path_assignment_id"),
            ["path_assignment_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_path_reminder_logs_user_id"), ["user_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("path_reminder_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_path_reminder_logs_user_id"))
        batch_op.drop_index(batch_op.f("ix_path_reminder_logs_path_assignment_id"))
    op.drop_table("path_reminder_logs")
    with op.batch_alter_table("path_assignments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_path_assignments_recur_months_range"), type_="check")
        batch_op.drop_column("recur_on_date")
        batch_op.drop_column("recur_months")
