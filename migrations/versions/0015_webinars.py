"""Publish live webinars, register people for them (with a waiting list), remind them once

Revision ID: 0015_webinars
Revises: 0014_attempt_language
Create Date: 2026-11-30 19:45:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import lms.database

# revision identifiers, used by Alembic.
revision = '0015_webinars'
down_revision = '0014_attempt_language'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('webinars',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=20), nullable=False),
    sa.Column('starts_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('ends_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('join_url', sa.String(length=2000), nullable=False),
    sa.Column('recording_url', sa.String(length=2000), nullable=True),
    sa.Column('course_slug', sa.String(length=100), nullable=True),
    sa.Column('attendance_code', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('cancelled_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('meta', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('source_path', sa.String(length=500), nullable=False),
    sa.Column('published_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', lms.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_webinars_ends_after_start')),
    sa.CheckConstraint('capacity IS NULL OR capacity >= 0', name=op.f('ck_webinars_capacity_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webinars')),
    sa.UniqueConstraint('slug', name=op.f('uq_webinars_slug'))
    )
    with op.batch_alter_table('webinars', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webinars_starts_at'), ['starts_at'], unique=False)

    op.create_table('webinar_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('webinar_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('promoted_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('cancelled_at', lms.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_webinar_registrations_user_id_users')),
    sa.ForeignKeyConstraint(['webinar_id'], ['webinars.id'], name=op.f('fk_webinar_registrations_webinar_id_webinars')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webinar_registrations')),
    sa.UniqueConstraint('webinar_id', 'user_id', name=op.f('uq_webinar_registrations_webinar_id_user_id'))
    )
    with op.batch_alter_table('webinar_registrations', schema=None) as batch_op:
        batch_op.create_index('ix_webinar_registrations_queue', ['webinar_id', 'status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_webinar_registrations_user_id'), ['user_id'], unique=False)

    op.create_table('webinar_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('sent_at', lms.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['webinar_registrations.id'], name=op.f('fk_webinar_reminders_registration_id_webinar_registrations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webinar_reminders')),
    sa.UniqueConstraint('registration_id', 'kind', name=op.f('uq_webinar_reminders_registration_id_kind'))
    )

    # A viewer's own time zone, for webinar times; the outbox carries one text attachment (.ics).
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachment_filename', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('attachment_type', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('attachment', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_column('attachment')
        batch_op.drop_column('attachment_type')
        batch_op.drop_column('attachment_filename')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('timezone')

    op.drop_table('webinar_reminders')
    with op.batch_alter_table('webinar_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webinar_registrations_user_id'))
        batch_op.drop_index('ix_webinar_registrations_queue')

    op.drop_table('webinar_registrations')
    with op.batch_alter_table('webinars', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webinars_starts_at'))

    op.drop_table('webinars')
