"""Readiness: can this process serve? The database, its migrations, Redis and the job queue.

`/healthz` says only that the process answers (load balancers restart it otherwise);
`/readyz` says whether it should be sent traffic now. The same migration check refuses to start
a server against a database whose migrations are behind the code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import click
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from sqlalchemy import text

logger = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 2


@dataclass(frozen=True)
class Check:
    """One dependency's state, as reported by /readyz (no error text: it may name hosts)."""

    name: str
    ok: bool
    detail: str = ""


@cache
def code_heads(directory: str) -> frozenset[str]:
    """Return the head revision(s) of the migrations shipped with the code (read once)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def database_heads() -> frozenset[str]:
    """Return the revision(s) the database is migrated to."""
    from lms.extensions import db

    with db.engine.connect() as connection:
        return frozenset(MigrationContext.configure(connection).get_current_heads())


def _migrations_directory(app: Flask) -> str:
    return str(Path(app.extensions["migrate"].directory).resolve())


def check_database() -> Check:
    """Tell whether the database answers a trivial query."""
    from lms.extensions import db

    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 (any failure means: not ready)
        logger.warning("readiness: database unreachable (%s)", type(error).__name__)
        return Check("database", False, "unreachable")
    return Check("database", True)


def check_migrations() -> Check:
    """Tell whether the database is at the code's migration head."""
    try:
        current = database_heads()
    except Exception as error:  # noqa: BLE001
        logger.warning("readiness: migrations unreadable (%s)", type(error).__name__)
        return Check("migrations", False, "unreadable")
    expected = code_heads(_migrations_directory(current_app))
    if current != expected:
        return Check(
            "migrations",
            False,
            f"database at {', '.join(sorted(current)) or 'nothing'}, "
            f"code at {', '.join(sorted(expected))}",
        )
    return Check("migrations", True, ", ".join(sorted(expected)))


def check_redis(url: str) -> Check:
    """Tell whether the rate limits' Redis answers a PING."""
    import redis

    try:
        client = redis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
        )
        client.ping()
        client.close()
    except Exception as error:  # noqa: BLE001
        logger.warning("readiness: redis unreachable (%s)", type(error).__name__)
        return Check("redis", False, "unreachable")
    return Check("redis", True)


def check_queue() -> Check:
    """Tell whether the job queue's storage answers (Redis, or the SQLite file)."""
    from lms.extensions import queue

    try:
        queue.pending_count()
    except Exception as error:  # noqa: BLE001
        logger.warning("readiness: job queue unreachable (%s)", type(error).__name__)
        return Check("queue", False, "unreachable")
    return Check("queue", True)


def readiness_checks() -> list[Check]:
    """Run every check that applies to this configuration."""
    checks = [check_database()]
    if checks[0].ok:
        checks.append(check_migrations())
    else:
        checks.append(Check("migrations", False, "database unreachable"))
    storage = str(current_app.config.get("RATELIMIT_STORAGE_URI", ""))
    if storage.startswith(("redis://", "rediss://")):
        checks.append(check_redis(storage))
    checks.append(check_queue())
    return checks


class MigrationsBehind(RuntimeError):
    """The database's migrations do not match the code: serving would fail in odd ways."""


def refuse_if_behind(app: Flask) -> None:
    """Raise `MigrationsBehind` unless the database is at the code's migration head."""
    from lms.extensions import db

    with app.app_context():
        try:
            current = database_heads()
        finally:
            db.engine.dispose()  # no connection opened before gunicorn's fork or left behind
    expected = code_heads(_migrations_directory(app))
    if current != expected:
        raise MigrationsBehind(
            f"The database is at migration {', '.join(sorted(current)) or 'nothing'} but this "
            f"code needs {', '.join(sorted(expected))}. Run `flask db upgrade` once (from one "
            "machine), then start the app servers and job workers again. "
            "(LMS_CHECK_MIGRATIONS=false skips this check.)"
        )


def _running_a_command() -> bool:
    # `flask db upgrade` (and every other command) loads the app inside click's context: the
    # command must run even against an old database, since it may be the one that migrates it.
    return click.get_current_context(silent=True) is not None


def init_app(app: Flask) -> None:
    """Refuse to serve in production against a database whose migrations are behind."""
    if (
        app.config["ENV_NAME"] == "production"
        and app.config["CHECK_MIGRATIONS"]
        and not _running_a_command()
    ):
        refuse_if_behind(app)
