"""Let admins choose whether a learner may read why their certificate was revoked

Revision ID: 0007_revoked_reason_shown
Revises: 0006_cme_compliance
Create Date: 2026-11-30 10:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_revoked_reason_shown"
down_revision = "0006_cme_compliance"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        # Reasons given before this choice existed stay private: false for every existing row.
        batch_op.add_column(
            sa.Column(
                "revoked_reason_shown", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("revoked_reason_shown")
