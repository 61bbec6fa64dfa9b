"""Start-up configuration: secrets, environments and database URLs."""

from __future__ import annotations

import pytest

from lms import create_app
from lms.config import normalise_database_url


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


def test_production_uses_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("LMS_BASE_URL", "https://learn.example.org")
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "CHECK_MIGRATIONS": False}
    )
    assert app.secret_key == "from-the-environment"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    response = app.test_client().get("/healthz")
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_development_keeps_one_generated_secret_key_in_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("LMS_ENV", raising=False)
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    first = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    second = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    key_file = tmp_path / "secret_key"
    assert first.secret_key == second.secret_key == key_file.read_text()
    assert len(first.secret_key) == 64
    assert key_file.stat().st_mode & 0o077 == 0


def test_settings_come_from_lms_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_PROVIDER_NAME", "Example Children's Hospital")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.internal/lms")
    monkeypatch.setenv("SECRET_KEY", "k")
    app = create_app()
    assert app.config["PROVIDER_NAME"] == "Example Children's Hospital"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.internal/lms"


def test_unknown_environment_is_refused(monkeypatch):
    monkeypatch.setenv("LMS_ENV", "staging")
    with pytest.raises(RuntimeError, match="LMS_ENV must be one of"):
        create_app({"SECRET_KEY": "k"})


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://a@h/db", "postgresql+psycopg://a@h/db"),
        ("postgresql://a@h/db", "postgresql+psycopg://a@h/db"),
        ("postgresql+psycopg://a@h/db", "postgresql+psycopg://a@h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_urls_use_psycopg_3(given, expected):
    assert normalise_database_url(given) == expected


def test_behind_a_trusted_proxy_the_visitors_address_is_used(monkeypatch, tmp_path):
    app = create_app(
        {
            "SECRET_KEY": "k",
            "TRUSTED_PROXIES": 1,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
        }
    )

    @app.get("/whoami")
    def whoami():
        from flask import request

        return request.remote_addr or ""

    response = app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.7"})
    assert response.data == b"203.0.113.7"
