"""Record which organisation made each assignment

Revision ID: 0009_assignment_owner
Revises: 0008_publish_runs
Create Date: 2026-11-30 10:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_assignment_owner'
down_revision = '0008_publish_runs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_organization_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_assignments_owner_organization_id'), ['owner_organization_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_assignments_owner_organization_id_organizations'), 'organizations', ['owner_organization_id'], ['id'], ondelete='CASCADE')

    # An assignment to a whole organisation belongs to it.
    op.execute(
        "UPDATE assignments SET owner_organization_id = organization_id "
        "WHERE organization_id IS NOT NULL"
    )
    # One person's assignment: the organisation of theirs that the assigner managed, else the
    # first organisation they belong to (the old pages showed it to every one of them).
    op.execute(
        """
        UPDATE assignments SET owner_organization_id = (
            SELECT MIN(m.organization_id) FROM memberships m
            WHERE m.user_id = assignments.user_id AND EXISTS (
                SELECT 1 FROM memberships mm
                WHERE mm.organization_id = m.organization_id
                  AND mm.user_id = assignments.assigned_by_id AND mm.role = 'manager'
            )
        )
        WHERE owner_organization_id IS NULL
        """
    )
    op.execute(
        """
        UPDATE assignments SET owner_organization_id = (
            SELECT MIN(m.organization_id) FROM memberships m
            WHERE m.user_id = assignments.user_id
        )
        WHERE owner_organization_id IS NULL
        """
    )


def downgrade():
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assignments_owner_organization_id_organizations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_assignments_owner_organization_id'))
        batch_op.drop_column('owner_organization_id')
