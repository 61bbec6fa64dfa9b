"""The schema comes only from committed migrations, and matches the models."""

from __future__ import annotations

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
