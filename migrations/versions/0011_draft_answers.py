"""Keep draft answers on open quiz attempts

Revision ID: 0011_draft_answers
Revises: 0010_outbox_emails
Create Date: 2026-11-30 10:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import lms.database
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0011_draft_answers'
down_revision = '0010_outbox_emails'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('draft_answers', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))
        batch_op.add_column(sa.Column('draft_saved_at', lms.database.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_column('draft_saved_at')
        batch_op.drop_column('draft_answers')
