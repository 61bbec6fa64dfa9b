"""Record webinar attendance by source, webinar evaluations, and credit claims for live webinars

Revision ID: 0016_webinar_attendance
Revises: 0015_webinars
Create Date: 2026-11-30 19:41:03.918712

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import lms.database

# revision identifiers, used by Alembic.
revision = "0016_webinar_attendance"
down_revision = "0015_webinars"
branch_labels = None
depends_on = None

COURSE_OR_WEBINAR = (
    "(webinar_id IS NULL AND completion_id IS NOT NULL AND version_id IS NOT NULL)"
    " OR (webinar_id IS NOT NULL AND completion_id IS NULL AND version_id IS NULL)"
)


def upgrade():
    op.create_table(
        "webinar_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("webinar_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", lms.database.UTCDateTime(), nullable=False),
        sa.Column("import_digest", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint("minutes >= 0", name=op.f("ck_webinar_attendance_minutes_not_negative")),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_webinar_attendance_recorded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_webinar_attendance_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["webinar_id"], ["webinars.id"], name=op.f("fk_webinar_attendance_webinar_id_webinars")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webinar_attendance")),
        sa.UniqueConstraint(
            "webinar_id",
            "user_id",
            "source",
            name=op.f("uq_webinar_attendance_webinar_id_user_id_source"),
        ),
    )
    with op.batch_alter_table("webinar_attendance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webinar_attendance_user_id"), ["user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webinar_attendance_webinar_id"), ["webinar_id"], unique=False
        )

    op.create_table(
        "webinar_evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("webinar_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "answers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("submitted_at", lms.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_webinar_evaluations_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["webinar_id"], ["webinars.id"], name=op.f("fk_webinar_evaluations_webinar_id_webinars")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webinar_evaluations")),
        sa.UniqueConstraint(
            "webinar_id", "user_id", name=op.f("uq_webinar_evaluations_webinar_id_user_id")
        ),
    )
    with op.batch_alter_table("webinar_evaluations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webinar_evaluations_user_id"), ["user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webinar_evaluations_webinar_id"), ["webinar_id"], unique=False
        )

    # A claim for a live webinar has the webinar instead of a course completion and version.
    with op.batch_alter_table("credit_claims", schema=None) as batch_op:
        batch_op.add_column(sa.Column("webinar_id", sa.Integer(), nullable=True))
        batch_op.alter_column("completion_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.alter_column("version_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(
            batch_op.f("ix_credit_claims_webinar_id"), ["webinar_id"], unique=False
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_credit_claims_user_id_webinar_id_credit_type"),
            ["user_id", "webinar_id", "credit_type"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_credit_claims_webinar_id_webinars"), "webinars", ["webinar_id"], ["id"]
        )
        batch_op.create_check_constraint(
            op.f("ck_credit_claims_course_or_webinar"), COURSE_OR_WEBINAR
        )


def downgrade():
    with op.batch_alter_table("credit_claims", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_credit_claims_course_or_webinar"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_credit_claims_webinar_id_webinars"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("uq_credit_claims_user_id_webinar_id_credit_type"), type_="unique"
        )
        batch_op.drop_index(batch_op.f("ix_credit_claims_webinar_id"))
        batch_op.alter_column("version_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.alter_column("completion_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("webinar_id")

    with op.batch_alter_table("webinar_evaluations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webinar_evaluations_webinar_id"))
        batch_op.drop_index(batch_op.f("ix_webinar_evaluations_user_id"))
    op.drop_table("webinar_evaluations")

    with op.batch_alter_table("webinar_attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webinar_attendance_webinar_id"))
        batch_op.drop_index(batch_op.f("ix_webinar_attendance_user_id"))
    op.drop_table("webinar_attendance")
