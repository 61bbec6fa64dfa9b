"""Invitations: a new person sets a password from a one-time link and lands in the clinic with
its assignments; someone with an account is added without the inviter learning that."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.audit.models import AuditEvent
from lms.database import utcnow
from lms.extensions import db
from lms.invitations.models import Invitation
from lms.organizations import services as organizations
from lms.organizations.models import Membership
from tests.chapters.conftest import submit
from tests.conftest import AuthActions
from tests.test_organizations import FRONT_DESK, course, subject

NEW_PASSWORD = "a long and private passphrase"


def _signed_in(app, user):
    client = app.test_client()
    AuthActions(client).login_as(user)
    return client


def _invite(client, clinic, **values):
    page = f"/organizations/{clinic.id}"
    defaults = {
        "invite-email": "nell.new@example.org",
        "invite-full_name": "Nell New",
        "invite-profession": "nurse",
        "invite-role": "member",
        "invite-language": "en",
    }
    return submit(client, page, f"/organizations/{clinic.id}/invitations", **(defaults | values))


def _accept(link, **values):
    from flask import current_app

    client = current_app.test_client()
    path = urlsplit(link).path
    form = client.get(path)
    assert form.status_code == 200
    data = {"full_name": "Nell New", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD} | values
    return client, client.post(path, data=data)


def test_a_new_person_accepts_an_invitation_and_lands_in_the_clinic_with_its_courses(
    app, two_chapters, mailbox, publish
):
    publish()
    clinic = two_chapters.north_clinic
    organizations.assign_course(
        course(FRONT_DESK),
        due_date=date.today() + timedelta(days=30),
        actor=None,
        organization=clinic,
        today=date.today(),
    )
    db.session.commit()
    manager = _signed_in(app, two_chapters.people["north_manager"])
    response = _invite(manager, clinic)
    assert response.status_code == 302
    board = manager.get(response.headers["Location"]).text
    assert "nell.new@example.org is invited to North Clinic" in board
    assert "Nell New" in board and "Nico North-Manager" in board  # who invited them

    [message] = mailbox.to("nell.new@example.org")
    assert subject(message).startswith("Nico North-Manager invited you to North Clinic")
    invitee, accepted = _accept(mailbox.last_link("nell.new@example.org"))
    assert accepted.headers["Location"] == "/my-learning"
    learning = invitee.get("/my-learning").text
    assert "Welcome to North Clinic." in learning
    assert "Trauma-informed front desk" in learning or "front desk" in learning.lower()
    user = db.session.scalar(select(User).where(User.email == "nell.new@example.org"))
    assert user.email_confirmed_at is not None and user.profession == "nurse"
    assert (
        db.session.scalar(select(Membership).where(Membership.user_id == user.id)).organization_id
        == clinic.id
    )
    # The link is used up.
    again = app.test_client().get(urlsplit(mailbox.last_link("nell.new@example.org")).path)
    assert again.status_code == 404 and "already accepted" in again.text


def test_inviting_someone_with_an_account_adds_them_and_says_the_same_to_the_inviter(
    app, two_chapters, mailbox
):
    clinic = two_chapters.north_clinic
    manager = _signed_in(app, two_chapters.people["north_manager"])
    existing = _invite(
        manager, clinic, **{"invite-email": "south.manager@example.org", "invite-full_name": "S"}
    )
    flash_existing = manager.get(existing.headers["Location"]).text
    new = _invite(manager, clinic, **{"invite-email": "nobody.yet@example.org"})
    flash_new = manager.get(new.headers["Location"]).text
    assert "south.manager@example.org is invited to North Clinic. They will receive an email." in (
        flash_existing
    )
    assert "nobody.yet@example.org is invited to North Clinic. They will receive an email." in (
        flash_new
    )
    assert (
        db.session.scalar(
            select(func.count()).select_from(User).where(User.email == "south.manager@example.org")
        )
        == 1
    )
    member = two_chapters.people["south_manager"]
    assert (
        db.session.scalar(
            select(Membership.role).where(
                Membership.organization_id == clinic.id, Membership.user_id == member.id
            )
        )
        == "member"
    )
    [notice] = mailbox.to("south.manager@example.org")
    assert subject(notice).startswith("You were added to North Clinic")
    assert "/invitations/" not in notice.get_payload(decode=True).decode()
    # Inviting them again changes nothing and sends nothing.
    _invite(manager, clinic, **{"invite-email": "south.manager@example.org"})
    assert len(mailbox.to("south.manager@example.org")) == 1


def test_an_expired_invitation_can_be_sent_again_with_a_new_link(
    app, two_chapters, mailbox, monkeypatch
):
    clinic = two_chapters.north_clinic
    manager = _signed_in(app, two_chapters.people["north_manager"])
    _invite(manager, clinic)
    old_link = mailbox.last_link("nell.new@example.org")
    later = utcnow() + timedelta(days=15)
    monkeypatch.setattr("lms.invitations.views.utcnow", lambda: later)
    monkeypatch.setattr("lms.organizations.views.utcnow", lambda: later)
    expired = app.test_client().get(urlsplit(old_link).path)
    assert expired.status_code == 404 and "expired" in expired.text
    board = manager.get(f"/organizations/{clinic.id}").text
    assert "Expired on" in board
    invitation = db.session.scalar(select(Invitation))
    submit(
        manager,
        f"/organizations/{clinic.id}",
        f"/organizations/{clinic.id}/invitations/{invitation.id}/resend",
    )
    new_link = mailbox.last_link("nell.new@example.org")
    assert new_link != old_link
    assert app.test_client().get(urlsplit(old_link).path).status_code == 404
    _, accepted = _accept(new_link)
    assert accepted.status_code == 302


def test_a_withdrawn_invitation_link_stops_working(app, two_chapters, mailbox):
    clinic = two_chapters.north_clinic
    manager = _signed_in(app, two_chapters.people["north_manager"])
    _invite(manager, clinic)
    link = mailbox.last_link("nell.new@example.org")
    invitation = db.session.scalar(select(Invitation))
    response = submit(
        manager,
        f"/organizations/{clinic.id}",
        f"/organizations/{clinic.id}/invitations/{invitation.id}/revoke",
    )
    assert (
        "The invitation to nell.new@example.org is withdrawn."
        in manager.get(response.headers["Location"]).text
    )
    page = app.test_client().get(urlsplit(link).path)
    assert page.status_code == 404 and "withdrawn" in page.text
    client = app.test_client()
    posted = client.post(
        urlsplit(link).path,
        data={"full_name": "Nell", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert posted.status_code == 404
    assert db.session.scalar(select(User).where(User.email == "nell.new@example.org")) is None
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "organization.invitation_revoked")
    )


def test_an_invitation_accepted_after_the_person_signed_up_joins_their_existing_account(
    app, two_chapters, mailbox, make_user
):
    clinic = two_chapters.north_clinic
    manager = _signed_in(app, two_chapters.people["north_manager"])
    _invite(manager, clinic)
    person = make_user("nell.new@example.org", name="Nell Meanwhile")
    client, accepted = _accept(mailbox.last_link("nell.new@example.org"))
    assert accepted.headers["Location"].startswith("/login")
    assert person.check_password("correct horse battery")  # the password stays theirs
    assert (
        db.session.scalar(select(Membership).where(Membership.user_id == person.id)).organization_id
        == clinic.id
    )


def test_a_manager_cannot_invite_a_manager_but_a_chapter_admin_can(app, two_chapters, mailbox):
    clinic = two_chapters.north_clinic
    manager = _signed_in(app, two_chapters.people["north_manager"])
    refused = _invite(manager, clinic, **{"invite-role": "manager"})
    assert refused.status_code == 200 and "Not a valid choice" in refused.text
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
    chapter_admin = _signed_in(app, two_chapters.people["north_admin"])
    _invite(chapter_admin, clinic, **{"invite-role": "manager"})
    _, accepted = _accept(mailbox.last_link("nell.new@example.org"))
    user = db.session.scalar(select(User).where(User.email == "nell.new@example.org"))
    assert (
        db.session.scalar(select(Membership.role).where(Membership.user_id == user.id)) == "manager"
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("invite-email", "not-an-address", "Enter an email address like name@example.org."),
        ("invite-email", "", "Enter the person's email address."),
        ("invite-full_name", "", "Enter the person's full name."),
        ("invite-full_name", "x" * 201, "Names are at most 200 characters."),
        ("invite-profession", "wizard", "Not a valid choice"),
    ],
)
def test_an_invitation_with_a_bad_value_is_refused_with_a_reason(
    app, two_chapters, field, value, message
):
    clinic = two_chapters.north_clinic
    manager = _signed_in(app, two_chapters.people["north_manager"])
    response = _invite(manager, clinic, **{field: value})
    assert response.status_code == 200
    assert message in response.text
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_the_invitation_email_is_in_the_chosen_language(app, two_chapters, mailbox):
    clinic = two_chapters.north_clinic
    manager = _signed_in(app, two_chapters.people["north_manager"])
    _invite(manager, clinic, **{"invite-language": "es"})
    [message] = mailbox.to("nell.new@example.org")
    assert subject(message).startswith("Nico North-Manager le invitó a North Clinic")
    assert "Para aceptar, abra este enlace" in message.get_payload(decode=True).decode()
    invitee, accepted = _accept(mailbox.last_link("nell.new@example.org"))
    user = db.session.scalar(select(User).where(User.email == "nell.new@example.org"))
    assert user.locale == "es"


def test_a_password_that_is_too_weak_is_refused_and_no_account_is_made(app, two_chapters, mailbox):
    clinic = two_chapters.north_clinic
    manager = _signed_in(app, two_chapters.people["north_manager"])
    _invite(manager, clinic)
    _, response = _accept(
        mailbox.last_link("nell.new@example.org"), password="short", confirm="short"
    )
    assert response.status_code == 200
    assert db.session.scalar(select(User).where(User.email == "nell.new@example.org")) is None
