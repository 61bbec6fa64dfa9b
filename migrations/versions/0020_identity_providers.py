"""Identity providers for single sign-on, their email domains, and accounts linked to them

Revision ID: 0020_identity_providers
Revises: 0019_chapters
Create Date: 2026-11-30 20:05:00

"""
from alembic import op
import sqlalchemy as sa

import lms.database

# revision identifiers, used by Alembic.
revision = '0020_identity_providers'
down_revision = "0019_chapters"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('identity_providers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('protocol', sa.String(length=16), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('client_secret_encrypted', sa.Text(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', lms.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_identity_providers_organization_id_organizations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_providers')),
    sa.UniqueConstraint('protocol', 'issuer', 'client_id', name=op.f('uq_identity_providers_protocol_issuer_client_id'))
    )
    with op.batch_alter_table('identity_providers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_providers_organization_id'), ['organization_id'], unique=False)

    op.create_table('identity_provider_domains',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.String(length=253), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['identity_providers.id'], name=op.f('fk_identity_provider_domains_provider_id_identity_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_provider_domains')),
    sa.UniqueConstraint('domain', name=op.f('uq_identity_provider_domains_domain'))
    )
    with op.batch_alter_table('identity_provider_domains', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_provider_domains_provider_id'), ['provider_id'], unique=False)

    op.create_table('user_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('linked_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('last_sign_in_at', lms.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['provider_id'], ['identity_providers.id'], name=op.f('fk_user_identities_provider_id_identity_providers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_identities_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_identities')),
    sa.UniqueConstraint('provider_id', 'subject', name=op.f('uq_user_identities_provider_id_subject'))
    )
    with op.batch_alter_table('user_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_identities_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_identities_user_id'), ['user_id'], unique=False)

    op.create_table('sso_pending_sign_ins',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('expires_at', lms.database.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_sso_pending_sign_ins'))
    )
    with op.batch_alter_table('sso_pending_sign_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sso_pending_sign_ins_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('sso_pending_sign_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sso_pending_sign_ins_expires_at'))
    op.drop_table('sso_pending_sign_ins')
    with op.batch_alter_table('user_identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_identities_user_id'))
        batch_op.drop_index(batch_op.f('ix_user_identities_provider_id'))
    op.drop_table('user_identities')
    with op.batch_alter_table('identity_provider_domains', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_provider_domains_provider_id'))
    op.drop_table('identity_provider_domains')
    with op.batch_alter_table('identity_providers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_providers_organization_id'))
    op.drop_table('identity_providers')
