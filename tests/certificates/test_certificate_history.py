"""A renamed learner's certificates: reissued in the new name, kept private from old ids.

Anyone holding an old certificate id (a former employer, a screenshot) can still check it, and
sees that it was reissued; only the holder and administrators see the new name and id.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.certificates.models import Certificate
from lms.extensions import db
from tests.test_certificates import claim, complete

NEW_NAME = "Dana Rivera-Okafor"


@pytest.fixture()
def physician(make_user, auth, publish):
    publish()
    user = make_user(name="Dana Doctor", profession="physician")
    auth.login_as(user)
    return user


@pytest.fixture()
def renamed(client, auth, physician):
    """Return (old, new) certificates of a physician who renamed themself, then sign out."""
    complete(client)
    claim(client)
    response = client.post("/account", data={"full_name": NEW_NAME, "profession": "physician"})
    assert response.status_code == 302
    old, new = db.session.scalars(select(Certificate).order_by(Certificate.id)).all()
    auth.logout()
    return old, new


def test_the_old_id_says_reissued_without_the_new_name_or_id(client, renamed):
    old, new = renamed
    page = client.get(f"/verify/{old.public_id}").data.decode()
    assert "Reissued" in page
    assert "Dana Doctor" in page  # what the old certificate printed
    assert NEW_NAME not in page and new.public_id not in page

    response = client.get(f"/verify/{old.public_id}.json")
    record = response.get_json()
    assert record["status"] == "superseded"
    assert record["reissued_on"] == new.issued_at.date().isoformat()
    assert record["superseded_by"] is None
    assert record["current_status"] == "valid"
    assert NEW_NAME not in response.data.decode() and new.public_id not in json.dumps(record)


def test_the_new_id_verifies_in_the_new_name(client, renamed):
    _, new = renamed
    record = client.get(f"/verify/{new.public_id}.json").get_json()
    assert record["status"] == "valid" and record["holder_name"] == NEW_NAME


def test_a_revoked_replacement_shows_through_the_old_id_without_its_name(
    client, auth, make_user, renamed
):
    old, new = renamed
    auth.login_as(make_user(role="admin"))
    client.post(f"/admin/certificates/{new.public_id}/revoke", data={"reason": "Duplicate"})
    stranger = client.application.test_client()
    record = stranger.get(f"/verify/{old.public_id}.json").get_json()
    assert record["current_status"] == "revoked" and record["superseded_by"] is None
    page = stranger.get(f"/verify/{old.public_id}").data.decode()
    assert "revoked" in page and NEW_NAME not in page and new.public_id not in page


def test_the_audit_log_keeps_the_old_name(client, renamed):
    old, new = renamed
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.reissued"))
    assert event.target_id == old.public_id
    assert event.details["reason"] == "name changed"
    assert event.details["old_name"] == "Dana Doctor"
    assert event.details["new_name"] == NEW_NAME
    assert event.details["replacement"] == new.public_id


def test_a_reissue_in_the_same_name_still_names_its_replacement(client, auth, physician, make_user):
    complete(client)
    claim(client)
    old = db.session.scalar(select(Certificate))
    auth.logout()
    auth.login_as(make_user(role="admin"))
    client.post(f"/admin/certificates/{old.public_id}/reissue", data={"reason": "Printing error"})
    new = db.session.scalar(select(Certificate).where(Certificate.id != old.id))
    stranger = client.application.test_client()
    record = stranger.get(f"/verify/{old.public_id}.json").get_json()
    assert record["superseded_by"] == new.public_id
    page = stranger.get(f"/verify/{old.public_id}").data.decode()
    assert "Reissued" in page and new.public_id in page


def test_admins_see_every_name_date_and_reason_in_the_history(client, auth, make_user, renamed):
    old, new = renamed
    auth.login_as(make_user(role="admin", name="Ana Admin"))
    client.post(
        f"/admin/certificates/{new.public_id}/revoke", data={"reason": "Attendance not confirmed"}
    )
    for certificate in (old, new):
        page = client.get(f"/admin/certificates/{certificate.public_id}").data.decode()
        history = page.split('id="history-heading"', 1)[1]
        for shown in [
            old.public_id,
            new.public_id,
            "Dana Doctor",
            NEW_NAME,
            "name changed",
            "Attendance not confirmed",
            "Ana Admin",
            old.issued_at.strftime("%Y-%m-%d"),
        ]:
            assert shown in history, shown
        assert history.index(old.public_id) < history.index("Attendance not confirmed")


def test_learners_never_see_the_admin_history(client, auth, renamed):
    old, _ = renamed
    auth.login_as(old.user)
    assert client.get(f"/admin/certificates/{old.public_id}").status_code == 403
