"""One assignment of a course to a person per assigning organization: a partial unique index

Two managers (or one double-clicking) could assign the same course to the same person at the
same instant and leave two assignments, two reminders, two rows on the status board. Existing
duplicates are merged first: the oldest assignment is kept, and the reminders sent for the others
are moved to it (or dropped when it already has one for that period).

Revision ID: 0029_assignment_unique
Revises: 0026_account_deletion
Create Date: 2026-11-30 23:20:00

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0029_assignment_unique"
down_revision = "0026_account_deletion"
branch_labels = None
depends_on = None

INDEX = "uq_assignments_owner_person_course"
WHERE = sa.text("user_id IS NOT NULL AND course_id IS NOT NULL")


def _merge_duplicates(connection) -> None:
    rows = connection.execute(
        sa.text(
            "SELECT id, owner_organization_id, user_id, course_id FROM assignments "
            "WHERE user_id IS NOT NULL AND course_id IS NOT NULL "
            "AND owner_organization_id IS NOT NULL ORDER BY id"
        )
    ).all()
    keepers: dict[tuple[int, int, int], int] = {}
    for assignment_id, owner, user, course in rows:
        keeper = keepers.setdefault((owner, user, course), assignment_id)
        if keeper == assignment_id:
            continue
        # A reminder already logged for the kept assignment in the same period stays the record.
        connection.execute(
            sa.text(
                "DELETE FROM reminder_logs WHERE assignment_id = :duplicate AND EXISTS ("
                "SELECT 1 FROM reminder_logs AS kept WHERE kept.assignment_id = :keeper "
                "AND kept.user_id = reminder_logs.user_id "
                "AND kept.period_start = reminder_logs.period_start)"
            ),
            {"duplicate": assignment_id, "keeper": keeper},
        )
        connection.execute(
            sa.text(
                "UPDATE reminder_logs SET assignment_id = :keeper WHERE assignment_id = :duplicate"
            ),
            {"duplicate": assignment_id, "keeper": keeper},
        )
        connection.execute(
            sa.text("DELETE FROM assignments WHERE id = :duplicate"), {"duplicate": assignment_id}
        )


def upgrade():
    _merge_duplicates(op.get_bind())
    op.create_index(
        INDEX,
        "assignments",
        ["owner_organization_id", "user_id", "course_id"],
        unique=True,
        sqlite_where=WHERE,
        postgresql_where=WHERE,
    )


def downgrade():
    op.drop_index(INDEX, table_name="assignments")
