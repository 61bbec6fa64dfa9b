"""Participation claims once per completion, credit once per version: partial unique indexes

A staff member who retakes the same course version for annual training earns a new certificate
of participation for the new completion. Real credit (AMA, ABP MOC, ANCC) stays once per
version per learner: the activity is the same, so its credit must not be claimed twice.

Revision ID: 0031_claims_per_completion
Revises: 0029_assignment_unique
Create Date: 2026-12-01 02:45:00

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0031_claims_per_completion"
down_revision = "0029_assignment_unique"
branch_labels = None
depends_on = None

OLD = "uq_credit_claims_user_id_version_id_credit_type"
PARTICIPATION = "uq_credit_claims_participation_per_completion"
CREDIT = "uq_credit_claims_credit_per_version"
IS_PARTICIPATION = sa.text("credit_type = 'participation'")
IS_CREDIT = sa.text("credit_type != 'participation'")


def upgrade():
    with op.batch_alter_table("credit_claims") as batch:
        batch.drop_constraint(OLD, type_="unique")
    op.create_index(
        PARTICIPATION,
        "credit_claims",
        ["user_id", "completion_id", "credit_type"],
        unique=True,
        sqlite_where=IS_PARTICIPATION,
        postgresql_where=IS_PARTICIPATION,
    )
    op.create_index(
        CREDIT,
        "credit_claims",
        ["user_id", "version_id", "credit_type"],
        unique=True,
        sqlite_where=IS_CREDIT,
        postgresql_where=IS_CREDIT,
    )


def downgrade():
    repeated = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT count(*) FROM (SELECT user_id, version_id FROM credit_claims "
                "WHERE version_id IS NOT NULL GROUP BY user_id, version_id, credit_type "
                "HAVING count(*) > 1) AS repeated"
            )
        )
        .scalar_one()
    )
    if repeated:
        # The old constraint cannot hold them, and claims are records: never drop one here.
        raise RuntimeError(
            f"Refusing to downgrade: {repeated} learner(s) hold participation claims of a "
            "retaken course version, which the old one-claim-per-version constraint forbids."
        )
    op.drop_index(CREDIT, table_name="credit_claims")
    op.drop_index(PARTICIPATION, table_name="credit_claims")
    with op.batch_alter_table("credit_claims") as batch:
        batch.create_unique_constraint(OLD, ["user_id", "version_id", "credit_type"])
