"""Links that leave the site are built on its configured address, never on the Host header."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms import create_app
from lms.certificates.models import Certificate
from lms.extensions import db
from tests.test_accounts import SIGNUP
from tests.test_certificates import claim, complete, pdf_text

BASE = "https://learn.example.org"
ATTACKER = {"Host": "attacker.example", "X-Forwarded-Host": "attacker.example"}
# Signed-in pages: the session cookie is only sent to localhost, so forge the proxy header alone.
FORWARDED = {"X-Forwarded-Host": "attacker.example"}


@pytest.fixture()
def app_config(app_config):
    app_config["BASE_URL"] = BASE
    app_config["TRUSTED_PROXIES"] = 1  # so X-Forwarded-Host would be believed if links used it
    # The session cookie belongs to localhost, so a forged Host arrives without a CSRF token.
    app_config["WTF_CSRF_ENABLED"] = False
    return app_config


def links_in(mailbox, address: str) -> str:
    return mailbox.to(address)[-1].get_payload(decode=True).decode()


def test_a_reset_requested_with_a_forged_host_mails_a_link_to_the_real_site(
    client, make_user, mailbox
):
    make_user("sam@example.org")
    client.post("/reset", data={"email": "sam@example.org"}, headers=ATTACKER)
    link = mailbox.last_link("sam@example.org")
    assert link.startswith(f"{BASE}/reset/")
    assert "attacker" not in links_in(mailbox, "sam@example.org")


def test_confirmation_and_already_registered_emails_point_to_the_real_site(
    client, make_user, mailbox
):
    client.post("/signup", data=SIGNUP, headers=ATTACKER)
    assert mailbox.last_link("ada.ng@example.org").startswith(f"{BASE}/confirm/")

    make_user("sam@example.org")
    client.post("/signup", data={**SIGNUP, "email": "sam@example.org"}, headers=ATTACKER)
    body = links_in(mailbox, "sam@example.org")
    assert f"{BASE}/login" in body and f"{BASE}/reset" in body
    assert "attacker" not in body


def test_certificates_carry_the_real_verification_address(client, auth, make_user, publish):
    publish()
    auth.login_as(make_user(profession="physician"))
    complete(client)
    claim(client)
    certificate = db.session.scalar(select(Certificate))
    expected = f"{BASE}/verify/{certificate.public_id}"

    page = client.get(f"/certificates/{certificate.public_id}", headers=FORWARDED)
    assert expected in page.data.decode()
    pdf = client.get(f"/certificates/{certificate.public_id}.pdf", headers=FORWARDED)
    text, _ = pdf_text(pdf.data)
    assert expected in text
    verify = client.get(f"/verify/{certificate.public_id}", headers=ATTACKER).data.decode()
    assert f"{expected}.json" in verify and "attacker" not in verify


def test_production_refuses_to_start_without_a_base_url(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.delenv("LMS_BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="LMS_BASE_URL is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})


def test_without_a_base_url_development_answers_only_to_local_hosts(monkeypatch, tmp_path):
    monkeypatch.delenv("LMS_ENV", raising=False)
    monkeypatch.delenv("LMS_BASE_URL", raising=False)
    monkeypatch.delenv("LMS_ALLOWED_HOSTS", raising=False)
    app = create_app({"SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    client = app.test_client()
    assert client.get("/login", headers={"Host": "localhost:5000"}).status_code == 200
    assert client.get("/login", headers={"Host": "127.0.0.1:5000"}).status_code == 200
    refused = client.get("/reset", headers={"Host": "attacker.example"})
    assert refused.status_code == 400
    assert b"does not answer to that host name" in refused.data


def test_allowed_hosts_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("LMS_ENV", raising=False)
    monkeypatch.delenv("LMS_BASE_URL", raising=False)
    monkeypatch.setenv("LMS_ALLOWED_HOSTS", "lms.clinic.test, 10.0.0.5")
    app = create_app({"SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    client = app.test_client()
    assert client.get("/login", headers={"Host": "lms.clinic.test"}).status_code == 200
    assert client.get("/login", headers={"Host": "10.0.0.5:8000"}).status_code == 200
    assert client.get("/login", headers={"Host": "localhost"}).status_code == 400


def test_links_built_outside_a_request_use_the_base_url(app):
    # Emails sent from a command or a background job have no request to take a host from.
    from lms.links import external_url

    assert external_url("accounts.reset", token="abc") == f"{BASE}/reset/abc"
    app.config["BASE_URL"] = ""
    assert external_url("accounts.login") == "http://127.0.0.1:5000/login"
