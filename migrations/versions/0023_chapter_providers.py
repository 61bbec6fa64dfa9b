"""Identity providers owned by a chapter: a nullable chapter_id beside organization_id

Revision ID: 0023_chapter_providers
Revises: 0022_retraining
Create Date: 2026-11-30 21:25:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0023_chapter_providers"
down_revision = "0022_retraining"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("identity_providers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chapter_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_identity_providers_chapter_id"), ["chapter_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_identity_providers_chapter_id_chapters"),
            "chapters",
            ["chapter_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_check_constraint(
            op.f("ck_identity_providers_one_owner"), "organization_id IS NULL OR chapter_id IS NULL"
        )


def downgrade():
    with op.batch_alter_table("identity_providers", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_identity_providers_one_owner"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_identity_providers_chapter_id_chapters"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_identity_providers_chapter_id"))
        batch_op.drop_column("chapter_id")
