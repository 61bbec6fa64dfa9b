"""Admins deactivate, reactivate and re-role people; each change is in the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.admin import reports, services
from lms.audit.models import AuditEvent
from lms.certificates.models import Certificate, Completion
from lms.extensions import db
from tests.test_certificates import claim, complete

GENERIC_REFUSAL = "do not match an active account"


def events(action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


@pytest.fixture()
def admin(auth, make_user):
    user = make_user(role="admin", name="Ada Admin")
    auth.login_as(user)
    return user


def test_an_admin_deactivates_and_reactivates_a_learner(client, admin, make_user):
    learner = make_user(name="Lee Learner")
    response = client.post(f"/admin/users/{learner.id}/deactivate?q=lee&page=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users?q=lee&page=1"
    assert learner.active is False
    [event] = events("user.deactivated")
    assert (event.actor_id, event.target_type, event.target_id) == (
        admin.id,
        "user",
        str(learner.id),
    )
    assert event.details == {"email": learner.email}

    page = client.get("/admin/users?q=lee").data.decode()
    assert "Lee Learner is deactivated and cannot sign in" in page
    assert '<td data-label="Status">Deactivated</td>' in page  # in words, not only by colour
    assert 'Reactivate<span class="visually-hidden"> Lee Learner</span>' in page

    client.post(f"/admin/users/{learner.id}/reactivate")
    assert learner.active is True
    [event] = events("user.reactivated")
    assert event.actor_id == admin.id and event.target_id == str(learner.id)
    assert '<td data-label="Status">Active</td>' in client.get("/admin/users?q=lee").data.decode()


def test_deactivating_twice_records_one_event(client, admin, make_user):
    learner = make_user()
    client.post(f"/admin/users/{learner.id}/deactivate")
    client.post(f"/admin/users/{learner.id}/deactivate")
    client.post(f"/admin/users/{learner.id}/reactivate")
    client.post(f"/admin/users/{learner.id}/reactivate")
    assert [e.action for e in events()] == ["user.deactivated", "user.reactivated"]


def test_an_admin_cannot_deactivate_themselves(client, admin):
    response = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account" in response.data.decode()
    assert admin.active is True
    assert events() == []
    # Their own row offers no button to do it.
    page = client.get("/admin/users").data.decode()
    assert f"/admin/users/{admin.id}/deactivate" not in page
    assert "Your own account" in page


def test_status_changes_need_a_csrf_token_and_a_real_user(client, admin, make_user):
    learner = make_user()
    assert client.post(f"/admin/users/{learner.id}/deactivate", csrf=False).status_code == 400
    assert learner.active is True
    assert client.post("/admin/users/999999/deactivate").status_code == 404
    assert client.post("/admin/users/999999/reactivate").status_code == 404
    assert client.get(f"/admin/users/{learner.id}/deactivate").status_code == 405


@pytest.mark.parametrize("who", ["learner", "author"])
def test_only_admins_change_account_status(app, auth, make_user, who):
    target = make_user()
    browser = app.test_client()
    browser.post(
        "/login", data={"email": make_user(role=who).email, "password": "correct horse battery"}
    )
    for action in ["deactivate", "reactivate"]:
        assert browser.post(f"/admin/users/{target.id}/{action}").status_code == 403
    assert target.active is True


def test_a_deactivated_person_cannot_sign_in_and_their_session_ends(app, client, auth, make_user):
    learner = make_user(name="Lee Learner")
    auth.login_as(learner)
    assert client.get("/account").status_code == 200

    admin_browser = app.test_client()
    admin = make_user(role="admin")
    admin_browser.post("/login", data={"email": admin.email, "password": "correct horse battery"})
    assert admin_browser.post(f"/admin/users/{learner.id}/deactivate").status_code == 302

    # The learner's existing session stops working on their next request.
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    # Signing in again gets the same message as a wrong password: nothing about the account.
    response = auth.login(learner.email)
    assert response.status_code == 200
    assert GENERIC_REFUSAL in response.data.decode()
    wrong = auth.login(learner.email, password="not the password").data.decode()
    assert GENERIC_REFUSAL in wrong

    # Reactivated: they can sign in again.
    admin_browser.post(f"/admin/users/{learner.id}/reactivate")
    assert auth.login(learner.email).status_code == 302
    assert client.get("/account").status_code == 200


def test_a_session_from_before_deactivation_does_not_return_on_reactivation(
    app, client, auth, make_user
):
    learner = make_user()
    auth.login_as(learner)
    services.deactivate_user(learner, actor=None)
    services.reactivate_user(learner, actor=None)
    db.session.commit()
    assert client.get("/account").status_code == 302


def test_a_deactivated_learners_records_stay_and_still_verify(
    app, client, auth, make_user, publish
):
    publish()
    learner = make_user(name="Dana Doctor", profession="physician")
    auth.login_as(learner)
    complete(client)
    claim(client)
    certificate = db.session.scalar(select(Certificate))
    auth.logout()

    auth.login_as(make_user(role="admin"))
    client.post(f"/admin/users/{learner.id}/deactivate")
    auth.logout()
    assert learner.active is False

    page = client.get(f"/verify/{certificate.public_id}").data.decode()
    assert "Status: Valid" in page and "Dana Doctor" in page
    assert db.session.scalar(select(func.count(Completion.id))) == 1
    assert db.session.get(User, learner.id) is not None
    assert reports.totals().completions == 1


def test_role_changes_are_recorded_with_the_old_and_new_role(client, admin, make_user):
    person = make_user(name="Future Author")
    response = client.post(f"/admin/users/{person.id}/role?q=future", data={"role": "author"})
    assert response.headers["Location"] == "/admin/users?q=future&page=1"
    assert person.role == "author"
    [event] = events("user.role_changed")
    assert event.actor_id == admin.id and event.target_id == str(person.id)
    assert event.details == {"email": person.email, "old_role": "learner", "new_role": "author"}
    # Saving the same role again changes nothing and records nothing.
    client.post(f"/admin/users/{person.id}/role", data={"role": "author"})
    assert len(events("user.role_changed")) == 1


def test_an_admin_cannot_demote_themselves_and_nothing_is_recorded(client, admin):
    response = client.post(
        f"/admin/users/{admin.id}/role", data={"role": "learner"}, follow_redirects=True
    )
    assert "You cannot remove your own admin role" in response.data.decode()
    assert admin.role == "admin"
    assert events() == []


def test_services_record_the_command_line_as_no_actor(make_user):
    person = make_user()
    assert services.change_role(person, "admin", actor=None) is True
    assert services.deactivate_user(person, actor=None) is True
    db.session.commit()
    assert [(e.action, e.actor_id) for e in events()] == [
        ("user.role_changed", None),
        ("user.deactivated", None),
    ]
    with pytest.raises(services.AdminError):
        services.deactivate_user(person, actor=person)
