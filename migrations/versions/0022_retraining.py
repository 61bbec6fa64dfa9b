"""Training over years: recurring assignments, how long a completion stays current, certificate validity

Revision ID: 0022_retraining
Revises: 0020_identity_providers
Create Date: 2026-11-30 20:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

import lms.database


# revision identifiers, used by Alembic.
revision = '0022_retraining'
down_revision = "0020_identity_providers"
branch_labels = None
depends_on = None


def upgrade():
    # Nullable everywhere: existing assignments never recur, existing completions never lapse,
    # existing certificates never expire.
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recur_months', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('recur_on_date', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_check_constraint(
            op.f('ck_assignments_recur_months_range'), 'recur_months IS NULL OR (recur_months BETWEEN 1 AND 120)'
        )
    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_for_months', sa.Integer(), nullable=True))
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_until', sa.Date(), nullable=True))
    # Learners told in advance that a course's credit window closes: once per version.
    op.create_table(
        'credit_closing_notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('sent_at', lms.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_credit_closing_notices_user_id_users')
        ),
        sa.ForeignKeyConstraint(
            ['version_id'],
            ['course_versions.id'],
            name=op.f('fk_credit_closing_notices_version_id_course_versions'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_closing_notices')),
        sa.UniqueConstraint(
            'user_id', 'version_id', name=op.f('uq_credit_closing_notices_user_id_version_id')
        ),
    )
    with op.batch_alter_table('credit_closing_notices', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_credit_closing_notices_user_id'), ['user_id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_credit_closing_notices_version_id'), ['version_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('credit_closing_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_closing_notices_version_id'))
        batch_op.drop_index(batch_op.f('ix_credit_closing_notices_user_id'))
    op.drop_table('credit_closing_notices')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_column('valid_until')
    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.drop_column('valid_for_months')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_assignments_recur_months_range'), type_='check')
        batch_op.drop_column('recur_on_date')
        batch_op.drop_column('recur_months')
