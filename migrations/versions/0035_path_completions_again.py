"""A learning path completed again (annual retraining) and path certificates reissued

Revision ID: 0035_path_completions_again
Revises: 0034_licensure
Create Date: 2026-12-01 04:00:00

"""

from alembic import op
import sqlalchemy as sa

import lms.database

# revision identifiers, used by Alembic.
revision = "0035_path_completions_again"
down_revision = "0034_licensure"
branch_labels = None
depends_on = None

NOT_SUPERSEDED = sa.text("status != 'superseded'")


def upgrade():
    # Existing completions are each learner's first of their path: sequence 1.
    with op.batch_alter_table("path_completions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sequence", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("superseded_by_id", sa.Integer(), nullable=True))
        # Older rows: issued at completion (read as such when None).
        batch_op.add_column(sa.Column("issued_at", lms.database.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_path_completions_superseded_by_id_path_completions"),
            "path_completions",
            ["superseded_by_id"],
            ["id"],
        )
        batch_op.drop_constraint("uq_path_completions_user_id_path_id", type_="unique")
    # One completion per learner, path and cycle, however many requests race; a reissued
    # certificate's superseded row shares its cycle with the replacement.
    op.create_index(
        "uq_path_completions_user_id_path_id_sequence",
        "path_completions",
        ["user_id", "path_id", "sequence"],
        unique=True,
        postgresql_where=NOT_SUPERSEDED,
        sqlite_where=NOT_SUPERSEDED,
    )


def downgrade():
    # Only possible while every learner has at most one completion per path.
    op.drop_index("uq_path_completions_user_id_path_id_sequence", table_name="path_completions")
    with op.batch_alter_table("path_completions", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "uq_path_completions_user_id_path_id", ["user_id", "path_id"]
        )
        batch_op.drop_constraint(
            batch_op.f("fk_path_completions_superseded_by_id_path_completions"), type_="foreignkey"
        )
        batch_op.drop_column("issued_at")
        batch_op.drop_column("superseded_by_id")
        batch_op.drop_column("sequence")
