"""Family resources: published tip sheets, articles, infographics and videos, per language

Revision ID: 0017_family_resources
Revises: 0016_webinar_attendance
Create Date: 2026-11-30 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from lms.database import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0017_family_resources'
down_revision = "0016_webinar_attendance"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'family_resources',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=100), nullable=False),
        sa.Column('language', sa.String(length=20), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('reading_level', sa.Integer(), nullable=False),
        sa.Column('body_html', sa.Text(), nullable=False),
        sa.Column('pair_language', sa.String(length=20), nullable=True),
        sa.Column('video_url', sa.String(length=2000), nullable=True),
        sa.Column('handout_sha256', sa.String(length=64), nullable=True),
        sa.Column('handout_name', sa.String(length=500), nullable=True),
        sa.Column('handout_type', sa.String(length=100), nullable=True),
        sa.Column('handout_alt', sa.Text(), nullable=True),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('published_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['handout_sha256'], ['media_blobs.sha256'],
            name=op.f('fk_family_resources_handout_sha256_media_blobs'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_family_resources')),
        sa.UniqueConstraint('slug', 'language', name='uq_family_resources_slug'),
    )
    with op.batch_alter_table('family_resources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_resources_slug'), ['slug'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_resources_language'), ['language'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_resources_kind'), ['kind'], unique=False)
    op.create_table(
        'family_resource_tags',
        sa.Column('resource_id', sa.Integer(), nullable=False),
        sa.Column('facet', sa.String(length=10), nullable=False),
        sa.Column('value', sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ['resource_id'], ['family_resources.id'],
            name=op.f('fk_family_resource_tags_resource_id_family_resources'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('resource_id', 'facet', 'value', name=op.f('pk_family_resource_tags')),
    )
    with op.batch_alter_table('family_resource_tags', schema=None) as batch_op:
        batch_op.create_index('ix_family_resource_tags_facet_value', ['facet', 'value'], unique=False)


def downgrade():
    with op.batch_alter_table('family_resource_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_family_resource_tags_facet_value')
    op.drop_table('family_resource_tags')
    with op.batch_alter_table('family_resources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_resources_kind'))
        batch_op.drop_index(batch_op.f('ix_family_resources_language'))
        batch_op.drop_index(batch_op.f('ix_family_resources_slug'))
    op.drop_table('family_resources')
