"""Learning path certificates on the transcript, revoked by admins like course certificates,
and paths withdrawn from the catalog while what learners earned stays verifiable."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from lms.audit import sentences
from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.paths.models import PathCompletion
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
