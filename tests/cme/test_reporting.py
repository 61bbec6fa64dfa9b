"""Board reporting, consent, MOC once per day, deadlines, audit files and outside credit."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfWriter
from sqlalchemy import func, select

from lms.accounts.models import Role
from lms.audit.models import AuditEvent
from lms.certificates.models import Certificate, Completion, CreditClaim
from lms.cme.models import MocCreditDay, ReportBatch, ReportBatchItem
from lms.courses.models import Course
from lms.extensions import db
from tests.test_certificates import complete, pdf_text
from tests.test_quizzes import CME

MOC = {"credit_type": "abp-moc-2", "amount": "1.0", "attest": "y", "consent": "y"}
AMA = {"credit_type": "ama-pra-1", "amount": "1.0", "attest": "y", "consent": "y"}
ROOT = Path(__file__).resolve().parents[2] / "courses"


@pytest.fixture()
def make_physician(make_user):
    def make(name: str = "Dana Doctor", abp_id: str = "1234567", **fields):
        return make_user(
            name=name,
            profession="physician",
            abp_id=abp_id,
            birth_month=3,
            birth_day=7,
            npi="1234567890",
            **fields,
        )

    return make


@pytest.fixture()
def admin_client(app, make_user):
    admin = make_user(role=Role.ADMIN, name="Ada Admin")
    client = app.test_client()
    assert client.post("/login", data={"email": admin.email, "password": "correct horse battery"})
    return client


def login(app, user):
    client = app.test_client()
    response = client.post(
        "/login", data={"email": user.email, "password": "correct horse battery"}
    )
    assert response.status_code == 302
    return client


def claim_moc(app, user, slug: str = CME):
    client = login(app, user)
    complete(client, slug)
    response = client.post(f"/courses/{slug}/credit", data=MOC)
    assert response.status_code == 302, response.data.decode()[:2000]
    return client


def make_batch(admin_client, layout: str = "abp-moc"):
    return admin_client.post(f"/admin/reporting/{layout}/batches", follow_redirects=True)


# --- batches --------------------------------------------------------------------------------


def test_a_batch_reports_only_new_records_and_downloads_again_byte_identical(
    app, publish, make_physician, admin_client
):
    publish()
    dana = make_physician()
    claim_moc(app, dana)

    page = admin_client.get("/admin/reporting").data.decode()
    assert "Next batch: 1 record(s)" in page and "1234567" in page
    make_batch(admin_client)
    batch = db.session.scalar(select(ReportBatch))
    assert batch.row_count == 1 and batch.created_by.full_name == "Ada Admin"
    first = admin_client.get(f"/admin/reporting/batches/{batch.id}.txt")
    assert first.status_code == 200 and first.mimetype == "text/plain"
    assert first.headers["Cache-Control"] == "no-store"
    assert (
        hashlib.sha256(first.data).hexdigest() == batch.sha256 == first.headers["X-Content-SHA256"]
    )
    fields = first.data.decode().rstrip("\r\n").split("\t")
    assert fields[:6] == ["900000001", "Dana", "Doctor", "03/07", "ABP", "1234567"]
    assert fields[7] == "1.00"

    again = make_batch(admin_client)
    assert "There is nothing new to report." in again.data.decode()
    assert db.session.scalar(select(func.count()).select_from(ReportBatch)) == 1

    sky = make_physician(name="Sky Pediatrician", abp_id="7654321")
    claim_moc(app, sky)
    make_batch(admin_client)
    second = db.session.scalars(select(ReportBatch).order_by(ReportBatch.id)).all()[-1]
    assert second.row_count == 1 and b"Pediatrician" in second.data and b"Doctor" not in second.data

    # Years later the first file downloads exactly as it was uploaded.
    assert admin_client.get(f"/admin/reporting/batches/{batch.id}.txt").data == first.data
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "report.batch_created")
    ).all()
    assert [e.details["sha256"] for e in events] == [batch.sha256, second.sha256]


def test_a_corrected_record_is_reported_again_deliberately(
    app, publish, make_physician, admin_client
):
    publish()
    dana = make_physician()
    claim_moc(app, dana)
    make_batch(admin_client)
    claim = db.session.scalar(select(CreditClaim))

    form = admin_client.get(f"/admin/reporting/abp-moc/claims/{claim.id}/correct").data.decode()
    assert 'name="reason"' in form and "Reported in batch" in form
    refused = admin_client.post(f"/admin/reporting/abp-moc/claims/{claim.id}/correct", data={})
    assert refused.status_code == 200 and "Say what was corrected." in refused.data.decode()

    dana.full_name = "Dana Q. Doctor"
    db.session.commit()
    admin_client.post(
        f"/admin/reporting/abp-moc/claims/{claim.id}/correct",
        data={"reason": "Learner corrected their name."},
    )
    page = admin_client.get("/admin/reporting").data.decode()
    assert "Correction" in page
    make_batch(admin_client)
    batches = db.session.scalars(select(ReportBatch).order_by(ReportBatch.id)).all()
    assert len(batches) == 2 and b"Dana Q.\tDoctor" in batches[1].data
    items = db.session.scalars(select(ReportBatchItem).order_by(ReportBatchItem.id)).all()
    assert [(i.batch_id, i.correction) for i in items] == [
        (batches[0].id, False),
        (batches[1].id, True),
    ]
    # Once sent, the correction is done: the next batch has nothing.
    assert "nothing new" in make_batch(admin_client).data.decode()


def test_the_reporting_page_says_the_workbook_header_is_second_hand(admin_client):
    # ACCME's current learner template is an Excel workbook this site could not check itself:
    # its header is known second-hand (docs/cme.md, section 4). The admin must hear that
    # before the first upload.
    page = admin_client.get("/admin/reporting").data.decode()
    assert "as a third party reported it; this site could not check the workbook itself" in page
    assert "own reading of the learner data ACCME asks for" in page
    assert "compare a batch with the Excel learner template PARS offers" in page
    assert "state of licensure, which learners can give on their profile" in page


def test_unknown_layouts_batches_and_claims_are_404(admin_client):
    assert admin_client.post("/admin/reporting/nope/batches").status_code == 404
    for batch in ("999", "0", "9" * 30):
        assert admin_client.get(f"/admin/reporting/batches/{batch}.txt").status_code == 404
    huge = "9" * 30
    assert admin_client.get(f"/admin/reporting/abp-moc/claims/{huge}/correct").status_code == 404


def test_learners_cannot_reach_board_reporting(app, publish, make_physician):
    publish()
    client = login(app, make_physician())
    assert client.get("/admin/reporting").status_code == 403
    assert client.post("/admin/reporting/abp-moc/batches").status_code == 403


# --- consent --------------------------------------------------------------------------------


def test_withdrawn_consent_is_audited_and_honoured_by_the_next_report(
    app, publish, make_physician, admin_client
):
    publish()
    dana = make_physician()
    client = claim_moc(app, dana)

    profile = client.get("/account").data.decode()
    assert "Withdraw consent to board reporting" in profile
    client.post("/account/board-reporting", data={"consent": "withdraw"})
    assert "Give consent again" in client.get("/account").data.decode()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "consent.withdrawn"))
    assert event is not None and event.actor_id == dana.id

    page = admin_client.get("/admin/reporting").data.decode()
    assert "withdrew consent to report" in page
    assert "nothing new" in make_batch(admin_client).data.decode()

    client.post("/account/board-reporting", data={"consent": "give"})
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "consent.given"))
    make_batch(admin_client)
    assert db.session.scalar(select(ReportBatch)).row_count == 1


def test_board_reporting_and_consent_read_in_spanish(app, publish, make_physician, admin_client):
    publish()
    client = claim_moc(app, make_physician())
    response = client.post(
        "/account/board-reporting?lang=es", data={"consent": "withdraw"}, follow_redirects=True
    )
    assert "Retiró su consentimiento. No informaremos sus créditos a las juntas." in (
        response.data.decode()
    )

    page = admin_client.get("/admin/reporting?lang=es").data.decode()
    for expected in [
        "Informes para las juntas (PARS)",
        "Excluidos del próximo lote",
        "retiró su consentimiento para que se informe",
        "Todavía no se ha creado ningún lote.",
        "AMA PRA Category 1 Credit™ (CME para las juntas médicas estatales)",
    ]:
        assert expected in page, expected


def test_consent_changes_need_a_csrf_token_and_a_known_choice(app, publish, make_physician):
    publish()
    client = login(app, make_physician())
    assert client.post("/account/board-reporting", data={"consent": "x"}).status_code == 400
    assert (
        client.post(
            "/account/board-reporting", data={"consent": "withdraw"}, csrf=False
        ).status_code
        == 400
    )


# --- MOC at most once per day ---------------------------------------------------------------


@pytest.fixture()
def twin_courses(tmp_path, publish):
    """Publish the sample CME course twice (English and a copy) under one PARS activity ID."""
    root = tmp_path / "courses"
    shutil.copytree(ROOT / CME, root / CME)
    shutil.copytree(ROOT / CME, root / "tic-essentials-copy")
    report = publish(root)
    assert not report.failed, report.failed
    return root


def test_moc_credit_at_most_once_per_day_per_activity(app, twin_courses, make_physician):
    dana = make_physician()
    client = claim_moc(app, dana)
    complete(client, "tic-essentials-copy")
    refused = client.post("/courses/tic-essentials-copy/credit", data=MOC)
    assert refused.status_code == 200
    assert "at most once per day" in refused.data.decode()
    assert db.session.scalar(select(func.count()).select_from(MocCreditDay)) == 1
    moc_claims = (
        select(func.count()).select_from(CreditClaim).where(CreditClaim.credit_type == "abp-moc-2")
    )
    assert db.session.scalar(moc_claims) == 1
    # AMA credit for the same day is not limited by the ABP's rule.
    assert client.post("/courses/tic-essentials-copy/credit", data=AMA).status_code == 302


def test_moc_on_another_day_is_allowed(app, twin_courses, make_physician):
    dana = make_physician()
    client = claim_moc(app, dana)
    complete(client, "tic-essentials-copy")
    completion = db.session.scalars(select(Completion).order_by(Completion.id)).all()[-1]
    completion.completed_at = completion.completed_at + timedelta(days=1)
    db.session.commit()
    assert client.post("/courses/tic-essentials-copy/credit", data=MOC).status_code == 302


# --- deadlines ------------------------------------------------------------------------------


def test_deadlines_warn_on_the_dashboard_and_from_the_command_line(
    app, publish, make_physician, admin_client, runner
):
    publish()
    dana = make_physician()
    claim_moc(app, dana)
    completion = db.session.scalar(select(Completion))
    # A fixed day, so the test does not depend on how near December 1 it runs.
    completion.completed_at = datetime(2026, 3, 2, 15, tzinfo=UTC)
    db.session.commit()

    result = runner.invoke(args=["cme", "due", "--today", "2026-03-03"])
    assert result.exit_code == 0 and "0 unreported" in result.output
    result = runner.invoke(args=["cme", "due", "--today", "2026-03-28"])
    assert result.exit_code == 0 and "due April 1, 2026: Dana Doctor" in result.output
    result = runner.invoke(args=["cme", "due", "--today", "2026-05-01"])
    assert result.exit_code == 1
    assert "OVERDUE April 1, 2026: Dana Doctor" in result.output
    assert "completed March 2, 2026" in result.output
    dashboard = admin_client.get("/admin/").data.decode()
    assert "MOC completions to report" in dashboard and "Overdue:" in dashboard

    make_batch(admin_client)
    assert "MOC completions to report" not in admin_client.get("/admin/").data.decode()


def test_the_deadline_check_costs_the_same_for_one_or_many_claims(
    app, publish, make_physician, count_queries
):
    from lms.cme.services import due_reports

    publish()
    # Four weeks on, every claim is due within the week or overdue, whatever today is.
    later = datetime.now(UTC).date() + timedelta(days=29)
    claim_moc(app, make_physician(name="First Physician", email="first@example.org"))
    with count_queries() as one:
        assert len(due_reports(later)) == 1
    for n in range(3):
        claim_moc(app, make_physician(name=f"Physician {n}", email=f"p{n}@example.org"))
    with count_queries() as four:
        assert len(due_reports(later)) == 4
    assert len(four) == len(one)


def test_report_command_writes_the_next_batch(app, publish, make_physician, runner, tmp_path):
    publish()
    claim_moc(app, make_physician())
    out = tmp_path / "batch.txt"
    result = runner.invoke(args=["cme", "report", "abp-moc", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == db.session.scalar(select(ReportBatch)).data
    again = runner.invoke(args=["cme", "report", "abp-moc", "--output", str(out)])
    assert again.exit_code == 1 and "nothing new" in again.output


# --- certificates ---------------------------------------------------------------------------


def test_a_moc_certificate_prints_every_board_field(app, publish, make_physician):
    publish()
    client = claim_moc(app, make_physician())
    certificate = db.session.scalar(select(Certificate))
    text, pages = pdf_text(client.get(f"/certificates/{certificate.public_id}.pdf").data)
    assert pages == 1
    for expected in [
        "ABP ID: 1234567",
        "PARS activity ID: 900000001",
        "MOC points awarded: 1.0",
        "approved for American Board of Pediatrics (ABP) Maintenance of Certification (MOC) Part 2",
        "Learning format: Enduring material",
        app.config["PROVIDER_ADDRESS"],
    ]:
        assert expected in text, expected


def test_verification_json_and_transcript_carry_provenance(app, publish, make_physician):
    publish()
    client = claim_moc(app, make_physician())
    certificate = db.session.scalar(select(Certificate))
    version = db.session.scalar(select(Course).where(Course.slug == CME)).current_version
    record = client.get(f"/verify/{certificate.public_id}.json").get_json()
    assert record["provenance"]["content_hash"] == version.content_hash
    assert record["provenance"]["course_version"] == 1
    assert version.content_hash[:12] in client.get("/transcript").data.decode()
    csv_text = client.get("/transcript.csv").data.decode()
    assert "content_hash" in csv_text.splitlines()[0] and version.content_hash in csv_text


def test_admins_download_certificates_as_one_streamed_zip(
    app, publish, make_physician, admin_client
):
    publish()
    claim_moc(app, make_physician())
    claim_moc(app, make_physician(name="Sky Pediatrician", abp_id="7654321"))
    response = admin_client.get(f"/admin/certificates/archive.zip?course={CME}")
    assert response.status_code == 200 and response.is_streamed
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    certificates = db.session.scalars(select(Certificate)).all()
    assert sorted(names) == sorted(
        [f"{CME}/{c.public_id}.pdf" for c in certificates] + ["manifest.csv"]
    )
    assert archive.read(names[0]).startswith(b"%PDF-")
    assert "Sky Pediatrician" in archive.read("manifest.csv").decode()
    empty = admin_client.get("/admin/certificates/archive.zip?since=2099-01-01")
    assert zipfile.ZipFile(io.BytesIO(empty.data)).namelist() == ["manifest.csv"]
    bad = admin_client.get("/admin/certificates/archive.zip?since=2026-02-01&until=2026-01-01")
    assert bad.status_code == 400 and "on or after" in bad.data.decode()


# --- the activity file ----------------------------------------------------------------------


def test_activity_file_holds_sources_disclosures_evaluation_and_numbers(
    app, publish, make_physician, runner, tmp_path
):
    publish()
    claim_moc(app, make_physician())
    out = tmp_path / "activity.zip"
    result = runner.invoke(
        args=["cme", "activity-file", CME, "--version", "1", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    archive = zipfile.ZipFile(out)
    root = f"{CME}-v1"
    assert archive.read(f"{root}/sources/course.md") == (ROOT / CME / "course.md").read_bytes()
    assert f"{root}/sources/media/four-rs.svg" in archive.namelist()
    disclosures = archive.read(f"{root}/disclosures.html").decode()
    assert "Jordan Rivera" in disclosures and "designates this enduring material" in disclosures
    summary = json.loads(archive.read(f"{root}/summary.json"))
    assert summary["learners_completed"] == 1
    assert summary["credits_claimed"]["abp-moc-2"] == {"claims": 1, "credits": "1.00"}
    assert summary["accreditation_term"]["termination_date"] == "2029-01-14"
    assert summary["quizzes"][0]["pass_rate_percent"] == 100.0
    assert len(summary["provenance"]["content_hash"]) == 64
    evaluation = archive.read(f"{root}/evaluation-summary.csv").decode()
    assert "The content was free of commercial bias." in evaluation

    missing = runner.invoke(args=["cme", "activity-file", CME, "--version", "9"])
    assert missing.exit_code == 1 and "has no version 9" in missing.output


def test_activity_file_keeps_the_disclosures_each_edition_s_readers_were_shown(
    publish, runner, tmp_path
):
    publish()
    out = tmp_path / "front-desk.zip"
    slug = "trauma-informed-front-desk"
    result = runner.invoke(args=["cme", "activity-file", slug, "--output", str(out)])
    assert result.exit_code == 0, result.output
    disclosures = zipfile.ZipFile(out).read(f"{slug}-v1/disclosures.html").decode()

    english, spanish = disclosures.split('<div lang="es">')
    assert "Clinic policy comes first." in english and 'id="disclosures"' in english
    assert "Declaraciones de relaciones financieras" in spanish
    assert "La política de la clínica va primero." in spanish
    assert "Este curso no recibió apoyo comercial." in spanish
    assert 'id="disclosures-es"' in spanish and "Clinic policy" not in spanish


def test_provenance_records_the_git_commit_and_dirty_tree(app, publish, tmp_path):
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    root = tmp_path / "courses"
    shutil.copytree(ROOT / "trauma-informed-front-desk", root / "trauma-informed-front-desk")

    def run(*args: str) -> str:
        return subprocess.run(  # noqa: S603
            [git, "-C", str(root), *args], check=True, capture_output=True, text=True
        ).stdout.strip()

    run("init", "-q")
    run("-c", "user.name=T", "-c", "user.email=t@example.org", "add", ".")
    run("-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "-qm", "courses")
    publish(root)
    course = db.session.scalar(select(Course))
    assert course.current_version.source_commit == run("rev-parse", "HEAD")
    assert course.current_version.source_dirty is False

    lesson = root / "trauma-informed-front-desk" / "01-a-welcoming-first-moment.md"
    lesson.write_text(lesson.read_text() + "\nOne more line.\n")
    publish(root)
    db.session.expire_all()
    version = db.session.scalar(select(Course)).current_version
    assert version.number == 2 and version.source_dirty is True


# --- the course page ------------------------------------------------------------------------


def test_the_course_page_shows_accreditation_and_disclosures_before_start(client, publish):
    publish()
    html = client.get(f"/courses/{CME}").data.decode()
    start = html.index('id="start-heading"')
    for text in [
        "designates this enduring material for a maximum of 1.0",
        "is\n  accredited by the Accreditation Council".split("\n")[0],
        "Jordan Rivera, MD, FAAP",
        "None of the planners, authors or reviewers",
        "Pass the Post-test with a score of 80% or higher. You have up to 3 attempts.",
        "Submit the course evaluation, answering the questions marked required.",
        "Most recent review",
        "Chrome, Edge, Firefox or Safari",
        "Sources for further study",
        'href="/privacy"',
    ]:
        assert text in html and html.index(text) < start, text
    assert client.get("/privacy").status_code == 200
    assert 'href="/privacy"' in client.get("/").data.decode()


def test_a_course_without_a_post_test_does_not_promise_one(client, publish, tmp_path):
    root = tmp_path / "courses"
    folder = root / "reading-only"
    folder.mkdir(parents=True)
    (folder / "course.md").write_text("---\ntitle: Reading\nsummary: Just reading.\n---\nHello.\n")
    (folder / "01-read.md").write_text("---\ntitle: Read this\n---\nText.\n")
    publish(root)
    html = client.get("/courses/reading-only").data.decode()
    assert "on the post-test" not in html and "This course has no post-test." in html


def test_structured_relationships_are_shown_with_the_mitigation_sentence(client, publish, tmp_path):
    root = tmp_path / "courses"
    shutil.copytree(ROOT / CME, root / CME)
    path = root / CME / "course.md"
    path.write_text(
        path.read_text()
        .replace(
            "      roles: [author]\n      relationships: none\n",
            "      roles: [author]\n      relationships:\n"
            "        - company: Acme <b>Pharma</b>\n          nature: consultant\n",
        )
        .replace(
            "  commercial_support:", "  mitigation: Content peer reviewed.\n  commercial_support:"
        )
    )
    report = publish(root)
    assert report.failed and "plain text" in str(report.failed[0].diagnostics)
    path.write_text(path.read_text().replace("Acme <b>Pharma</b>", "Acme Pharma"))
    assert not publish(root).failed
    html = client.get(f"/courses/{CME}").data.decode()
    assert "Priya Shah, MD: consultant, Acme Pharma" in html
    assert "All relevant financial relationships have been mitigated." in html


# --- credit earned elsewhere ----------------------------------------------------------------


def a_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def external(**changes):
    data = {
        "title": "Pediatric Grand Rounds: Sleep",
        "provider": "Example Children's Hospital",
        "completed_on": "2026-03-31",
        "credit_type": "ama-pra-1",
        "amount": "1.5",
    }
    data.update(changes)
    return data


def test_self_reported_credit_is_kept_apart_on_the_transcript(app, publish, make_physician):
    publish()
    dana = make_physician()
    client = login(app, dana)
    form = client.get("/transcript/external/new").data.decode()
    for name in ("title", "provider", "completed_on", "credit_type", "amount", "certificate"):
        assert f'name="{name}"' in form, name
    assert 'enctype="multipart/form-data"' in form

    pdf = a_pdf()
    response = client.post(
        "/transcript/external/new",
        data={**external(), "certificate": (io.BytesIO(pdf), "../../grand rounds.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    transcript = client.get("/transcript").data.decode()
    section = transcript[transcript.index('id="self-reported"') :]
    assert "Pediatric Grand Rounds: Sleep" in section and "(self-reported)" in section
    assert "Pediatric Grand Rounds" not in transcript[: transcript.index('id="self-reported"')]

    text, _pages = pdf_text(client.get("/transcript.pdf").data)
    assert "Credit earned elsewhere (self-reported)" in text and "Grand Rounds: Sleep" in text

    link = section.split('href="/transcript/external/')[1].split('"')[0]
    download = client.get(f"/transcript/external/{link}")
    assert download.data == pdf and "attachment" in download.headers["Content-Disposition"]
    assert 'filename="grand rounds.pdf"' in download.headers["Content-Disposition"]

    other = login(app, make_physician(name="Other Person", abp_id="1111"))
    assert other.get(f"/transcript/external/{link}").status_code == 404
    credit_id = link.removesuffix(".pdf")
    assert other.post(f"/transcript/external/{credit_id}/delete").status_code == 404
    assert client.post(f"/transcript/external/{credit_id}/delete").status_code == 302
    assert "None recorded." in client.get("/transcript").data.decode()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (b"just text, not a pdf", "must be a PDF file that opens"),
        (b"%PDF-1.4\nbroken\n%%EOF", "must be a PDF file that opens"),
        (b"%PDF-1.4\n" + b"0" * (20 * 1024) + b"\n%%EOF", "larger than 16 KB"),
    ],
)
def test_a_bad_or_oversized_certificate_is_refused_kindly(
    app, publish, make_physician, upload, message
):
    # A small configured limit keeps the upload in memory (large ones spool to disk).
    app.config["EXTERNAL_CERTIFICATE_MAX_BYTES"] = 16 * 1024
    publish()
    client = login(app, make_physician())
    response = client.post(
        "/transcript/external/new",
        data={**external(), "certificate": (io.BytesIO(upload), "certificate.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and message in response.data.decode()


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": "0.3"},
        {"amount": "-1"},
        {"amount": "lots"},
        {"credit_type": "nope"},
        {"completed_on": "yesterday"},
        {"title": ""},
        {"title": "x" * 301},
    ],
)
def test_bad_self_reported_values_are_refused(app, publish, make_physician, changes):
    publish()
    client = login(app, make_physician())
    response = client.post("/transcript/external/new", data=external(**changes))
    assert response.status_code == 400
