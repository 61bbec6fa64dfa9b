"""Path certificates can be revoked like course certificates, and paths can be withdrawn

Revision ID: 0031_path_certificates
Revises: 0031_claims_per_completion
Create Date: 2026-12-01 03:00:00

"""

from alembic import op
import sqlalchemy as sa

from lms.database import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0031_path_certificates"
down_revision = "0031_claims_per_completion"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("path_completions") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=20), server_default="valid", nullable=False)
        )
        batch.add_column(sa.Column("revoked_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("revoked_reason", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column(
                "revoked_reason_shown", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
    with op.batch_alter_table("learning_paths") as batch:
        batch.add_column(sa.Column("withdrawn_at", UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("learning_paths") as batch:
        batch.drop_column("withdrawn_at")
    with op.batch_alter_table("path_completions") as batch:
        batch.drop_column("revoked_reason_shown")
        batch.drop_column("revoked_reason")
        batch.drop_column("revoked_at")
        batch.drop_column("status")
