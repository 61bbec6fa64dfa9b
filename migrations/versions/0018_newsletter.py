"""Keep newsletter subscribers and their consent, issues, per-subscriber deliveries and course notices

Revision ID: 0018_newsletter
Revises: 0017_family_resources
Create Date: 2026-11-30 19:40:12.340331

"""
from alembic import op
import sqlalchemy as sa

import lms.database
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0018_newsletter'
down_revision = "0017_family_resources"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('newsletter_issues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('period_start', lms.database.UTCDateTime(), nullable=False),
    sa.Column('period_end', lms.database.UTCDateTime(), nullable=False),
    sa.Column('content', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('send_started_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('sent_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('claimed_until', lms.database.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_newsletter_issues'))
    )
    with op.batch_alter_table('newsletter_issues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_newsletter_issues_sent_at'), ['sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_newsletter_issues_status'), ['status'], unique=False)

    op.create_table('newsletter_subscribers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('topics', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('consent_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('consent_source', sa.String(length=200), nullable=False),
    sa.Column('consent_text', sa.Text(), nullable=False),
    sa.Column('consent_language', sa.String(length=8), nullable=False),
    sa.Column('confirmed_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('unsubscribed_at', lms.database.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_newsletter_subscribers')),
    sa.UniqueConstraint('email', name=op.f('uq_newsletter_subscribers_email'))
    )
    with op.batch_alter_table('newsletter_subscribers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_newsletter_subscribers_status'), ['status'], unique=False)

    op.create_table('course_notice_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('new_courses', sa.Boolean(), nullable=False),
    sa.Column('new_versions', sa.Boolean(), nullable=False),
    sa.Column('since', lms.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_course_notice_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_course_notice_preferences'))
    )
    op.create_table('newsletter_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('subscriber_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('next_attempt_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('claimed_until', lms.database.UTCDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('sent_at', lms.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['issue_id'], ['newsletter_issues.id'], name=op.f('fk_newsletter_deliveries_issue_id_newsletter_issues')),
    sa.ForeignKeyConstraint(['subscriber_id'], ['newsletter_subscribers.id'], name=op.f('fk_newsletter_deliveries_subscriber_id_newsletter_subscribers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_newsletter_deliveries')),
    sa.UniqueConstraint('issue_id', 'subscriber_id', name=op.f('uq_newsletter_deliveries_issue_id_subscriber_id'))
    )
    with op.batch_alter_table('newsletter_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_newsletter_deliveries_issue_id'), ['issue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_newsletter_deliveries_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_newsletter_deliveries_subscriber_id'), ['subscriber_id'], unique=False)

    op.create_table('course_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('sent_at', lms.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_course_notices_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['course_versions.id'], name=op.f('fk_course_notices_version_id_course_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_notices')),
    sa.UniqueConstraint('user_id', 'version_id', name=op.f('uq_course_notices_user_id_version_id'))
    )
    with op.batch_alter_table('course_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_notices_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_notices_version_id'), ['version_id'], unique=False)



def downgrade():
    with op.batch_alter_table('course_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_notices_version_id'))
        batch_op.drop_index(batch_op.f('ix_course_notices_user_id'))

    op.drop_table('course_notices')
    with op.batch_alter_table('newsletter_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_newsletter_deliveries_subscriber_id'))
        batch_op.drop_index(batch_op.f('ix_newsletter_deliveries_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_newsletter_deliveries_issue_id'))

    op.drop_table('newsletter_deliveries')
    op.drop_table('course_notice_preferences')
    with op.batch_alter_table('newsletter_subscribers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_newsletter_subscribers_status'))

    op.drop_table('newsletter_subscribers')
    with op.batch_alter_table('newsletter_issues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_newsletter_issues_status'))
        batch_op.drop_index(batch_op.f('ix_newsletter_issues_sent_at'))

    op.drop_table('newsletter_issues')
