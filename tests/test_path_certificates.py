"""Learning path certificates on the transcript, revoked by admins like course certificates,
and paths withdrawn from the catalog while what learners earned stays verifiable."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.audit import sentences
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.organizations import services as organizations
from lms.paths import services as paths
from lms.paths.models import LearningPath, PathCompletion
from tests.test_certificates import complete, pdf_text
from tests.test_paths import PATH, publish_paths, text_of
from tests.test_quizzes import CME, FRONT_DESK


@pytest.fixture()
def path_done(client, auth, make_user, publish):
    """A learner who completed the sample path; return its completion."""
    publish()
    publish_paths()
    learner = make_user(name="Pat Path", profession="physician")
    auth.login_as(learner)
    complete(client, FRONT_DESK)
    complete(client, CME)
    completion = db.session.scalar(select(PathCompletion))
    assert completion is not None and completion.certificate_id
    return completion


def test_the_path_certificate_is_on_the_transcript_page_pdf_and_csv(client, path_done):
    public_id = path_done.certificate_id
    page = text_of(client.get("/transcript").get_data(as_text=True))
    assert "Trauma-informed clinic" in page and public_id in page
    assert "(learning path)" in page
    rows = list(csv.DictReader(io.StringIO(client.get("/transcript.csv").data.decode())))
    (row,) = [r for r in rows if r["kind"] == "learning-path"]
    assert (row["certificate_id"], row["certificate_status"]) == (public_id, "valid")
    assert row["credit_type"] == "participation"
    assert len([r for r in rows if r["kind"] == "course"]) == 2
    printed, _ = pdf_text(client.get("/transcript.pdf").data)
    assert public_id in printed and "learning path" in printed
    # The path's hours are its courses' hours, not credit of its own: no totals from it.
    assert "No credit claimed yet." in page


def test_an_admin_revokes_a_path_certificate_and_everyone_sees_it_revoked(
    client, auth, make_user, path_done
):
    public_id = path_done.certificate_id
    learner = path_done.user
    auth.logout()
    admin = make_user(role="admin", name="Ada Admin")
    auth.login_as(admin)
    url = f"/admin/certificates/{public_id}"
    page = text_of(client.get(url).get_data(as_text=True))
    assert "Pat Path" in page and "Revoke" in page

    assert client.post(f"{url}/revoke", data={"reason": ""}).status_code == 200
    assert db.session.get(PathCompletion, path_done.id).status == "valid"
    response = client.post(
        f"{url}/revoke", data={"reason": "Courses taken by someone else.", "show_reason": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    completion = db.session.get(PathCompletion, path_done.id)
    assert completion.status == "revoked" and completion.revoked_at is not None
    again = client.post(f"{url}/revoke", data={"reason": "twice"}, follow_redirects=True)
    assert "already revoked" in text_of(again.get_data(as_text=True))
    (event,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "certificate.revoked")
    ).all()
    assert (event.target_id, event.details["path"]) == (public_id, PATH)
    names = sentences.names_for([event])
    sentence = sentences.describe(event, names).sentence
    assert "revoked certificate" in sentence and "Pat Path" in sentence
    auth.logout()

    verified = text_of(client.get(f"/verify/{public_id}").get_data(as_text=True))
    assert "Status: Revoked" in verified and "Revoked on" in verified
    record = client.get(f"/verify/{public_id}.json").get_json()
    assert record["status"] == "revoked" and record["revoked_on"]

    auth.login_as(learner)
    path_page = text_of(client.get(f"/paths/{PATH}").get_data(as_text=True))
    assert f"Your certificate {public_id} for this path was revoked." in path_page
    assert "Courses taken by someone else." in path_page
    transcript = text_of(client.get("/transcript").get_data(as_text=True))
    assert f"{public_id} (revoked)" in transcript


# --- withdrawing a path -----------------------------------------------------------------------


def test_a_withdrawn_path_leaves_the_catalog_and_assignments_but_records_stay(
    client, auth, make_user, runner, path_done
):
    public_id = path_done.certificate_id
    learner = path_done.user
    auth.logout()
    admin = make_user(role="admin")
    staff = make_user(name="Sam Staff")
    clinic = organizations.create_organization("Clinic", "clinic", actor=admin)
    organizations.add_member(clinic, staff, "member", actor=admin)
    organizations.add_member(clinic, learner, "member", actor=admin)
    db.session.commit()
    path = db.session.scalar(select(LearningPath))
    due = (date.today() + timedelta(days=30)).isoformat()
    auth.login_as(admin)
    assign = {"course": f"path-{path.id}", "assignee": "organization", "due_date": due}
    assert client.post(f"/organizations/{clinic.id}/assignments", data=assign).status_code == 302

    result = runner.invoke(args=["paths", "withdraw", PATH])
    assert result.exit_code == 0, result.output
    assert "withdrawn from the catalog" in result.output
    again = runner.invoke(args=["paths", "withdraw", PATH])
    assert again.exit_code == 1 and "already withdrawn" in again.output
    assert runner.invoke(args=["paths", "withdraw", "no-such-path"]).exit_code == 1
    db.session.expire_all()
    (event,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "path.withdrawn")
    ).all()
    sentence = sentences.describe(event, sentences.names_for([event])).sentence
    assert "withdrew the learning path" in sentence and "Trauma-informed clinic" in sentence

    # Gone from the catalog and the assignment form; a new assignment is refused.
    assert f'href="/paths/{PATH}"' not in client.get("/courses").get_data(as_text=True)
    board_html = client.get(f"/organizations/{clinic.id}").get_data(as_text=True)
    assert f'value="path-{path.id}"' not in board_html
    refused = client.post(f"/organizations/{clinic.id}/assignments", data=assign)
    assert refused.status_code == 200
    with pytest.raises(paths.PathError, match="withdrawn"):
        paths.assign_path(path, due_date=date.today(), actor=admin, user=staff, today=date.today())
    # The manager's board still lists the existing assignment, marked withdrawn.
    board = text_of(board_html)
    assert "Sam Staff Trauma-informed clinic Withdrawn" in board
    assert client.get(f"/paths/{PATH}").status_code == 404  # the admin never completed it
    auth.logout()

    # The learner who completed it keeps their path page, certificate and transcript line.
    auth.login_as(learner)
    assert client.get(f"/paths/{PATH}").status_code == 200
    assert client.get(f"/paths/{PATH}/certificate.pdf").status_code == 200
    assert public_id in client.get("/transcript").get_data(as_text=True)
    auth.logout()
    auth.login_as(staff)
    mine = text_of(client.get("/my-learning").get_data(as_text=True))
    assert "This learning path was withdrawn." in mine
    assert client.get(f"/verify/{public_id}.json").get_json()["status"] == "valid"

    result = runner.invoke(args=["paths", "reinstate", PATH])
    assert result.exit_code == 0, result.output
    assert f'href="/paths/{PATH}"' in client.get("/courses").get_data(as_text=True)
