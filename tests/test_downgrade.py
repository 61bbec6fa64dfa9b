"""`flask db downgrade` never drops records unless an operator forces it on purpose.

Each scenario migrates its own scratch database (a file on SQLite, a schema on PostgreSQL),
so a downgrade that goes wrong cannot take the shared test database with it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from lms import create_app
from lms.accounts import services as account_services
from lms.courses.models import Course, CourseVersion
from lms.courses.services import publish_courses
from lms.extensions import db
from tests.conftest import CHEAP_HASH, ROOT, _base_config


@pytest.fixture()
def scratch(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """Return an app on a freshly migrated database of its own."""
    schema = None
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
    else:
        schema = f"downgrade_{secrets.token_hex(4)}"
        admin = create_engine(database_url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{database_url}?options=-csearch_path%3D{schema}"
    app = create_app(_base_config(url, tmp_path / "instance"))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()
    if schema is not None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def tables() -> set[str]:
    with db.engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def add_records() -> None:
    account_services.create_user(
        "learner@example.org",
        "A Learner",
        "correct horse battery",
        profession="pediatric-trainee",
        hash_method=CHEAP_HASH,
    )
    report = publish_courses(ROOT / "courses", max_media_bytes=20 * 1024 * 1024)
    assert not report.failed
    db.session.commit()


def downgrade(scratch: Flask, *args: str, env: dict[str, str] | None = None):
    return scratch.test_cli_runner().invoke(args=["db", "downgrade", *args], env=env)


def test_a_downgrade_that_would_drop_records_refuses_and_keeps_them(scratch):
    add_records()
    before = tables()

    result = downgrade(scratch, "base")

    assert result.exit_code == 1, result.output
    assert "Refusing to downgrade" in result.output
    assert "courses: 2 row(s)" in result.output
    assert "users: 1 row(s)" in result.output
    assert "LMS_ALLOW_DESTRUCTIVE_DOWNGRADE=1" in result.output
    assert tables() == before
    assert "_alembic_tmp_courses" not in tables()
    assert db.session.scalar(select(func.count()).select_from(Course)) == 2
    assert db.session.scalar(select(func.count()).select_from(CourseVersion)) == 2


def test_a_one_step_downgrade_that_drops_a_column_with_values_refuses(scratch):
    add_records()
    # To just below 0006, which drops columns that hold values (later revisions drop none).
    result = downgrade(scratch, "0005")
    assert result.exit_code == 1, result.output
    assert "Refusing to downgrade" in result.output
    # One source row per Markdown file of the sample courses (both languages).
    sources = len(list((ROOT / "courses").rglob("*.md")))
    assert f"course_version_sources: {sources} row(s)" in result.output
    assert "course_versions.source_commit: 2 value(s)" in result.output
    assert "course_version_sources" in tables()


def test_a_forced_downgrade_of_an_empty_database_drops_everything(scratch):
    result = downgrade(scratch, "base", "-x", "force=1")
    assert result.exit_code == 0, result.output
    assert tables() <= {"alembic_version"}


def test_a_downgrade_forced_through_the_environment_drops_records_cleanly(scratch):
    add_records()
    result = downgrade(scratch, "base", env={"LMS_ALLOW_DESTRUCTIVE_DOWNGRADE": "1"})
    assert result.exit_code == 0, result.output
    assert tables() <= {"alembic_version"}


def test_going_back_below_course_covers_refuses_then_drops_them_when_forced(scratch):
    add_records()  # both sample courses have covers

    refused = downgrade(scratch, "0011_draft_answers")
    assert refused.exit_code == 1, refused.output
    assert "course_versions.cover: 2 value(s)" in refused.output

    forced = downgrade(scratch, "0011_draft_answers", "-x", "force=1")
    assert forced.exit_code == 0, forced.output
    with db.engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("course_versions")}
    assert not {"cover", "featured"} & columns
    assert db.session.scalar(select(func.count()).select_from(Course)) == 2

    again = scratch.test_cli_runner().invoke(args=["db", "upgrade"])
    assert again.exit_code == 0, again.output
    db.session.remove()
    assert all(
        v.cover is None and v.featured is False for v in db.session.scalars(select(CourseVersion))
    )


def test_attempt_languages_migrate_up_and_down(scratch):
    def columns() -> set[str]:
        with db.engine.connect() as connection:
            return {c["name"] for c in inspect(connection).get_columns("quiz_attempts")}

    assert "language" in columns()

    down = downgrade(scratch, "0014_attempt_language-1")
    assert down.exit_code == 0, down.output
    assert "language" not in columns()

    again = scratch.test_cli_runner().invoke(args=["db", "upgrade"])
    assert again.exit_code == 0, again.output
    db.session.remove()
    assert "language" in columns()


def test_duplicate_person_assignments_merge_when_their_unique_index_arrives(scratch):
    add_records()
    assert downgrade(scratch, "0023_chapter_providers").exit_code == 0
    with db.engine.begin() as connection:
        run = connection.execute
        run(
            text(
                "INSERT INTO organizations (id, name, kind, created_at) "
                "VALUES (7, 'Clinic', 'clinic', '2026-11-01')"
            )
        )
        course_id = run(text("SELECT min(id) FROM courses")).scalar_one()
        user_id = run(text("SELECT min(id) FROM users")).scalar_one()
        for assignment_id in (1, 2, 3):
            run(
                text(
                    "INSERT INTO assignments (id, course_id, user_id, owner_organization_id, "
                    "due_date, assigned_at, recur_on_date) VALUES "
                    "(:id, :course, :user, 7, '2027-01-01', '2026-11-01', false)"
                ),
                {"id": assignment_id, "course": course_id, "user": user_id},
            )
        # The same reminder logged for the first and the second; another one for the third.
        for assignment_id, period in ((1, "2026-12-01"), (2, "2026-12-01"), (3, "2027-01-01")):
            run(
                text(
                    "INSERT INTO reminder_logs (assignment_id, user_id, period_start, kind, "
                    "sent_at) VALUES (:a, :user, :period, 'overdue', '2026-12-01')"
                ),
                {"a": assignment_id, "user": user_id, "period": period},
            )

    again = scratch.test_cli_runner().invoke(args=["db", "upgrade"])

    assert again.exit_code == 0, again.output
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT id FROM assignments")).scalars().all() == [1]
        reminders = connection.execute(
            text("SELECT assignment_id, period_start FROM reminder_logs ORDER BY period_start")
        ).all()
        assert [(a, str(p)[:10]) for a, p in reminders] == [(1, "2026-12-01"), (1, "2027-01-01")]
        with pytest.raises(IntegrityError):
            connection.execute(
                text(
                    "INSERT INTO assignments (course_id, user_id, owner_organization_id, "
                    "due_date, assigned_at, recur_on_date) VALUES "
                    "(:course, :user, 7, '2027-02-01', '2026-11-02', false)"
                ),
                {"course": course_id, "user": user_id},
            )
