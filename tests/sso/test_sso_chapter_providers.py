"""Chapter admins set up their own chapter's sign-in providers, and nobody else's."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.sso import services
from lms.sso.models import IdentityProvider
from tests.chapters.conftest import form_on, submit, two_chapters  # noqa: F401  (a fixture)
from tests.chapters.test_invitations import _signed_in

SETTINGS = {
    "display_name": "North Health",
    "issuer": "https://login.north-health.org",
    "client_id": "lms-north",
    "client_secret": "north-secret",
    "domains": "north-health.org",
    "enabled": "y",
}


def _provider(name: str, *, organization=None, chapter=None) -> IdentityProvider:
    provider = services.create_provider(
        display_name=name,
        issuer=f"https://login.{name.lower().replace(' ', '-')}.org",
        client_id="lms",
        client_secret="secret",
        domains=[f"{name.lower().replace(' ', '-')}.org"],
        organization=organization,
        chapter=chapter,
        actor=None,
    )
    db.session.commit()
    return provider


def test_a_chapter_admin_adds_providers_for_the_chapter_or_one_of_its_organizations(
    app,
    two_chapters,  # noqa: F811
):
    client = _signed_in(app, two_chapters.people["north_admin"])
    north = two_chapters.north
    page = f"/chapters/{north.id}/sign-in-providers"
    assert "Add or change sign-in providers" in client.get(f"/chapters/{north.id}").text
    form = form_on(client, page, page)
    assert "chapter" not in form.fields  # the owner is always this chapter (or one of its own)
    offered = client.get(page).text
    assert f'<option value="{two_chapters.north_clinic.id}">North Clinic</option>' in offered
    assert "South Clinic" not in offered

    added = submit(client, page, page, organization="", **SETTINGS)
    assert added.status_code == 302
    clinic_wide = {**SETTINGS, "display_name": "North Clinic Login", "client_id": "lms-clinic"}
    clinic_wide["domains"] = "clinic.north-health.org"
    submit(client, page, page, organization=str(two_chapters.north_clinic.id), **clinic_wide)

    providers = {p.display_name: p for p in db.session.scalars(select(IdentityProvider))}
    assert providers["North Health"].chapter_id == north.id
    assert providers["North Health"].organization_id is None
    assert providers["North Clinic Login"].organization_id == two_chapters.north_clinic.id
    assert providers["North Clinic Login"].chapter_id is None
    listing = client.get(page).text
    assert "North Health" in listing and "North Clinic Login" in listing
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "sso.provider_created").limit(1)
    )
    assert event.actor_id == two_chapters.people["north_admin"].id


def test_a_chapter_admin_cannot_give_a_provider_to_another_chapters_organization(
    app,
    two_chapters,  # noqa: F811
):
    client = _signed_in(app, two_chapters.people["north_admin"])
    page = f"/chapters/{two_chapters.north.id}/sign-in-providers"
    response = submit(
        client, page, page, organization=str(two_chapters.south_clinic.id), **SETTINGS
    )
    assert response.status_code == 200
    assert "Not a valid choice" in response.text
    assert db.session.scalar(select(IdentityProvider)) is None


def test_a_chapter_admin_edits_and_turns_off_their_chapters_provider(
    app,
    two_chapters,  # noqa: F811
):
    provider = _provider("North Health", chapter=two_chapters.north)
    client = _signed_in(app, two_chapters.people["north_admin"])
    page = f"/chapters/{two_chapters.north.id}/sign-in-providers/{provider.id}"
    form = form_on(client, page, page)
    values = {**form.fields, "display_name": "North Health System", "domains": "north.org"}
    values.pop("enabled")  # the box unticked: the provider is turned off
    values.pop("csrf_token", None)
    response = client.post(page, data=values)
    assert response.status_code == 302
    db.session.expire_all()
    provider = db.session.get(IdentityProvider, provider.id)
    assert provider.display_name == "North Health System"
    assert provider.enabled is False
    assert provider.domain_names == ["north.org"]
    assert provider.chapter_id == two_chapters.north.id
    assert "North Health System" in client.get(f"/chapters/{two_chapters.north.id}").text


@pytest.mark.parametrize("owner", ["south_chapter", "south_clinic", "nobody"])
def test_another_chapters_or_a_site_wide_provider_is_not_found_through_yours(
    app,
    two_chapters,  # noqa: F811
    owner,
):
    provider = _provider(
        "Other Health",
        chapter=two_chapters.south if owner == "south_chapter" else None,
        organization=two_chapters.south_clinic if owner == "south_clinic" else None,
    )
    client = _signed_in(app, two_chapters.people["north_admin"])
    north = two_chapters.north.id
    url = f"/chapters/{north}/sign-in-providers/{provider.id}"
    assert client.get(url).status_code == 404
    assert client.post(url, data={**SETTINGS, "enabled": ""}).status_code == 404
    assert "Other Health" not in client.get(f"/chapters/{north}/sign-in-providers").text
    db.session.expire_all()
    assert db.session.get(IdentityProvider, provider.id).enabled is True


def test_a_chapters_provider_never_signs_in_a_site_admin(
    app,
    two_chapters,  # noqa: F811
):
    provider = _provider("North Health", chapter=two_chapters.north)
    site_admin = two_chapters.people["site_admin"]
    identity = services.Identity("sub-1", site_admin.email, True, "Site Admin")
    # The chapter admin could point the provider at a service of their own: a site admin's
    # account is not theirs to sign in to, whatever the provider says.
    provider.domains[0].domain = site_admin.email.rpartition("@")[2]
    with pytest.raises(services.SignInRefused):
        services.resolve_sign_in(provider, identity)
    db.session.commit()
    refusals = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sso.refused"))
    assert [e.details["reason"] for e in refusals] == ["site-admin-account"]
