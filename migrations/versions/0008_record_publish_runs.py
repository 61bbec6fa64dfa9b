"""Record each publish's result per course, for the Authoring page

Revision ID: 0008_publish_runs
Revises: 0007_revoked_reason_shown
Create Date: 2026-11-30 10:50:00

"""
from alembic import op
import sqlalchemy as sa

import lms.database
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0008_publish_runs'
down_revision = '0007_revoked_reason_shown'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('publish_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('finished_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('results', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('diagnostics', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publish_runs'))
    )
    with op.batch_alter_table('publish_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publish_runs_finished_at'), ['finished_at'], unique=False)


def downgrade():
    with op.batch_alter_table('publish_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publish_runs_finished_at'))

    op.drop_table('publish_runs')
