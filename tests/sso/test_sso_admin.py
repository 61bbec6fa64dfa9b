"""Site admins configure identity providers through the admin pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.organizations import services as organizations
from lms.sso.models import IdentityProvider
from lms.sso.vault import decrypt_secret
from tests.chapters.conftest import two_chapters  # noqa: F401  (a fixture)
from tests.chapters.test_invitations import _signed_in

GOOD = {
    "display_name": "Example Health System",
    "issuer": "https://login.example-health.org",
    "client_id": "lms-client",
    "client_secret": "s3cret-from-the-provider",
    "domains": "example-health.org\nClinic.Example-Health.org",
    "enabled": "y",
}


def form_fields(html: str) -> dict[str, str]:
    """Return the add/edit form's field names and values as the page renders them."""
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    for name in re.findall(r'<(?:input|select|textarea)[^>]*name="([^"]+)"', html):
        fields.setdefault(name, "")
    return fields


@pytest.fixture()
def admin_client(client, auth, make_user):
    auth.login_as(make_user(role="admin", name="Ada Admin"))
    return client


def add(admin_client, **changes):
    page = admin_client.get("/admin/sign-in-providers").get_data(as_text=True)
    fields = form_fields(page)
    assert {
        "display_name",
        "organization",
        "issuer",
        "client_id",
        "client_secret",
        "domains",
    } <= set(fields)
    fields.update(GOOD, **changes)
    return admin_client.post("/admin/sign-in-providers", data=fields, follow_redirects=True)


def test_an_admin_adds_a_provider_whose_secret_is_stored_encrypted(admin_client):
    organizations.create_organization("Example Clinic", "clinic", actor=None)
    db.session.commit()
    page = admin_client.get("/admin/sign-in-providers").get_data(as_text=True)
    assert "http://localhost/login/organization/callback" in page  # the redirect URI to register
    org_id = re.search(r'<option value="(\d+)">Example Clinic</option>', page).group(1)

    response = add(admin_client, organization=org_id)

    text = response.get_data(as_text=True)
    assert "Example Health System is added." in text
    assert "clinic.example-health.org, example-health.org" in text
    assert "s3cret-from-the-provider" not in text
    provider = db.session.scalar(select(IdentityProvider))
    assert provider.protocol == "oidc" and provider.organization.name == "Example Clinic"
    assert "s3cret" not in provider.client_secret_encrypted
    assert decrypt_secret(provider.client_secret_encrypted) == "s3cret-from-the-provider"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sso.provider_created"))
    assert event.details["domains"] == ["example-health.org", "clinic.example-health.org"]
    assert "s3cret" not in str(event.details)


def test_editing_keeps_the_secret_when_left_empty_and_can_turn_sign_in_off(admin_client):
    add(admin_client)
    provider = db.session.scalar(select(IdentityProvider))
    stored = provider.client_secret_encrypted
    page = admin_client.get(f"/admin/sign-in-providers/{provider.id}").get_data(as_text=True)
    fields = form_fields(page)
    assert fields["issuer"] == GOOD["issuer"] and fields["client_secret"] == ""
    assert "s3cret" not in page
    fields.pop("enabled", None)  # unticked
    fields["domains"] = "example-health.org"

    response = admin_client.post(
        f"/admin/sign-in-providers/{provider.id}", data=fields, follow_redirects=True
    )

    assert "is saved" in response.get_data(as_text=True)
    db.session.refresh(provider)
    assert provider.client_secret_encrypted == stored and provider.enabled is False
    assert provider.domain_names == ["example-health.org"]
    assert admin_client.post("/logout").status_code == 302
    # Turned off: the domain no longer leads anywhere.
    answer = admin_client.post("/login/organization", data={"email": "a@example-health.org"})
    assert "Single sign-on is not set up" in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    ("issuer", "message"),
    [
        ("http://login.example-health.org", "must be an https:// address"),
        ("ftp://login.example-health.org", "must be an https:// address"),
        ("javascript:alert(1)", "https://"),
        ("https://user:pw@login.example-health.org", "exactly as the provider gives it"),
        ("https://login.example-health.org/?next=evil", "exactly as the provider gives it"),
        ("https://login.example-health.org:99999", "web address"),
        ("https://", "exactly as the provider gives it"),
        ("https://login.exa\x00mple.org", "web address"),
        ("http://10.0.0.1", "must be an https:// address"),
    ],
)
def test_bad_issuers_are_refused_with_a_message(admin_client, issuer, message):
    response = add(admin_client, issuer=issuer)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(IdentityProvider)) is None


def test_a_loopback_http_issuer_is_accepted_outside_production(admin_client):
    response = add(admin_client, issuer="http://127.0.0.1:9999")
    assert "is added" in response.get_data(as_text=True)


def test_in_production_http_issuers_are_refused_even_on_loopback(app):
    from lms.sso.services import ProviderError, check_issuer

    for issuer in (
        "http://127.0.0.1:9999",
        "https://127.0.0.1:9999",
        "https://169.254.169.254",
        "https://[::1]/",
        "https://10.1.2.3",
    ):
        with pytest.raises(ProviderError):
            check_issuer(issuer, allow_loopback_http=False)
    assert check_issuer("https://login.example.org/", allow_loopback_http=False) == (
        "https://login.example.org/"
    )


@pytest.mark.parametrize(
    "domains",
    ["", "not a domain!", "localhost", "-bad.example.org", "a..b.org", "x" * 300 + ".org"],
)
def test_bad_domains_are_refused_with_a_message(admin_client, domains):
    response = add(admin_client, domains=domains)
    assert response.status_code == 200
    assert "email domain" in response.get_data(as_text=True)
    assert db.session.scalar(select(IdentityProvider)) is None


def test_a_domain_can_belong_to_only_one_provider(admin_client):
    add(admin_client)
    response = add(admin_client, client_id="another", domains="example-health.org")
    assert "Each email domain can have one provider" in response.get_data(as_text=True)
    assert len(db.session.scalars(select(IdentityProvider)).all()) == 1


def test_a_secret_is_required_for_a_new_provider(admin_client):
    response = add(admin_client, client_secret="")
    assert "Enter the client secret" in response.get_data(as_text=True)
    assert db.session.scalar(select(IdentityProvider)) is None


def test_without_an_encryption_key_in_production_nothing_is_stored(app, admin_client):
    app.config["ENV_NAME"] = "production"
    try:
        page = admin_client.get("/admin/sign-in-providers").get_data(as_text=True)
        assert "SSO_ENCRYPTION_KEYS" in page
        response = add(admin_client)
        assert "encryption key is missing or wrong" in response.get_data(as_text=True)
    finally:
        app.config["ENV_NAME"] = "testing"
    assert db.session.scalar(select(IdentityProvider)) is None


def test_rotated_keys_still_open_old_secrets(app, admin_client):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app.config["SSO_ENCRYPTION_KEYS"] = [old]
    add(admin_client)
    provider = db.session.scalar(select(IdentityProvider))
    app.config["SSO_ENCRYPTION_KEYS"] = f"{new},{old}"
    assert decrypt_secret(provider.client_secret_encrypted) == GOOD["client_secret"]


def test_an_unknown_provider_is_not_found(admin_client):
    assert admin_client.get("/admin/sign-in-providers/999999").status_code == 404


def test_a_provider_owned_by_a_chapter_shows_on_that_chapters_page_only(
    admin_client,
    app,
    two_chapters,  # noqa: F811
):
    page = admin_client.get("/admin/sign-in-providers").text
    chapter_id = re.search(r'<option value="(\d+)">North Chapter</option>', page).group(1)
    clinic_id = re.search(r'<option value="(\d+)">South Clinic</option>', page).group(1)

    both = add(admin_client, organization=clinic_id, chapter=chapter_id)
    assert "Choose an organization or a chapter as the owner, not both." in both.text
    assert db.session.scalar(select(IdentityProvider)) is None

    added = add(admin_client, chapter=chapter_id)
    assert "Example Health System is added." in added.text
    provider = db.session.scalar(select(IdentityProvider))
    assert provider.chapter.name == "North Chapter" and provider.organization is None

    people = two_chapters.people
    north = _signed_in(app, people["north_admin"]).get(f"/chapters/{two_chapters.north.id}").text
    assert "Example Health System: clinic.example-health.org, example-health.org (on)" in north
    south = _signed_in(app, people["south_admin"]).get(f"/chapters/{two_chapters.south.id}").text
    assert "Example Health System" not in south and "No sign-in providers" in south
    # Read-only for chapter admins: the settings pages stay the site admin's.
    edit = _signed_in(app, people["north_admin"]).get(f"/admin/sign-in-providers/{provider.id}")
    assert edit.status_code == 403
