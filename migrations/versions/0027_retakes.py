"""Retakes, new versions, extra attempts: one open enrolment per learner and course

Revision ID: 0027_retakes
Revises: 0028_learning_paths
Create Date: 2026-11-30 23:20:00

"""

import sqlalchemy as sa
from alembic import op

import lms.database

# revision identifiers, used by Alembic.
revision = "0027_retakes"
down_revision = "0028_learning_paths"
branch_labels = None
depends_on = None

OPEN_ENROLMENT = sa.text("ended_at IS NULL")
OPEN_REQUEST = sa.text("status = 'open'")


def upgrade():
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_at", lms.database.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("end_reason", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("kept_over_version_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_enrolments_kept_over_version_id_course_versions"),
            "course_versions",
            ["kept_over_version_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.drop_constraint("uq_enrolments_user_id_course_id", type_="unique")
        batch_op.create_index(
            "uq_enrolments_open",
            ["user_id", "course_id"],
            unique=True,
            sqlite_where=OPEN_ENROLMENT,
            postgresql_where=OPEN_ENROLMENT,
        )
    with op.batch_alter_table("completions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_completions_user_id_version_id", type_="unique")
        batch_op.create_unique_constraint("uq_completions_enrolment_id", ["enrolment_id"])
    with op.batch_alter_table("evaluation_responses", schema=None) as batch_op:
        batch_op.drop_constraint("uq_evaluation_responses_user_id_page_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_evaluation_responses_enrolment_id_page_id", ["enrolment_id", "page_id"]
        )
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reset_at", lms.database.UTCDateTime(), nullable=True))

    op.create_table(
        "attempt_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("extra", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("granted_at", lms.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name=op.f("fk_attempt_grants_enrolment_id_enrolments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"], ["users.id"], name=op.f("fk_attempt_grants_granted_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["page_id"], ["course_pages.id"], name=op.f("fk_attempt_grants_page_id_course_pages")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_attempt_grants_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt_grants")),
    )
    with op.batch_alter_table("attempt_grants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attempt_grants_enrolment_id"), ["enrolment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_attempt_grants_page_id"), ["page_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attempt_grants_user_id"), ["user_id"], unique=False)

    op.create_table(
        "attempt_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", lms.database.UTCDateTime(), nullable=False),
        sa.Column("decided_at", lms.database.UTCDateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_attempt_requests_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name=op.f("fk_attempt_requests_enrolment_id_enrolments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["page_id"], ["course_pages.id"], name=op.f("fk_attempt_requests_page_id_course_pages")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_attempt_requests_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt_requests")),
    )
    with op.batch_alter_table("attempt_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attempt_requests_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_attempt_requests_enrolment_id"), ["enrolment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_attempt_requests_page_id"), ["page_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attempt_requests_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "uq_attempt_requests_open",
            ["user_id", "page_id"],
            unique=True,
            sqlite_where=OPEN_REQUEST,
            postgresql_where=OPEN_REQUEST,
        )


def downgrade():
    op.drop_table("attempt_requests")
    op.drop_table("attempt_grants")
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.drop_column("reset_at")
    # Going back means one enrolment, completion and evaluation per learner again: the
    # earlier records of retakes cannot fit that shape and are removed by hand first.
    with op.batch_alter_table("evaluation_responses", schema=None) as batch_op:
        batch_op.drop_constraint("uq_evaluation_responses_enrolment_id_page_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_evaluation_responses_user_id_page_id", ["user_id", "page_id"]
        )
    with op.batch_alter_table("completions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_completions_enrolment_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_completions_user_id_version_id", ["user_id", "version_id"]
        )
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_index("uq_enrolments_open")
        batch_op.create_unique_constraint(
            "uq_enrolments_user_id_course_id", ["user_id", "course_id"]
        )
        batch_op.drop_constraint(
            batch_op.f("fk_enrolments_kept_over_version_id_course_versions"), type_="foreignkey"
        )
        batch_op.drop_column("kept_over_version_id")
        batch_op.drop_column("end_reason")
        batch_op.drop_column("ended_at")
