"""When something fails on our side, people still get the site's own page, and the site
recovers by itself once the database is back."""

from __future__ import annotations

import pytest
from flask_login import current_user
from sqlalchemy import event

from lms import create_app
from lms.accounts.models import User
from lms.extensions import db
from tests.conftest import free_port


@pytest.fixture()
def errors_shown(app):
    """Let errors reach the error pages, as in production, instead of the test."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_a_signed_in_person_gets_the_friendly_500_page_after_a_failed_database_write(
    errors_shown, client, auth, make_user
):
    @errors_shown.get("/boom")
    def boom():
        # A second account with the same address: the flush fails and poisons the session.
        db.session.add(User(email=current_user.email, full_name="Copy", password_hash="x"))
        db.session.flush()

    user = make_user("ada@example.org", name="Ada Ng")
    auth.login_as(user)

    response = client.get("/boom")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.data
    assert b"Ada Ng" in response.data or b"Sign out" in response.data  # the normal layout
    assert client.get("/account").status_code == 200


@pytest.fixture()
def database_down(errors_shown):
    """Make every new database connection fail, as when the server is down or restarting."""
    dbapi = db.engine.dialect.loaded_dbapi

    def refuse(*args, **kwargs):
        raise dbapi.OperationalError("connection refused (simulated outage)")

    def start() -> None:
        db.session.remove()
        db.engine.dispose()
        event.listen(db.engine, "do_connect", refuse)

    def end() -> None:
        event.remove(db.engine, "do_connect", refuse)

    yield start, end
    if event.contains(db.engine, "do_connect", refuse):
        end()


def test_a_database_outage_answers_503_with_support_contact_and_recovers(
    database_down, app, client, auth, make_user
):
    start_outage, end_outage = database_down
    auth.login_as(make_user("ada@example.org"))

    start_outage()
    response = client.get("/account")
    assert response.status_code == 503
    assert b"We cannot reach our records right now" in response.data
    assert app.config["SUPPORT_EMAIL"].encode() in response.data
    assert response.headers["Retry-After"] == "30"
    assert client.get("/").status_code == 503

    end_outage()
    assert client.get("/account").status_code == 200  # no restart needed


def test_an_unreachable_database_server_answers_503(app_config):
    app_config["SQLALCHEMY_DATABASE_URI"] = (
        f"postgresql://postgres@127.0.0.1:{free_port()}/lms?connect_timeout=2"
    )
    app_config["PROPAGATE_EXCEPTIONS"] = False
    app = create_app(app_config)
    with app.app_context():
        response = app.test_client().get("/courses")
        db.engine.dispose()
    assert response.status_code == 503
    assert b"We cannot reach our records right now" in response.data
    assert b"support@example.org" in response.data
