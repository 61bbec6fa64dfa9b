"""Keep every outgoing email in an outbox until a background job has sent it

Revision ID: 0010_outbox_emails
Revises: 0009_assignment_owner
Create Date: 2026-11-30 09:55:00

"""
from alembic import op
import sqlalchemy as sa

import lms.database

# revision identifiers, used by Alembic.
revision = '0010_outbox_emails'
down_revision = '0009_assignment_owner'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('next_attempt_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('claimed_until', lms.database.UTCDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('sent_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('failed_at', lms.database.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_emails'))
    )
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_emails_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_emails_sent_at'), ['sent_at'], unique=False)


def downgrade():
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_emails_sent_at'))
        batch_op.drop_index(batch_op.f('ix_outbox_emails_next_attempt_at'))

    op.drop_table('outbox_emails')
