"""A physician's state of licensure and state license number, for state-board reporting

State medical boards match a physician on name, birth month and day, and state of licensure
with the state license ID (ACCME PARS); both are optional profile fields.

Revision ID: 0034_licensure
Revises: 0033_reset_requests
Create Date: 2026-12-01 02:50:00

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0034_licensure"
down_revision = "0033_reset_requests"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("license_state", sa.String(length=2), nullable=True))
        batch.add_column(sa.Column("license_number", sa.String(length=30), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("license_number")
        batch.drop_column("license_state")
