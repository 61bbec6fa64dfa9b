"""The schema comes only from committed migrations, and matches the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from lms.extensions import db


def test_migrations_build_exactly_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_sqlite_enforces_foreign_keys_and_uses_wal(app):
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_flask_db_check_reports_no_drift(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_a_savepoint_opened_first_is_undone_by_a_rollback(app, make_user):
    # pysqlite used to start its own transaction only at the first DML, so a SAVEPOINT issued
    # before any other write ran outside a transaction and its RELEASE committed for real.
    user = make_user()
    with db.session.begin_nested():
        user.full_name = "Written inside a savepoint"
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(type(user), user.id).full_name != "Written inside a savepoint"


def test_sqlite_reads_see_one_snapshot_per_transaction(app, make_user):
    if db.engine.dialect.name != "sqlite":
        return
    name = make_user().full_name
    with db.engine.connect() as other:
        db.session.execute(text("SELECT 1 FROM users"))
        other.execute(text("UPDATE users SET full_name = 'Changed elsewhere'"))
        other.commit()
        # The session's transaction began at its first statement, so it keeps its snapshot.
        seen = db.session.execute(text("SELECT full_name FROM users")).scalar()
    assert seen == name


def test_a_form_post_waits_as_configured_for_a_busy_sqlite_then_says_try_again(
    database_url, tmp_path
):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    import sqlite3
    import time

    from lms import create_app
    from tests.conftest import _base_config

    config = _base_config(database_url, tmp_path)
    # Not TESTING: the error must reach the error page, as it would in production.
    config.update({"SQLITE_BUSY_TIMEOUT_SECONDS": 0.3, "WTF_CSRF_ENABLED": False, "TESTING": False})
    app = create_app(config)
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, in the middle of a long write
    try:
        started = time.monotonic()
        response = app.test_client().post(
            "/login", data={"email": "someone@example.org", "password": "x" * 12}
        )
        waited = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        with app.app_context():
            db.engine.dispose()
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "Please try again in a few minutes" in response.get_data(as_text=True)
    assert 0.3 <= waited < 3  # the configured wait, not SQLite's default five seconds
