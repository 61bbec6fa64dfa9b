"""`/readyz` tells load balancers the truth, and a server refuses an old database at start-up."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask.cli import FlaskGroup
from sqlalchemy import text

from lms import create_app
from lms.extensions import db
from lms.operations.readiness import MigrationsBehind
from tests.conftest import _base_config, redis_url

OLDER = "0023_chapter_providers"


def production(url: str, tmp_path, **extra):
    config = _base_config(url, tmp_path / "instance")
    config.update(
        {
            "TESTING": False,
            "ENV_NAME": "production",
            "SECRET_KEY": "from-the-environment",
            "BASE_URL": "https://learn.example.org",
            "QUEUE_URL": f"sqlite:///{tmp_path / 'jobs.sqlite3'}",
        }
    )
    config.update(extra)
    return config


@pytest.fixture()
def made():
    """Return `create_app`, disposing of each app's connections after the test."""
    apps = []

    def make(config):
        app = create_app(config)
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture()
def behind(app):
    """Stamp the test database one migration back, as if the code were deployed before it."""
    [current] = db.session.execute(text("SELECT version_num FROM alembic_version")).scalars()
    db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": OLDER})
    db.session.commit()
    yield current
    db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})
    db.session.commit()


def test_ready_when_the_database_is_migrated_and_the_queue_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    checks = response.json["checks"]
    assert {name for name, check in checks.items() if check["ok"]} == {
        "database",
        "migrations",
        "queue",
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_not_ready_when_the_database_is_behind_the_code(client, behind):
    response = client.get("/readyz")
    assert response.status_code == 503
    migrations = response.json["checks"]["migrations"]
    assert migrations["ok"] is False
    assert OLDER in migrations["detail"] and behind in migrations["detail"]
    assert response.json["checks"]["database"]["ok"] is True


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres@127.0.0.1:9/nothing?connect_timeout=2",  # nothing listens there
        "directory",  # an SQLite "file" that is a folder: cannot be opened
    ],
)
def test_not_ready_when_the_database_is_down(tmp_path, url, made):
    url = f"sqlite:///{tmp_path}" if url == "directory" else url
    app = made({**_base_config(url, tmp_path / "instance")})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == {"ok": False, "detail": "unreachable"}
    assert response.json["checks"]["migrations"]["ok"] is False
    assert "127.0.0.1" not in response.text  # no connection details for whoever asks
    assert app.test_client().get("/healthz").status_code == 200  # alive, just not ready


def test_not_ready_when_redis_for_rate_limits_is_down(app_config, tmp_path, made):
    app = made({**app_config, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/0"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["redis"] == {"ok": False, "detail": "unreachable"}


def test_ready_with_redis_for_rate_limits_and_the_queue(app_config, tmp_path, made):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis(socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    app = made(
        {
            **app_config,
            "RATELIMIT_STORAGE_URI": redis_url(4),
            "QUEUE_URL": redis_url(4),
        }
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["checks"]["redis"]["ok"] and response.json["checks"]["queue"]["ok"]


def test_a_production_server_refuses_to_start_on_a_database_behind(
    database_url, tmp_path, behind, made
):
    with pytest.raises(MigrationsBehind, match="flask db upgrade"):
        made(production(database_url, tmp_path))
    # Switched off on purpose, it starts (and /readyz still says not ready).
    app = made(production(database_url, tmp_path, CHECK_MIGRATIONS=False))
    assert app.test_client().get("/readyz").status_code == 503


def test_a_production_job_worker_refuses_to_start_on_a_database_behind(
    database_url, tmp_path, behind, made
):
    app = made(production(database_url, tmp_path, CHECK_MIGRATIONS=False))
    app.config["CHECK_MIGRATIONS"] = True
    with app.app_context():  # the command runs in this app, not the `behind` fixture's
        result = app.test_cli_runner().invoke(args=["jobs", "worker"])
    assert isinstance(result.exception, MigrationsBehind)
    assert "flask db upgrade" in str(result.exception)


def test_a_production_server_starts_on_a_current_database(app, database_url, tmp_path, made):
    app = made(production(database_url, tmp_path))
    assert app.test_client().get("/readyz").status_code == 200


def test_flask_db_upgrade_runs_against_an_old_database_in_production(tmp_path, made):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    cli = FlaskGroup(create_app=lambda: made(production(url, tmp_path)))
    result = CliRunner().invoke(cli, ["db", "upgrade"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    made(production(url, tmp_path))  # now current: the server starts
