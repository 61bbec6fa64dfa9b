"""The backup and restore drill of docs/operations.md, run for real on both databases.

Each test builds its own scratch database (never the shared test database), fills it through
the app (certificates issued, one reissued after a name change, one revoked), backs it up
with the documented commands, wipes it, restores it, and checks that every certificate still
verifies at /verify/<id>.json exactly as before.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from lms import create_app
from lms.accounts import services as account_services
from lms.audit.models import AuditEvent
from lms.certificates import services as certificate_services
from lms.certificates.models import Certificate
from lms.courses.services import publish_courses
from lms.database import utcnow
from lms.extensions import db
from tests.conftest import CHEAP_HASH, ROOT, TEST_PASSWORD, AuthActions, CSRFClient
from tests.test_certificates import claim, complete


def run(tool: str, *args: object) -> None:
    """Run a database tool as the operations guide does; fail the test if it fails."""
    path = shutil.which(tool)
    assert path, f"{tool} is not installed"
    subprocess.run([path, *map(str, args)], check=True)  # noqa: S603 (fixed tools, our paths)


@contextmanager
def scratch_app(url: str, instance: Path) -> Iterator[Flask]:
    """Yield an app on `url`, inside its app context, and let go of the database after."""
    app = create_app(
        {
            "TESTING": True,
            "ENV_NAME": "testing",
            "SECRET_KEY": "backup-drill",
            "SQLALCHEMY_DATABASE_URI": url,
            "PASSWORD_HASH_METHOD": CHEAP_HASH,
            "RATELIMIT_STORAGE_URI": "memory://",
            "COURSES_DIR": str(ROOT / "courses"),
            "MAIL_SERVER": "",
        }
    )
    app.instance_path = str(instance)
    app.test_client_class = CSRFClient
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def fill(app: Flask) -> None:
    """Migrate an empty database and issue certificates through the app, as learners do."""
    upgrade()
    publish_courses(ROOT / "courses", max_media_bytes=int(app.config["MAX_MEDIA_BYTES"]))
    db.session.commit()
    client = app.test_client()
    auth = AuthActions(client)
    people = []
    for n, name in enumerate(["Dana Doctor", "Pat Physician"]):
        people.append(
            account_services.create_user(
                f"backup{n}@example.org",
                name,
                TEST_PASSWORD,
                profession="physician",
                hash_method=CHEAP_HASH,
                confirmed_at=utcnow(),
            )
        )
        db.session.commit()
        auth.login_as(people[-1])
        complete(client)
        assert claim(client).status_code == 302
        auth.logout()
    auth.login_as(people[0])
    renamed = client.post("/account", data={"full_name": "Dana Rivera", "profession": "physician"})
    assert renamed.status_code == 302
    auth.logout()
    admin = account_services.create_user(
        "admin@example.org",
        "Ana Admin",
        TEST_PASSWORD,
        profession="other",
        role="admin",
        hash_method=CHEAP_HASH,
    )
    db.session.commit()
    revoked = db.session.scalar(select(Certificate).where(Certificate.user_id == people[1].id))
    certificate_services.revoke(revoked, actor=admin, reason="Attendance not confirmed")
    db.session.commit()


def verification_records(app: Flask) -> dict[str, dict]:
    """Return what /verify/<id>.json answers for every certificate in the database."""
    client = app.test_client()
    records = {}
    for public_id in db.session.scalars(select(Certificate.public_id).order_by(Certificate.id)):
        response = client.get(f"/verify/{public_id}.json")
        assert response.status_code == 200, public_id
        records[public_id] = response.get_json()
    return records


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


# --- SQLite ---------------------------------------------------------------------------------


def sqlite_backup_with_python(database: Path, backup: Path) -> None:
    """Back up a live SQLite database with Python's backup API (docs/operations.md)."""
    source, target = sqlite3.connect(database), sqlite3.connect(backup)
    try:
        with target:
            source.backup(target)
    finally:
        source.close()
        target.close()


def test_sqlite_backup_wipe_and_restore_keeps_every_certificate_verifiable(tmp_path):
    database = tmp_path / "instance" / "lms.sqlite3"
    url = f"sqlite:///{database}"
    with scratch_app(url, tmp_path / "instance") as app:
        fill(app)
        before = verification_records(app)
        events = audit_count()
    assert len(before) == 3
    assert {r["status"] for r in before.values()} == {"valid", "superseded", "revoked"}

    backups = {"python": tmp_path / "python-backup.sqlite3"}
    sqlite_backup_with_python(database, backups["python"])
    if shutil.which("sqlite3"):
        backups["cli"] = tmp_path / "cli-backup.sqlite3"
        run("sqlite3", database, f".backup '{backups['cli']}'")

    for how, backup in backups.items():
        database.unlink()  # the wipe: the database file is gone
        with scratch_app(url, tmp_path / "instance") as app:
            assert not db.inspect(db.engine).get_table_names(), "the wipe left tables"
        database.unlink()
        # The restore: the documented `.restore` (or the backup API the other way round).
        if how == "cli":
            run("sqlite3", database, f".restore '{backup}'")
        else:
            sqlite_backup_with_python(backup, database)
        check = sqlite3.connect(database)
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        check.close()
        with scratch_app(url, tmp_path / "instance") as app:
            assert verification_records(app) == before, how
            assert audit_count() == events


# --- PostgreSQL -----------------------------------------------------------------------------


def _postgres_urls() -> tuple[str, str]:
    """Return (maintenance URL, scratch URL) next to LMS_TEST_DATABASE_URL, or skip."""
    url = os.environ.get("LMS_TEST_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql")):
        pytest.skip("LMS_TEST_DATABASE_URL is not a PostgreSQL database")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not installed")
    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://", 1))
    scratch = parts.path.lstrip("/") + "_backup_drill"
    return (
        urlunsplit(parts._replace(path="/postgres")),
        urlunsplit(parts._replace(path="/" + scratch)),
    )


def _recreate(maintenance: str, scratch: str, *, create: bool = True) -> None:
    import psycopg

    name = urlsplit(scratch).path.lstrip("/")
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            connection.execute(f'CREATE DATABASE "{name}"')


def test_postgresql_dump_wipe_and_restore_keeps_every_certificate_verifiable(tmp_path):
    maintenance, scratch = _postgres_urls()
    _recreate(maintenance, scratch)
    try:
        with scratch_app(scratch, tmp_path) as app:
            fill(app)
            before = verification_records(app)
            events = audit_count()
        assert len(before) == 3

        dump = tmp_path / "lms.dump"
        run("pg_dump", "-Fc", "--no-owner", "-f", dump, scratch)
        _recreate(maintenance, scratch)  # the wipe: an empty database of the same name
        with scratch_app(scratch, tmp_path) as app:
            assert not db.inspect(db.engine).get_table_names(), "the wipe left tables"
        run("pg_restore", "--no-owner", "--exit-on-error", "-d", scratch, dump)
        with scratch_app(scratch, tmp_path) as app:
            assert verification_records(app) == before
            assert audit_count() == events
    finally:
        _recreate(maintenance, scratch, create=False)
