"""Accepting an invitation through the invitee's identity provider (a real oidc-provider on
127.0.0.1) instead of choosing a password: the person lands in the organization with its
assignments, and the provider's word counts only for the address that was invited."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from lms.accounts.models import User
from lms.extensions import db
from lms.invitations.models import Invitation
from lms.organizations import services as organizations
from lms.organizations.models import Membership
from lms.sso.models import UserIdentity
from tests.chapters.conftest import form_on
from tests.chapters.test_invitations import _invite, _signed_in
from tests.sso.conftest import add_provider, callback_path, sign_in_at_provider
from tests.test_organizations import FRONT_DESK, course

NADIA = "nadia.nurse@clinic.example.org"


def _invited(app, make_user, mailbox, oidc_peer, email: str = NADIA) -> tuple[object, str]:
    """Configure the provider for clinic.example.org, invite `email` to its clinic with a course.

    The course must be published (the `publish` fixture) first.
    """
    provider = add_provider(oidc_peer.issuer)
    clinic = provider.organization
    organizations.assign_course(
        course(FRONT_DESK),
        due_date=date.today() + timedelta(days=30),
        actor=None,
        organization=clinic,
        today=date.today(),
    )
    db.session.commit()
    admin = _signed_in(app, make_user(role="admin", name="Ada Admin"))
    invited = _invite(admin, clinic, **{"invite-email": email, "invite-full_name": "Nadia N."})
    assert invited.status_code == 302
    return clinic, urlsplit(mailbox.last_link(email)).path


def _continue_with_provider(client, path: str) -> str:
    page = client.get(path).text
    assert "Continue with Example Health System" in page
    assert 'name="password"' in page  # choosing a password stays possible
    form = form_on(client, path, "/single-sign-on")
    # The client's own CSRF token: requests here share the test's `g`, where Flask-WTF keeps
    # the token of whoever rendered a page last (the admin who invited).
    response = client.post(urlsplit(form.action).path)
    assert response.status_code == 200, response.text
    link = re.search(r'id="continue-to-provider" href="([^"]+)"', response.text)
    assert link, response.text
    return html.unescape(link.group(1))


def test_an_invitee_joins_through_their_provider_and_lands_with_the_clinics_courses(
    app, client, make_user, mailbox, oidc_peer, publish
):
    publish()
    clinic, path = _invited(app, make_user, mailbox, oidc_peer)

    authorize = _continue_with_provider(client, path)
    back = client.get(callback_path(sign_in_at_provider(authorize, "nadia")))

    assert back.status_code == 302 and back.headers["Location"] == "/my-learning"
    learning = client.get("/my-learning").text
    assert "Welcome to SSO Clinic." in learning
    assert "front desk" in learning.lower()
    user = db.session.scalar(select(User).where(User.email == NADIA))
    assert user.email_confirmed_at is not None
    assert db.session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.organization_id == clinic.id
        )
    )
    assert db.session.scalar(select(UserIdentity).where(UserIdentity.user_id == user.id))
    assert db.session.scalar(select(Invitation)).accepted_at is not None
    # The link is used up.
    assert client.get(path).status_code == 404


def test_the_provider_vouching_for_another_address_does_not_accept_the_invitation(
    app, client, make_user, mailbox, oidc_peer, publish
):
    publish()
    # Pat is invited; Nadia, at the same provider, follows Pat's link and signs in as herself.
    clinic, path = _invited(app, make_user, mailbox, oidc_peer, "pat.physician@clinic.example.org")

    authorize = _continue_with_provider(client, path)
    back = client.get(callback_path(sign_in_at_provider(authorize, "nadia")))

    # Nadia goes through the ordinary first sign-in, and nobody joined the clinic.
    assert back.headers["Location"] == "/login/organization/profile"
    assert db.session.scalar(select(Invitation)).accepted_at is None
    assert db.session.scalar(select(User).where(User.email == NADIA)) is None
    assert not db.session.scalars(
        select(Membership).where(Membership.organization_id == clinic.id)
    ).all()


def test_an_invitation_outside_the_providers_domains_offers_only_a_password(
    app, client, make_user, mailbox, oidc_peer, publish
):
    publish()
    _, path = _invited(app, make_user, mailbox, oidc_peer, "nell.new@example.org")
    page = client.get(path).text
    assert "Continue with" not in page and 'name="password"' in page
    refused = client.post(f"{path}/single-sign-on")
    assert refused.status_code == 400
