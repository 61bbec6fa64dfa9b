"""Learners own their data: they download all of it, and delete their account.

The download is opened and every file read back (JSON, CSV, the certificates' PDFs). Deletion
goes through the rendered form, then the database is queried for what must be gone and what
must stay: the certificates still verify.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms.accounts.models import AccountToken, User
from lms.audit.models import AuditEvent
from lms.audit.services import record_event
from lms.certificates.models import Certificate, CreditClaim
from lms.database import utcnow
from lms.extensions import db
from lms.invitations.models import Invitation
from lms.mail.models import OutboxEmail
from lms.newsletter.models import NoticePreference, Subscriber
from lms.organizations import services as organizations
from lms.organizations.models import Assignment, Membership
from lms.privacy.models import AccountDeletion
from lms.privacy.services import NO_PASSWORD
from lms.progress.models import Enrolment
from lms.quizzes.models import AttemptAnswer, EvaluationResponse, QuizAttempt
from lms.sso import services as sso_services
from lms.sso.models import UserIdentity
from lms.webinars.attendance_models import WebinarAttendance
from lms.webinars.models import WebinarRegistration
from tests.conftest import TEST_PASSWORD
from tests.served import run_together
from tests.test_certificates import AMA, claim, pass_quiz, pdf_text, read_lessons, version_of
from tests.test_quizzes import CME, FRONT_DESK, quiz_page
from tests.webinars.attendance_helpers import ENDS, make_webinar, register

FREE_TEXT = "I will ask about safety first — Dana's note"


def finish_with_free_text(client, slug: str = CME) -> None:
    """Complete a course, typing an answer in the evaluation's free-text question."""
    client.post(f"/courses/{slug}/start")
    read_lessons(client, slug)
    pass_quiz(client, slug)
    page = quiz_page(slug, kind="evaluation")
    data = {f"q-{q.id}": [q.options[0].id] for q in page.questions if q.options}
    data.update({f"q-{q.id}": FREE_TEXT for q in page.questions if not q.options})
    assert client.post(f"/courses/{slug}/evaluation/{page.slug}", data=data).status_code == 302


@pytest.fixture()
def lived_in(client, auth, make_user, publish):
    """Dana with every kind of record, and Olive, another learner with her own."""
    publish()
    other = make_user("olive@example.org", name="Olive Other", profession="physician")
    auth.login_as(other)
    finish_with_free_text(client)
    claim(client)
    auth.logout()

    dana = make_user(
        "dana@example.org",
        name="Dana Doctor",
        profession="physician",
        npi="1234567893",
        abp_id="987654",
        birth_month=3,
        birth_day=14,
        license_state="ME",
        license_number="MD-004321",
    )
    auth.login_as(dana)
    finish_with_free_text(client)
    assert claim(client).status_code == 302
    client.post(f"/courses/{FRONT_DESK}/start")  # started, never finished

    clinic = organizations.create_organization("Example Valley Clinic", "clinic", actor=None)
    organizations.add_member(clinic, dana, "member", actor=None)
    organizations.add_member(clinic, other, "member", actor=None)
    organizations.assign_course(
        version_of(FRONT_DESK).course, due_date=date.today() + timedelta(days=9), actor=None,
        user=dana, today=date.today(),
    )  # fmt: skip
    db.session.add(
        Invitation(
            organization_id=clinic.id, email="dana@example.org", full_name="Dana Doctor",
            profession="physician", token_hash="a" * 64, expires_at=utcnow() + timedelta(days=3),
            accepted_at=utcnow(), user_id=dana.id,
        )
    )  # fmt: skip
    for person in (dana, other):
        db.session.add(
            Subscriber(
                email=person.email, language="en", topics=["courses"], status="confirmed",
                consent_source="/newsletter", consent_text="Send me the newsletter.",
                consent_language="en", confirmed_at=utcnow(),
            )
        )  # fmt: skip
    db.session.add(NoticePreference(user_id=dana.id, new_courses=True, new_versions=False))
    record_event(None, "user.deactivated", "user", dana.id, email=dana.email)
    webinar = make_webinar()
    register(webinar, dana)
    db.session.add(
        WebinarAttendance(
            webinar_id=webinar.id, user_id=dana.id, source="code", minutes=55, recorded_at=ENDS
        )
    )
    db.session.commit()
    return {"dana": dana, "other": other, "clinic": clinic, "webinar": webinar}


@pytest.fixture()
def dana(make_user, auth):
    """Dana, signed in, with an account and nothing else: for what needs no records."""
    user = make_user("dana@example.org", name="Dana Doctor", profession="physician")
    auth.login_as(user)
    return user


def download(client):
    """Ask for the ZIP through the form on the account page, as a person would."""
    page = client.get("/account").get_data(as_text=True)
    form = re.search(r'<form method="post" action="(/account/data\.zip)"', page)
    assert form is not None, "the account page has no Download my data form"
    assert "Download my data" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page[form.start() :]).group(1)
    return client.post(form.group(1), data={"csrf_token": token}, csrf=False)


def read_zip(response) -> dict[str, bytes]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    data = response.data
    response.close()  # the ZIP is a temporary file until the response is closed
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rows_of(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


# --- download ---------------------------------------------------------------------------------


def test_the_download_holds_every_record_field_by_field(client, lived_in):
    dana, other = lived_in["dana"], lived_in["other"]
    files = read_zip(download(client))
    certificate = db.session.scalar(select(Certificate).where(Certificate.user_id == dana.id))

    readme = files["README.txt"].decode()
    for name in files:
        if not name.startswith(("certificates/", "README")):
            assert name.split(".")[0] in readme, f"README.txt does not explain {name}"

    profile = json.loads(files["profile.json"])
    assert profile["email"] == "dana@example.org" and profile["full_name"] == "Dana Doctor"
    assert profile["npi"] == "1234567893" and profile["abp_id"] == "987654"
    assert (profile["birth_month"], profile["birth_day"]) == (3, 14)
    assert (profile["license_state"], profile["license_number"]) == ("ME", "MD-004321")
    assert profile["profession"] == "physician" and "password_hash" not in profile

    enrolments = {row["course"]: row for row in json.loads(files["enrolments.json"])}
    assert set(enrolments) == {CME, FRONT_DESK}
    cme = version_of(CME)
    assert enrolments[CME]["pages_total"] == len(cme.pages)
    assert enrolments[CME]["pages_completed"] == len(cme.pages)
    assert enrolments[FRONT_DESK]["pages_completed"] == 0
    assert {row["course"] for row in rows_of(files["enrolments.csv"])} == {CME, FRONT_DESK}

    quiz = quiz_page(CME)
    [attempt] = json.loads(files["quiz_attempts.json"])
    assert attempt["quiz"] == quiz.slug and attempt["passed"] is True
    assert attempt["score"] == "100.00"
    questions = {q.id: q for q in quiz.questions}
    assert sorted(a["question_id"] for a in attempt["answers"]) == sorted(questions)
    for answer in attempt["answers"]:
        question = questions[answer["question_id"]]
        assert answer["question"] == question.title and answer["correct"] is True
        if question.options:
            chosen = [o.text for o in question.options if o.correct]
            assert answer["answer"] == "; ".join(chosen)
    csv_answers = rows_of(files["quiz_answers.csv"])
    assert sorted(r["question"] for r in csv_answers) == sorted(q.title for q in quiz.questions)
    assert {r["correct"] for r in csv_answers} == {"true"}

    evaluations = json.loads(files["evaluations.json"])
    [evaluation] = evaluations["courses"]
    assert FREE_TEXT in [a["answer"] for a in evaluation["answers"]]

    [claimed] = json.loads(files["claims.json"])
    assert claimed["credit_type"] == AMA["credit_type"] and claimed["amount"] == "0.75"
    assert claimed["course"] == CME and claimed["attested"] is True
    assert rows_of(files["claims.csv"])[0]["amount"] == "0.75"

    [issued] = json.loads(files["certificates.json"])
    assert issued["certificate_id"] == certificate.public_id
    assert issued["holder_name"] == "Dana Doctor" and issued["status"] == "valid"
    assert rows_of(files["certificates.csv"])[0]["certificate_id"] == certificate.public_id
    text, pages = pdf_text(files[f"certificates/{certificate.public_id}.pdf"])
    assert pages == 1 and "Dana Doctor" in text and certificate.public_id in text

    webinars = json.loads(files["webinars.json"])
    assert [r["webinar"] for r in webinars["registrations"]] == [lived_in["webinar"].slug]
    assert webinars["attendance"][0]["minutes"] == 55
    assert rows_of(files["webinar_attendance.csv"])[0]["minutes"] == "55"

    newsletter = json.loads(files["newsletter.json"])
    assert newsletter["newsletter"]["email"] == "dana@example.org"
    assert newsletter["newsletter"]["status"] == "confirmed"
    assert newsletter["course_notices"] == {"new_courses": True, "new_versions": False}

    groups = json.loads(files["organizations.json"])
    assert [m["organization"] for m in groups["memberships"]] == ["Example Valley Clinic"]
    assert [i["email"] for i in groups["invitations"]] == ["dana@example.org"]
    [assigned] = json.loads(files["assignments.json"])
    assert assigned["course"] == FRONT_DESK
    assert rows_of(files["assignments.csv"])[0]["course"] == FRONT_DESK

    # Olive's records are nowhere in Dana's download.
    olive_certificate = db.session.scalar(
        select(Certificate.public_id).where(Certificate.user_id == other.id)
    )
    for name, data in files.items():
        if name.endswith(".pdf"):
            data = pdf_text(data)[0].encode()
        for hers in (b"olive@example.org", b"Olive Other", olive_certificate.encode()):
            assert hers not in data, f"{hers!r} in {name}"


def test_the_page_only_offers_the_download_and_a_get_of_it_is_refused(client, dana):
    assert client.get("/account/data.zip").status_code == 405
    # Without the CSRF token, nothing is built.
    assert client.post("/account/data.zip", csrf=False).status_code == 400


def test_naming_another_person_changes_nothing(client, make_user, dana):
    other = make_user("olive@example.org")
    response = client.post(f"/account/data.zip?user_id={other.id}", data={"user_id": other.id})
    files = read_zip(response)
    assert json.loads(files["profile.json"])["id"] == dana.id
    assert not any(b"olive@example.org" in data for data in files.values())
    # The admin page for deleting someone is not a learner's to open.
    assert client.get(f"/admin/users/{other.id}/delete").status_code == 403


def test_downloads_are_rate_limited(client, auth, make_user):
    auth.login_as(make_user())
    statuses = []
    for _ in range(6):
        response = client.post("/account/data.zip")
        response.close()
        statuses.append(response.status_code)
    assert statuses == [200] * 5 + [429]


def test_twenty_certificates_download_within_a_few_seconds(client, lived_in):
    dana = lived_in["dana"]
    first = db.session.scalar(select(Certificate).where(Certificate.user_id == dana.id))
    for n in range(19):
        copy = Certificate(
            **{
                column.key: getattr(first, column.key)
                for column in Certificate.__table__.columns
                if column.key not in ("id", "public_id")
            }
        )
        copy.public_id = f"TEST-0000-0000-{n:04d}"
        db.session.add(copy)
    db.session.commit()
    started = time.perf_counter()
    files = read_zip(download(client))
    elapsed = time.perf_counter() - started
    assert len([n for n in files if n.endswith(".pdf")]) == 20
    # Built while the person waits: it must stay well inside a request's time limit.
    assert elapsed < 15, f"20 certificates took {elapsed:.1f} s"


# --- deletion ---------------------------------------------------------------------------------


def delete_form(client) -> str:
    page = client.get("/account/delete")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_the_delete_page_says_what_goes_and_what_stays(client, lived_in):
    page = delete_form(client)
    for words in [
        "What is removed",
        "What is kept, and why",
        "six years",
        "1 certificate, with the name printed on it",
        "1 credit claim",
        "1 webinar attendance record",
        'name="password"',
    ]:
        assert words in page, words
    # Only accounts that sign in through their organization may type the address instead.
    assert 'name="confirmation"' not in page


def test_a_wrong_password_deletes_nothing(client, dana):
    delete_form(client)
    response = client.post("/account/delete", data={"password": "not my password"})
    assert response.status_code == 400
    assert "That password is not correct. Nothing was deleted." in response.get_data(as_text=True)
    response = client.post("/account/delete", data={"password": ""})
    assert response.status_code == 400
    assert "Enter your password. Nothing was deleted." in response.get_data(as_text=True)
    db.session.expire_all()
    assert dana.email == "dana@example.org" and dana.deleted_at is None
    assert client.get("/account").status_code == 200  # still signed in


def test_deleting_keeps_the_certificate_verifiable_and_removes_the_rest(
    client, auth, lived_in, mailbox
):
    dana, other = lived_in["dana"], lived_in["other"]
    dana_id, other_id = dana.id, other.id
    certificate = db.session.scalar(select(Certificate).where(Certificate.user_id == dana_id))
    public_id = certificate.public_id
    delete_form(client)

    response = client.post("/account/delete", data={"password": TEST_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/account").status_code == 302  # signed out

    db.session.expire_all()
    user = db.session.get(User, dana_id)
    assert user.email == f"deleted-{dana_id}@deleted.invalid"
    assert user.full_name == f"Deleted account {dana_id}"
    assert user.password_hash == NO_PASSWORD and not user.active and user.deleted_at
    assert (user.npi, user.abp_id, user.birth_month, user.birth_day) == (None, None, None, None)
    assert (user.license_state, user.license_number) == (None, None)

    def count(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    def mine(model):
        return count(model, model.user_id == dana_id)

    assert count(Subscriber, Subscriber.email == "dana@example.org") == 0
    assert count(Invitation, Invitation.email == "dana@example.org") == 0
    for gone in (
        Membership, Assignment, WebinarRegistration, UserIdentity, AccountToken, NoticePreference
    ):  # fmt: skip
        assert mine(gone) == 0, gone.__name__
    dana_attempts = select(QuizAttempt.id).where(QuizAttempt.user_id == dana_id)
    assert count(AttemptAnswer, AttemptAnswer.attempt_id.in_(dana_attempts)) == 0
    # The unfinished course went; the finished one stays, under the completion it proves.
    assert [e.course.slug for e in db.session.scalars(select(Enrolment).where(
        Enrolment.user_id == dana_id))] == [CME]  # fmt: skip
    [attempt] = db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == dana_id))
    assert attempt.passed and float(attempt.score) == 100 and attempt.draft_answers is None
    [evaluation] = db.session.scalars(
        select(EvaluationResponse).where(EvaluationResponse.user_id == dana_id)
    )
    assert FREE_TEXT not in json.dumps(evaluation.answers) and evaluation.answers

    # Kept for accreditation: the claim, the certificate with its name, the attendance.
    assert mine(CreditClaim) == 1 and mine(Certificate) == 1 and mine(WebinarAttendance) == 1
    assert db.session.get(Certificate, certificate.id).holder_name == "Dana Doctor"
    page = client.get(f"/verify/{public_id}").get_data(as_text=True)
    assert "Status: Valid" in page and "Dana Doctor" in page
    record = client.get(f"/verify/{public_id}.json").get_json()
    assert record["status"] == "valid" and record["holder_name"] == "Dana Doctor"

    # Recorded, without personal data.
    deletion = db.session.scalar(select(AccountDeletion).where(AccountDeletion.user_id == dana_id))
    assert deletion.requested_by == "self" and deletion.kept["certificates"] == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.deleted"))
    assert event.target_id == str(dana_id)
    assert "dana" not in json.dumps(event.details).lower()
    # Older entries that quoted the address now quote the placeholder.
    quoted = [json.dumps(e.details) for e in db.session.scalars(select(AuditEvent))]
    assert not [d for d in quoted if "dana@example.org" in d]
    assert any(f"deleted-{dana_id}@deleted.invalid" in d for d in quoted)

    # The last email went to the address before it was removed.
    [sent] = mailbox.to("dana@example.org")
    assert "deleted" in sent["Subject"]
    assert "Certificates kept: 1" in sent.get_payload(decode=True).decode()

    # Nobody else lost anything.
    assert db.session.get(User, other_id).email == "olive@example.org"
    assert count(Subscriber, Subscriber.email == "olive@example.org") == 1
    assert count(Membership, Membership.user_id == other_id) == 1
    assert count(AttemptAnswer) > 0

    # The old password opens nothing; the address can sign up again as a new person.
    assert auth.login("dana@example.org").status_code == 200
    client.post(
        "/signup",
        data={
            "email": "dana@example.org", "full_name": "Dana Again", "profession": "physician",
            "password": "a new long passphrase 9", "confirm": "a new long passphrase 9",
        },
    )  # fmt: skip
    again = db.session.scalar(select(User).where(User.email == "dana@example.org"))
    assert again is not None and again.id != dana_id and again.full_name == "Dana Again"
    assert db.session.scalar(
        select(func.count()).select_from(Certificate).where(Certificate.user_id == again.id)
    ) == 0  # fmt: skip


def test_an_account_that_signs_in_through_its_organization_confirms_by_typing_its_email(
    client, dana
):
    clinic = organizations.create_organization("Example Valley Clinic", "clinic", actor=None)
    provider = sso_services.create_provider(
        display_name="North Health System",
        issuer="https://login.north.example.net",
        client_id="lms",
        client_secret="not-a-real-secret",  # noqa: S106
        domains=["north.example.net"],
        organization=clinic,
        actor=None,
    )
    db.session.add(UserIdentity(user_id=dana.id, provider_id=provider.id, subject="dana-123"))
    db.session.commit()
    assert 'name="confirmation"' in delete_form(client)
    response = client.post("/account/delete", data={"confirmation": "someone@example.org"})
    assert response.status_code == 400
    assert "type your email address exactly" in response.get_data(as_text=True)
    response = client.post("/account/delete", data={"confirmation": " Dana@Example.org "})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, dana.id).deleted_at is not None
    assert db.session.scalar(select(func.count()).select_from(UserIdentity)) == 0


def test_an_admin_deletes_an_account_on_request(client, auth, make_user, dana, mailbox):
    auth.logout()
    admin = make_user(role="admin")
    auth.login_as(admin)
    assert f"/admin/users/{dana.id}/delete" in client.get("/admin/users").get_data(as_text=True)
    page = client.get(f"/admin/users/{dana.id}/delete").get_data(as_text=True)
    assert "What is kept, and why" in page and "dana@example.org" in page
    response = client.post(f"/admin/users/{dana.id}/delete", data={"confirmation": "dana"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, dana.id).deleted_at is None

    response = client.post(
        f"/admin/users/{dana.id}/delete", data={"confirmation": "dana@example.org"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, dana.id).deleted_at is not None
    deletion = db.session.scalar(select(AccountDeletion))
    assert deletion.requested_by == "admin" and deletion.actor_id == admin.id
    assert len(mailbox.to("dana@example.org")) == 1
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert f"deleted account {dana.id} at its owner" in audit
    assert client.post(f"/admin/users/{dana.id}/reactivate").status_code == 404
    # Deleted once: the page is gone, and an admin cannot delete their own account here.
    assert client.get(f"/admin/users/{dana.id}/delete").status_code == 404
    assert client.get(f"/admin/users/{admin.id}/delete").status_code == 404


def test_the_last_admin_cannot_delete_their_own_account(client, auth, make_user):
    admin = make_user(role="admin")
    auth.login_as(admin)
    response = client.post("/account/delete", data={"password": TEST_PASSWORD})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, admin.id).deleted_at is None
    assert db.session.scalar(select(func.count()).select_from(AccountDeletion)) == 0


def test_submitting_the_deletion_twice_deletes_once(client, dana):
    delete_form(client)
    token = client.csrf_token()
    first = client.post("/account/delete", data={"password": TEST_PASSWORD, "csrf_token": token})
    again = client.post("/account/delete", data={"password": TEST_PASSWORD, "csrf_token": token})
    assert first.status_code == 302
    assert again.status_code in (302, 400)  # signed out: sent to sign in, or the token is stale
    assert db.session.scalar(select(func.count()).select_from(AccountDeletion)) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) >= 1


HOSTILE = {
    "nul": "safe\x00text",
    "long": "x" * 100_000,
    "emoji": "🧑🏽‍⚕️🙂",
    "rtl": "\u202eevil\u202c",
    "sql": "' OR 1=1; DROP TABLE users; --",
    "password_with_nul": TEST_PASSWORD + "\x00",
    "list": ["a", "b"],
}


@pytest.mark.parametrize("field", ["password", "confirmation"])
@pytest.mark.parametrize("label", list(HOSTILE))
def test_hostile_values_in_the_delete_forms_delete_nothing(client, auth, make_user, field, label):
    person = make_user()
    victim = make_user()
    auth.login_as(person)
    response = client.post("/account/delete", data={field: HOSTILE[label]})
    assert 400 <= response.status_code < 500, response.status_code
    auth.logout()
    auth.login_as(make_user(role="admin"))
    response = client.post(f"/admin/users/{victim.id}/delete", data={field: HOSTILE[label]})
    assert 400 <= response.status_code < 500, response.status_code
    assert db.session.scalar(select(func.count()).select_from(AccountDeletion)) == 0


def test_two_tabs_and_an_admin_deleting_at_once_delete_once(served, make_user):
    """Real parallel requests: a double-clicked button, a second tab and an admin, at once."""
    people = [(p.id, p.email) for p in (make_user() for _ in range(3))]
    admin = make_user(role="admin").email
    db.session.rollback()
    calls = []
    for person_id, email in people:
        tab = served.browser()
        tab.login(email)
        tab.get("/account/delete")
        other, clicked_twice = tab.tab(), tab.tab()
        staff = served.browser()
        staff.login(admin)
        calls += [
            lambda t=tab: t.post("/account/delete", {"password": TEST_PASSWORD}),
            lambda t=other: t.post("/account/delete", {"password": TEST_PASSWORD}),
            lambda t=clicked_twice: t.post("/account/delete", {"password": TEST_PASSWORD}),
            lambda t=staff, i=person_id, e=email: t.post(
                f"/admin/users/{i}/delete", {"confirmation": e}
            ),
        ]
    db.session.rollback()
    responses = run_together(calls)

    assert all(r.status_code < 500 for r in responses), [r.status_code for r in responses]
    db.session.rollback()
    db.session.expire_all()
    for person_id, _email in people:
        deletions = db.session.scalars(
            select(AccountDeletion).where(AccountDeletion.user_id == person_id)
        ).all()
        assert len(deletions) == 1
        events = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "user.deleted", AuditEvent.target_id == str(person_id))
        )
        assert events == 1


def test_deleting_an_account_removes_its_personal_api_tokens(client, make_user, dana):
    # A token an admin made for Dana would otherwise still read her kept records.
    from lms.api.models import ApiToken, ApiUse
    from lms.api.services import create_token, record_use

    admin = make_user("ada@example.org", role="admin", name="Ada Admin")
    now = utcnow()
    token, raw = create_token(
        "Dana's HR sync", ["read:completions"], now + timedelta(days=30), actor=admin, now=now,
        user=dana,
    )  # fmt: skip
    record_use(token.id, "GET", "/api/v1/completions", 200, now)
    db.session.commit()
    assert (
        client.get("/api/v1/completions", headers={"Authorization": f"Bearer {raw}"}).status_code
        == 200
    )

    delete_form(client)
    client.post("/account/delete", data={"password": TEST_PASSWORD})
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
    assert db.session.scalar(select(func.count()).select_from(ApiUse)) == 0
    answer = client.get("/api/v1/completions", headers={"Authorization": f"Bearer {raw}"})
    assert answer.status_code == 401


def test_deleting_an_account_removes_requests_for_another_try(client, lived_in):
    # The request carries the learner's own words to staff.
    from lms.courses.models import CoursePage
    from lms.quizzes.models import AttemptRequest
    from lms.quizzes.second_chances import request_attempt

    dana = db.session.scalar(select(User).where(User.email == "dana@example.org"))
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == dana.id))
    quiz = db.session.scalar(
        select(CoursePage).where(
            CoursePage.version_id == enrolment.version_id, CoursePage.kind == "quiz"
        )
    )
    request_attempt(enrolment, quiz, "I was unwell during the post-test.")
    db.session.commit()

    delete_form(client)
    assert client.post("/account/delete", data={"password": TEST_PASSWORD}).status_code < 400
    remaining = db.session.scalar(select(func.count()).select_from(AttemptRequest))
    assert remaining == 0
