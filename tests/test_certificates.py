"""Learners complete a course, claim credit and get a certificate an auditor can verify."""

from __future__ import annotations

import io
import re
import threading
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.certificates.models import Certificate, Completion, CreditClaim
from lms.courses.models import Course, CourseVersion
from lms.extensions import db
from tests.test_quizzes import CME, FRONT_DESK, quiz_page, right_answers, wrong_answers

AMA = {"credit_type": "ama-pra-1", "amount": "0.75", "attest": "y"}


def version_of(slug: str) -> CourseVersion:
    return db.session.scalar(select(Course).where(Course.slug == slug)).current_version


def read_lessons(client, slug: str) -> None:
    for page in version_of(slug).pages:
        if page.kind == "lesson":
            client.post(f"/courses/{slug}/learn/{page.slug}/continue")
            client.post(f"/courses/{slug}/learn/{page.slug}/complete")


def pass_quiz(client, slug: str, *, right: bool = True) -> None:
    page = quiz_page(slug)
    url = client.post(f"/courses/{slug}/quiz/{page.slug}/start").headers["Location"]
    client.post(url, data=right_answers(page) if right else wrong_answers(page))


def evaluate(client, slug: str) -> None:
    page = quiz_page(slug, kind="evaluation")
    data = {f"q-{q.id}": [q.options[0].id] for q in page.questions if q.options}
    client.post(f"/courses/{slug}/evaluation/{page.slug}", data=data)


def complete(client, slug: str = CME) -> None:
    client.post(f"/courses/{slug}/start")
    read_lessons(client, slug)
    pass_quiz(client, slug)
    evaluate(client, slug)


def claim(client, slug: str = CME, **data):
    return client.post(f"/courses/{slug}/credit", data={**AMA, **data})


def pdf_text(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text), len(reader.pages)


@pytest.fixture()
def physician(make_user, auth, publish):
    publish()
    user = make_user(name="Dana Doctor", profession="physician")
    auth.login_as(user)
    return user


# --- completing and claiming ----------------------------------------------------------------


def test_complete_claim_and_download_a_certificate_with_every_field(client, physician):
    complete(client)
    completion = db.session.scalar(select(Completion))
    assert completion is not None and completion.version.number == 1
    assert float(completion.quiz_score) == 100.0

    response = claim(client)
    assert response.status_code == 302
    certificate = db.session.scalar(select(Certificate))
    assert response.headers["Location"] == f"/certificates/{certificate.public_id}"
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", certificate.public_id)

    pdf = client.get(f"/certificates/{certificate.public_id}.pdf")
    assert pdf.mimetype == "application/pdf"
    text, pages = pdf_text(pdf.data)
    assert pages == 1
    version = version_of(CME)
    for expected in [
        "Dana Doctor",
        version.title,
        completion.completed_at.date().strftime("%Y"),
        "0.75 AMA PRA Category 1 Credits™",
        version.accreditation.split(".")[0],
        client.application.config["PROVIDER_NAME"],
        certificate.public_id,
        f"/verify/{certificate.public_id}",
    ]:
        assert expected in text, expected


def test_the_certificate_qr_code_opens_the_verification_page(client, physician):
    zxingcpp = pytest.importorskip("zxingcpp")
    pdfium = pytest.importorskip("pypdfium2")
    complete(client)
    claim(client)
    certificate = db.session.scalar(select(Certificate))
    data = client.get(f"/certificates/{certificate.public_id}.pdf").data
    image = pdfium.PdfDocument(data)[0].render(scale=3).to_pil()
    [code] = zxingcpp.read_barcodes(image)
    assert code.text == f"http://localhost/verify/{certificate.public_id}"
    assert client.get(code.text.removeprefix("http://localhost")).status_code == 200


def test_claiming_before_completing_is_refused_with_what_is_left(client, physician):
    client.post(f"/courses/{CME}/start")
    read_lessons(client, CME)
    page = client.get(f"/courses/{CME}/credit").data.decode()
    assert "What is left before you can claim" in page
    assert "Pass the Post-test" in page
    response = claim(client)
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


def test_a_failed_quiz_blocks_the_claim(client, physician):
    client.post(f"/courses/{CME}/start")
    read_lessons(client, CME)
    pass_quiz(client, CME, right=False)
    evaluate(client, CME)
    claim(client)
    assert db.session.scalar(select(Completion)) is None
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


def test_no_evaluation_no_credit(client, physician):
    client.post(f"/courses/{CME}/start")
    read_lessons(client, CME)
    pass_quiz(client, CME)
    page = client.get(f"/courses/{CME}/credit").data.decode()
    assert "Submit the course evaluation" in page
    claim(client)
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1.25", "The most you can claim is 1.0"),
        ("0.3", "0.25"),
        ("0", "greater than 0"),
        ("abc", "number"),
    ],
)
def test_bad_amounts_are_refused_and_nothing_is_issued(client, physician, amount, message):
    complete(client)
    response = claim(client, amount=amount)
    assert response.status_code == 200
    assert message in response.data.decode()
    assert db.session.scalar(select(func.count(CreditClaim.id))) == 0


def test_the_attestation_is_required(client, physician):
    complete(client)
    response = client.post(
        f"/courses/{CME}/credit", data={"credit_type": "ama-pra-1", "amount": "1"}
    )
    assert "commensurate" in response.data.decode()
    assert db.session.scalar(select(func.count(CreditClaim.id))) == 0


def test_claims_after_expiration_or_before_release_are_refused(client, physician):
    complete(client)
    version = version_of(CME)
    version.expiration_date = date.today() - timedelta(days=1)
    db.session.commit()
    response = claim(client)
    assert "Credit for this course closed on" in response.data.decode()
    version.expiration_date = None
    version.release_date = date.today() + timedelta(days=1)
    db.session.commit()
    response = claim(client)
    assert "Credit for this course opens on" in response.data.decode()
    assert db.session.scalar(select(func.count(CreditClaim.id))) == 0


def test_moc_needs_an_abp_id_and_birth_date(client, physician):
    complete(client)
    page = client.get(f"/courses/{CME}/credit").data.decode()
    assert "Add your ABP ID" in page
    response = claim(client, credit_type="abp-moc-2", amount="1", consent="y")
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(CreditClaim.id))) == 0

    physician.abp_id, physician.birth_month, physician.birth_day = "123456", 2, 29
    db.session.commit()
    response = claim(client, credit_type="abp-moc-2", amount="1")
    assert "agree to let us report your completion" in response.data.decode()
    response = claim(client, credit_type="abp-moc-2", amount="1", consent="y")
    assert response.status_code == 302
    assert db.session.scalar(select(CreditClaim)).consent_to_report is True


def test_a_second_claim_of_the_same_type_is_refused(client, physician):
    complete(client)
    assert claim(client, amount="0.5").status_code == 302
    response = claim(client, amount="1.0")
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(CreditClaim.id))) == 1
    assert db.session.scalar(select(CreditClaim)).amount == pytest.approx(0.5)


def test_clinic_staff_get_a_certificate_of_participation(client, auth, make_user, publish):
    publish()
    auth.login_as(make_user(name="Sky Staff", profession="clinic-staff"))
    complete(client, FRONT_DESK)
    page = client.get(f"/courses/{FRONT_DESK}/credit").data.decode()
    assert "Hours of participation" in page
    response = claim(client, FRONT_DESK, credit_type="participation", amount="1")
    assert response.status_code == 302
    certificate = db.session.scalar(select(Certificate))
    text, _ = pdf_text(client.get(f"/certificates/{certificate.public_id}.pdf").data)
    assert "Certificate of Participation" in text


def test_staff_cannot_claim_ama_credit(client, auth, make_user, publish):
    publish()
    auth.login_as(make_user(profession="clinic-staff"))
    complete(client)
    claim(client)
    assert db.session.scalar(select(func.count(CreditClaim.id))) == 0


def test_two_simultaneous_claims_produce_one_certificate(app, client, physician):
    complete(client)
    db.session.commit()
    data = {**AMA, "csrf_token": client.csrf_token()}
    cookie = client.get_cookie("session").value
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def submit() -> None:
        browser = app.test_client()
        browser.set_cookie("session", cookie)
        barrier.wait()
        statuses.append(browser.post(f"/courses/{CME}/credit", data=data).status_code)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    assert sorted(statuses) == [200, 302]
    assert db.session.scalar(select(func.count(Certificate.id))) == 1
    assert db.session.scalar(select(func.count(CreditClaim.id))) == 1


# --- privacy, verification, reissue, revoke --------------------------------------------------


def test_another_learners_certificate_is_404(client, auth, physician, make_user):
    complete(client)
    claim(client)
    certificate = db.session.scalar(select(Certificate))
    auth.logout()
    auth.login_as(make_user())
    assert client.get(f"/certificates/{certificate.public_id}").status_code == 404
    assert client.get(f"/certificates/{certificate.public_id}.pdf").status_code == 404
    assert client.get("/certificates/AAAA-BBBB-CCCC-DDDD.pdf").status_code == 404


def test_public_verification_shows_only_what_it_should(client, auth, physician):
    physician.npi, physician.abp_id = "1234567893", "987654"
    db.session.commit()
    complete(client)
    claim(client)
    certificate = db.session.scalar(select(Certificate))
    auth.logout()

    page = client.get(f"/verify/{certificate.public_id}").data.decode()
    assert "Status: Valid" in page
    for shown in ["Dana Doctor", version_of(CME).title, "0.75 AMA PRA Category 1 Credits™"]:
        assert shown in page
    for hidden in [physician.email, "1234567893", "987654"]:
        assert hidden not in page

    record = client.get(f"/verify/{certificate.public_id}.json").get_json()
    assert record["status"] == "valid" and record["holder_name"] == "Dana Doctor"
    assert record["amount"] == "0.75" and record["credit_type"] == "ama-pra-1"
    assert "email" not in record
    assert client.get(f"/verify/{certificate.public_id.lower()}").status_code == 200
    assert client.get("/verify/AAAA-BBBB-CCCC-DDDD").status_code == 404
    assert client.get("/verify/AAAA-BBBB-CCCC-DDDD.json").status_code == 404


def test_a_name_change_reissues_and_the_old_id_stays_verifiable(client, physician):
    complete(client)
    claim(client)
    old = db.session.scalar(select(Certificate))
    old_pdf = client.get(f"/certificates/{old.public_id}.pdf").data
    client.post("/account", data={"full_name": "Dana Doctor-Rivera", "profession": "physician"})
    certificates = db.session.scalars(select(Certificate).order_by(Certificate.id)).all()
    assert len(certificates) == 2
    old, new = certificates
    assert old.status == "superseded" and old.superseded_by_id == new.id
    assert new.holder_name == "Dana Doctor-Rivera" and new.public_id != old.public_id
    verify = client.get(f"/verify/{old.public_id}").data.decode()
    # Reissued, without leading anyone who holds the old id to the new name.
    assert "Reissued" in verify and new.public_id not in verify
    # The old certificate still prints what was issued, with its status.
    text, _ = pdf_text(client.get(f"/certificates/{old.public_id}.pdf").data)
    assert "Dana Doctor" in text and "Dana Doctor-Rivera" not in text
    assert old.public_id in pdf_text(old_pdf)[0]


def test_the_certificate_does_not_change_when_the_course_does(client, physician, publish, tmp_path):
    import shutil

    complete(client)
    claim(client)
    certificate = db.session.scalar(select(Certificate))
    before, _ = pdf_text(client.get(f"/certificates/{certificate.public_id}.pdf").data)
    copy = tmp_path / "courses"
    shutil.copytree(client.application.config["COURSES_DIR"], copy)
    course_md = copy / CME / "course.md"
    course_md.write_text(course_md.read_text().replace('title: "', 'title: "Renamed ', 1))
    publish(copy)
    assert version_of(CME).number == 2
    after, _ = pdf_text(client.get(f"/certificates/{certificate.public_id}.pdf").data)
    assert after == before
    assert "Renamed" not in after


def test_a_name_with_markup_and_accents_appears_literally(client, auth, make_user, publish):
    publish()
    name = "<b>Zoë</b> {{ 7*7 }} Łukasiewicz-Ñúñez"
    auth.login_as(make_user(name=name, profession="physician"))
    complete(client)
    claim(client)
    certificate = db.session.scalar(select(Certificate))
    text, _ = pdf_text(client.get(f"/certificates/{certificate.public_id}.pdf").data)
    assert name in text
    assert "49" not in text.replace(certificate.public_id, "")
    page = client.get(f"/verify/{certificate.public_id}").data.decode()
    assert "&lt;b&gt;Zoë&lt;/b&gt; {{ 7*7 }} Łukasiewicz-Ñúñez" in page


def test_admin_revokes_with_a_reason_kept_in_the_audit_log(client, auth, physician, make_user):
    complete(client)
    claim(client)
    certificate = db.session.scalar(select(Certificate))
    auth.logout()
    admin = make_user(role="admin")
    auth.login_as(admin)
    url = f"/admin/certificates/{certificate.public_id}"
    assert client.post(f"{url}/revoke", data={"reason": ""}).status_code == 200
    assert certificate.status == "valid"
    client.post(f"{url}/revoke", data={"reason": "Attendance could not be confirmed."})
    assert certificate.status == "revoked"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.revoked"))
    assert (
        event.actor_id == admin.id
        and event.details["reason"] == "Attendance could not be confirmed."
    )
    assert "Status: Revoked" in client.get(f"/verify/{certificate.public_id}").data.decode()
    text, _ = pdf_text(client.get(f"/certificates/{certificate.public_id}.pdf").data)
    assert "REVOKED" in text


def test_admin_reissues_a_certificate(client, auth, physician, make_user):
    complete(client)
    claim(client)
    certificate = db.session.scalar(select(Certificate))
    auth.logout()
    auth.login_as(make_user(role="admin"))
    response = client.post(
        f"/admin/certificates/{certificate.public_id}/reissue", data={"reason": "Printing error"}
    )
    new = db.session.scalar(select(Certificate).where(Certificate.id != certificate.id))
    assert response.headers["Location"] == f"/admin/certificates/{new.public_id}"
    assert certificate.status == "superseded"
    assert db.session.scalar(select(AuditEvent)).action == "certificate.reissued"


@pytest.mark.parametrize("who", ["learner", "author"])
def test_only_admins_manage_certificates(client, auth, make_user, who):
    auth.login_as(make_user(role=who))
    assert client.get("/admin/certificates").status_code == 403
    assert (
        client.post(
            "/admin/certificates/AAAA-BBBB-CCCC-DDDD/revoke", data={"reason": "x"}
        ).status_code
        == 403
    )


# --- transcript ------------------------------------------------------------------------------


def test_transcript_totals_by_type_and_year_in_html_pdf_and_csv(client, physician):
    import csv

    complete(client)
    claim(client)
    claim(client, credit_type="participation", amount="1")
    year = str(date.today().year)
    page = client.get("/transcript").data.decode()
    assert "AMA PRA Category 1 Credit™" in page and year in page

    rows = list(csv.reader(io.StringIO(client.get("/transcript.csv").data.decode())))
    assert rows[0][:5] == [
        "completed_at",
        "course_title",
        "course_version",
        "credit_type",
        "credits_claimed",
    ]
    assert {r[3] for r in rows[1:]} == {"ama-pra-1", "participation"}
    assert {r[4] for r in rows[1:]} == {"0.75", "1.00"}

    text, _ = pdf_text(client.get("/transcript.pdf").data)
    assert "Dana Doctor" in text and version_of(CME).title in text and year in text


def test_names_in_cjk_scripts_print_with_a_font_that_has_them(client, auth, make_user, publish):
    import os
    import shutil
    import subprocess

    fc_list = shutil.which("fc-list")
    fonts_installed = (
        fc_list
        and "Droid Sans Fallback"
        in subprocess.run(  # noqa: S603
            [fc_list], capture_output=True, text=True, check=False
        ).stdout
    )
    if not fonts_installed:
        if os.environ.get("CI"):
            pytest.fail("CI must install fonts-droid-fallback (see .ci/run)")
        pytest.skip("no CJK font installed (apt-get install fonts-droid-fallback)")
    publish()
    auth.login_as(make_user(name="王小明", profession="physician"))
    complete(client)
    claim(client)
    certificate = db.session.scalar(select(Certificate))
    reader = PdfReader(io.BytesIO(client.get(f"/certificates/{certificate.public_id}.pdf").data))
    page = reader.pages[0]
    fonts = page["/Resources"]["/Font"]
    names = [str(fonts[key].get_object()["/BaseFont"]) for key in fonts]
    assert any("Droid-Sans-Fallback" in name for name in names), names
    assert "王小明" in page.extract_text()
