"""A physician gives their state of licensure and license number for state-board reporting."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.extensions import db

PROFILE = {"full_name": "Dana Doctor", "profession": "physician"}


def test_the_profile_asks_for_licensure_and_says_why(client, auth, make_user):
    auth.login_as(make_user(profession="physician"))
    page = client.get("/account").data.decode()
    assert '<label for="license_state">State of licensure</label>' in page
    assert '<option lang="en" value="ME">Maine</option>' in page
    assert '<option lang="en" value="DC">District of Columbia</option>' in page
    assert '<option lang="en" value="PR">Puerto Rico</option>' in page
    assert '<label for="license_number">State license number</label>' in page
    assert "Program and Activity Reporting System (PARS)" in page
    assert "We use them for nothing else." in page


def test_licensure_is_saved_shown_by_name_and_audited(client, auth, make_user):
    dana = make_user(name="Dana Doctor", profession="physician")
    auth.login_as(dana)
    data = {**PROFILE, "license_state": "ME", "license_number": "  MD-004321 "}
    assert client.post("/account", data=data).status_code == 302
    db.session.refresh(dana)
    assert (dana.license_state, dana.license_number) == ("ME", "MD-004321")
    page = client.get("/account").data.decode()
    assert '<option lang="en" selected value="ME">Maine</option>' in page
    assert 'value="MD-004321"' in page

    # Saving the same again writes no second audit event.
    client.post("/account", data=data)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "profile.licensure_changed")
    ).all()
    assert len(events) == 1 and events[0].actor_id == dana.id
    assert events[0].details == {"state": "ME", "number_changed": True}
    assert "MD-004321" not in str(events[0].details)  # the number stays out of the log

    client.post("/account", data={**PROFILE, "license_state": "", "license_number": ""})
    db.session.refresh(dana)
    assert (dana.license_state, dana.license_number) == (None, None)


def test_the_audit_log_reads_licensure_changes_as_sentences(client, auth, make_user):
    dana = make_user(name="Dana Doctor", profession="physician")
    auth.login_as(dana)
    client.post("/account", data={**PROFILE, "license_state": "ME", "license_number": "A1"})
    client.post("/account", data={**PROFILE, "license_state": "VI", "license_number": "A1"})
    client.post("/account", data={**PROFILE, "license_state": "", "license_number": ""})
    auth.logout()
    auth.login_as(make_user(role="admin", name="Ana Admin"))
    page = client.get("/admin/audit").data.decode()
    assert (
        "Dana Doctor set their state of licensure to Maine and changed their license number."
        in page
    )
    assert "Dana Doctor set their state of licensure to U.S. Virgin Islands." in page
    assert "Dana Doctor removed their state of licensure." in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"license_state": "XX"}, "Choose a state or territory from the list."),
        ({"license_state": "Maine"}, "Choose a state or territory from the list."),
        ({"license_state": "ME", "license_number": "x" * 10_000}, "at most 30 characters"),
        ({"license_state": "ME", "license_number": "MD\u0007123"}, "ordinary punctuation"),
        ({"license_state": "ME", "license_number": "\u202eevil"}, "ordinary punctuation"),
        ({"license_number": "MD-1"}, "Choose the state that issued this license."),
    ],
)
def test_bad_licensure_is_refused_with_a_message_and_nothing_saved(
    client, auth, make_user, changes, message
):
    dana = make_user(name="Dana Doctor", profession="physician")
    auth.login_as(dana)
    response = client.post("/account", data={**PROFILE, "full_name": "Changed", **changes})
    assert response.status_code == 200
    assert message in response.data.decode()
    db.session.refresh(dana)
    assert (dana.full_name, dana.license_state, dana.license_number) == ("Dana Doctor", None, None)


def test_a_nul_in_the_license_number_is_a_400(client, auth, make_user):
    dana = make_user(name="Dana Doctor", profession="physician")
    auth.login_as(dana)
    data = {**PROFILE, "license_state": "ME", "license_number": "MD\x00123"}
    assert client.post("/account", data=data).status_code == 400
    db.session.refresh(dana)
    assert dana.license_number is None


def test_licensure_reads_in_spanish(client, auth, make_user):
    auth.login_as(make_user(profession="physician"))
    page = client.get("/account?lang=es").data.decode()
    assert "Estado de licencia" in page and "Número de licencia estatal" in page
    assert (
        '<option lang="en" value="ME">Maine</option>' in page
    )  # state names stay as PARS reads them
    response = client.post("/account?lang=es", data={**PROFILE, "license_state": "XX"})
    assert "Elija un estado o territorio de la lista." in response.data.decode()
