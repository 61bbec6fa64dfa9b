"""Sign-in and verification limits: generous enough for a clinic, configurable, honest."""

from __future__ import annotations

import logging

import pytest

from lms import create_app
from lms.extensions import configured_workers
from tests.conftest import TEST_PASSWORD


def test_a_clinic_of_25_behind_one_address_all_sign_in_within_a_minute(client, make_user):
    staff = [make_user(name=f"Front Desk {n}") for n in range(25)]
    # A few mistyped passwords at the start of the shift, as really happens.
    for person in staff[:5]:
        assert (
            client.post("/login", data={"email": person.email, "password": "oops"}).status_code
            == 200
        )
    for person in staff:
        response = client.post("/login", data={"email": person.email, "password": TEST_PASSWORD})
        assert response.status_code == 302, person.full_name
        client.post("/logout")


def test_the_verification_limit_is_a_setting(app, client):
    app.config["VERIFY_RATE_LIMIT"] = "2 per minute"
    statuses = [client.get("/verify/AAAA-BBBB-CCCC-DDDD").status_code for _ in range(3)]
    assert statuses == [404, 404, 429]


def production_app(monkeypatch, tmp_path, **env: str):
    monkeypatch.setenv("LMS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("LMS_BASE_URL", "https://learn.example.org")
    for name in ("WEB_CONCURRENCY", "GUNICORN_CMD_ARGS", "LMS_RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # An empty database: no migration check (tests/operations/test_readiness.py covers it).
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "CHECK_MIGRATIONS": False}
    )


@pytest.mark.parametrize(
    "env",
    [{"WEB_CONCURRENCY": "4"}, {"GUNICORN_CMD_ARGS": "--bind 0.0.0.0:8000 --workers 3"}],
)
def test_production_warns_when_each_worker_counts_attempts_on_its_own(
    monkeypatch, tmp_path, caplog, env
):
    with caplog.at_level(logging.WARNING):
        production_app(monkeypatch, tmp_path, **env)
    assert "LMS_RATELIMIT_STORAGE_URI" in caplog.text
    assert "per worker" in caplog.text


@pytest.mark.parametrize(
    "env",
    [
        {"WEB_CONCURRENCY": "1"},
        {"WEB_CONCURRENCY": "4", "LMS_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/2"},
    ],
)
def test_no_warning_with_one_worker_or_shared_storage(monkeypatch, tmp_path, caplog, env):
    with caplog.at_level(logging.WARNING):
        production_app(monkeypatch, tmp_path, **env)
    assert "LMS_RATELIMIT_STORAGE_URI" not in caplog.text


def test_the_worker_count_is_read_from_gunicorns_command_line():
    assert configured_workers({}, ["/srv/.venv/bin/gunicorn", "-w", "4", "wsgi:app"]) == 4
    assert configured_workers({}, ["gunicorn", "--workers=2", "wsgi:app"]) == 2
    assert configured_workers({"WEB_CONCURRENCY": "3"}, ["flask", "run"]) == 3
    assert configured_workers({}, ["flask", "run"]) == 1
