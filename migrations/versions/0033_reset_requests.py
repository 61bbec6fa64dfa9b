"""Password-reset requests kept in the database until handled

A reset job popped by a worker that was then killed was lost with its email: Huey's Redis
storage has no acknowledgement. The request row lets a periodic sweep queue it again.

Revision ID: 0033_reset_requests
Revises: 0032_path_recurrence
Create Date: 2026-12-01 02:50:00

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0033_reset_requests"
down_revision = "0032_path_recurrence"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "password_reset_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("handled_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_requests")),
    )
    with op.batch_alter_table("password_reset_requests") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_password_reset_requests_email"), ["email"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_password_reset_requests_requested_at"), ["requested_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("password_reset_requests") as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_reset_requests_requested_at"))
        batch_op.drop_index(batch_op.f("ix_password_reset_requests_email"))
    op.drop_table("password_reset_requests")
