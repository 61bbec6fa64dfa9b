"""Record the language each quiz attempt was answered in, for item analysis per language

Revision ID: 0014_attempt_language
Revises: 0012_course_cover
Create Date: 2026-11-30 16:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_attempt_language'
# The lead re-chains this after 0013 lands on main.
down_revision = '0012_course_cover'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable: attempts made before courses had editions were answered in the primary language.
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_column('language')
