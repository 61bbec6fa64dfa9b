"""People read "November 28, 2026" on pages; machines still get ISO in JSON, CSV and <time>."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

from sqlalchemy import select

from lms.certificates.models import Certificate, Completion
from lms.dates import long_date, today
from lms.extensions import db
from lms.progress.models import Enrolment
from tests.test_certificates import CME, claim, complete, pdf_text

COMPLETED_AT = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)
WHEN = '<time datetime="2026-11-28">November 28, 2026</time>'


def visible_text(html: str) -> str:
    """Return what a reader sees: the page without tags and attributes."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_my_learning_says_when_a_course_was_started_in_words(client, auth, make_user, publish):
    publish()
    auth.login_as(make_user(name="Dana Doctor", profession="physician"))
    client.post(f"/courses/{CME}/start")
    enrolment = db.session.scalar(select(Enrolment))
    enrolment.enrolled_at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    enrolment.last_visited_at = datetime(2026, 11, 30, 16, 45, tzinfo=UTC)
    db.session.commit()

    page = client.get("/my-learning").data.decode()
    assert 'Started <time datetime="2026-11-02T09:00:00Z">November 2, 2026</time>' in page
    assert 'Last visited <time datetime="2026-11-30T16:45:00Z">November 30, 2026</time>' in page
    assert "2026-11-02" not in visible_text(page)


def completed_and_claimed(client) -> Certificate:
    complete(client)
    # Late in the evening UTC, so a time-zone slip would show the wrong day.
    db.session.scalar(select(Completion)).completed_at = COMPLETED_AT
    db.session.commit()
    claim(client)
    return db.session.scalar(select(Certificate))


def test_the_certificate_and_its_verification_give_the_completion_date_in_words(
    client, auth, make_user, publish
):
    publish()
    auth.login_as(make_user(name="Dana Doctor", profession="physician"))
    certificate = completed_and_claimed(client)

    mine = client.get(f"/certificates/{certificate.public_id}").data.decode()
    assert f"<dt>Completed</dt><dd>{WHEN}</dd>" in mine
    credit = client.get(f"/courses/{CME}/credit").data.decode()
    assert "You completed this course on <strong>November 28, 2026</strong>" in credit
    assert f"claimed {long_date(today())}" in credit

    auth.logout()
    public = client.get(f"/verify/{certificate.public_id}").data.decode()
    assert f"<dt>Completed</dt><dd>{WHEN}</dd>" in public
    # Employers' systems read the same record as JSON, in ISO.
    record = client.get(f"/verify/{certificate.public_id}.json").get_json()
    assert record["completion_date"] == "2026-11-28"


def test_the_transcript_reads_in_words_and_exports_in_iso(client, auth, make_user, publish):
    publish()
    auth.login_as(make_user(name="Dana Doctor", profession="physician"))
    completed_and_claimed(client)

    page = client.get("/transcript").data.decode()
    assert "November 28, 2026" in page and "2026-11-28" not in visible_text(page)
    text, _ = pdf_text(client.get("/transcript.pdf").data)
    assert "November 28, 2026" in text and f"Generated on {long_date(today())}" in text
    rows = list(csv.reader(io.StringIO(client.get("/transcript.csv").data.decode())))
    assert rows[1][0].startswith("2026-11-28T23:30")


def test_a_revoked_certificate_says_when_in_words(client, auth, make_user, publish):
    publish()
    learner = make_user(name="Dana Doctor", profession="physician")
    auth.login_as(learner)
    certificate = completed_and_claimed(client)
    certificate.revoked_at = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    certificate.status = "revoked"
    db.session.commit()

    page = client.get(f"/certificates/{certificate.public_id}").data.decode()
    assert "It was revoked on December 1, 2026, so the credit" in page
    public = client.get(f"/verify/{certificate.public_id}").data.decode()
    assert "<dt>Revoked on</dt><dd>December 1, 2026</dd>" in public


def test_the_course_page_gives_its_dates_in_words(client, publish):
    from datetime import date

    from tests.test_certificates import version_of

    publish()
    version = version_of(CME)
    version.release_date, version.expiration_date = date(2026, 1, 15), date(2029, 1, 14)
    version.published_at = COMPLETED_AT
    db.session.commit()

    page = visible_text(client.get(f"/courses/{CME}").data.decode())
    assert "Released January 15, 2026 ; credit available until January 14, 2029" in page
    assert "published November 28, 2026" in page
    assert "2026-01-15" not in page and "2029-01-14" not in page
