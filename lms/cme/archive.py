"""ZIP files for auditors: a course version's activity file, and certificates in bulk.

Both are written through zipfile onto an unseekable sink, so the certificate archive can be
streamed to a browser as it is made, one PDF at a time, in flat memory.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from lms.certificates.models import Certificate, Completion, CreditClaim
from lms.courses.models import (
    CoursePage,
    CourseVersion,
    CourseVersionSource,
    MediaBlob,
    VersionMedia,
)
from lms.exports.cells import text_cell
from lms.extensions import db
from lms.progress.models import Enrolment
from lms.quizzes import reports

ARCHIVE_BATCH = 50  # certificates loaded per query while streaming


class _Sink(io.RawIOBase):
    """A write-only, unseekable buffer that hands over what was written so far."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _stamp(moment: datetime) -> tuple[int, int, int, int, int, int]:
    # ZIP timestamps start in 1980 and have no zone; ours are UTC.
    return (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, 0)


def _write(archive: zipfile.ZipFile, name: str, data: bytes, moment: datetime) -> None:
    info = zipfile.ZipInfo(name, date_time=_stamp(moment))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


# --- certificates in bulk -------------------------------------------------------------------

MANIFEST_COLUMNS = (
    "certificate_id", "status", "holder_name", "course_slug", "course_title", "course_version",
    "completion_date", "credit_type", "amount", "issued_at", "file",
)  # fmt: skip


def certificate_zip_chunks(
    certificate_ids: Sequence[int], render: Callable[[Certificate], bytes]
) -> Iterator[bytes]:
    """Yield a ZIP of the certificates' PDFs and a manifest.csv, a PDF at a time."""
    sink = _Sink()
    manifest = io.StringIO()
    writer = csv.writer(manifest)
    writer.writerow(MANIFEST_COLUMNS)

    latest = datetime(1980, 1, 1)
    with zipfile.ZipFile(sink, "w") as archive:
        for start in range(0, len(certificate_ids), ARCHIVE_BATCH):
            window = certificate_ids[start : start + ARCHIVE_BATCH]
            certificates = db.session.scalars(
                select(Certificate).where(Certificate.id.in_(window)).order_by(Certificate.id)
            ).all()
            for certificate in certificates:
                name = f"{certificate.course_slug}/{certificate.public_id}.pdf"
                _write(archive, name, render(certificate), certificate.issued_at)
                latest = max(latest, certificate.issued_at.replace(tzinfo=None))
                writer.writerow(
                    [
                        text_cell(certificate.public_id),
                        text_cell(certificate.status),
                        text_cell(certificate.holder_name),
                        text_cell(certificate.course_slug),
                        text_cell(certificate.course_title),
                        certificate.version_number,
                        text_cell(certificate.completion_date),
                        text_cell(certificate.credit_type),
                        text_cell(certificate.amount),
                        text_cell(certificate.issued_at),
                        name,
                    ]
                )
                yield sink.drain()
            for certificate in certificates:
                db.session.expunge(certificate)
        _write(archive, "manifest.csv", manifest.getvalue().encode("utf-8"), latest)
    yield sink.drain()


# --- the activity file ----------------------------------------------------------------------


def _evaluation_csv(version: CourseVersion, pages: Sequence[CoursePage]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["question", "answer", "count", "percent"])
    for page in pages:
        if page.kind != "evaluation":
            continue
        report = reports.evaluation_report(page)
        writer.writerow(["(responses)", "", report.responses, ""])
        for item in report.choices:
            for rate in item.rates:
                percent = "" if rate.percent is None else f"{rate.percent:.1f}"
                writer.writerow([item.question.title, rate.text, rate.chosen, percent])
        for text in report.texts:
            for answer in text.answers:
                writer.writerow([text.question.title, answer, 1, ""])
    return buffer.getvalue().encode("utf-8")


def activity_summary(version: CourseVersion, pages: Sequence[CoursePage]) -> dict[str, Any]:
    """Return the numbers an auditor asks for about one course version, as JSON-safe data."""
    enrolled = db.session.scalar(
        select(func.count()).select_from(Enrolment).where(Enrolment.version_id == version.id)
    )
    completed = db.session.scalar(
        select(func.count()).select_from(Completion).where(Completion.version_id == version.id)
    )
    claimed: dict[str, dict[str, str | int]] = {}
    for credit_type, count, total in db.session.execute(
        select(CreditClaim.credit_type, func.count(), func.sum(CreditClaim.amount))
        .where(CreditClaim.version_id == version.id)
        .group_by(CreditClaim.credit_type)
        .order_by(CreditClaim.credit_type)
    ):
        claimed[credit_type] = {"claims": count, "credits": f"{Decimal(total or 0):f}"}
    quizzes = []
    for page in pages:
        if page.kind != "quiz":
            continue
        summary = reports.quiz_report(page).summary
        quizzes.append(
            {
                "page": page.slug,
                "title": page.title,
                "role": page.settings.get("role"),
                "attempts": summary.attempts,
                "learners": summary.learners,
                "passed_learners": summary.passed_learners,
                "pass_rate_percent": summary.pass_rate,
                "average_score_percent": summary.average_score,
            }
        )
    return {
        "course": version.course.slug,
        "title": version.title,
        "provenance": {
            **version.provenance,
            "published_at": version.published_at.isoformat().replace("+00:00", "Z"),
        },
        "accreditation_term": {
            "release_date": version.release_date.isoformat() if version.release_date else None,
            "review_date": version.review_date.isoformat() if version.review_date else None,
            "termination_date": version.expiration_date.isoformat()
            if version.expiration_date
            else None,
        },
        "learning_format": version.learning_format,
        "pars_activity_id": version.pars_activity_id,
        "credits_offered": {c.type: f"{c.max:f}" for c in version.credits},
        "learners_enrolled": enrolled,
        "learners_completed": completed,
        "credits_claimed": claimed,
        "quizzes": quizzes,
    }


def activity_file(version: CourseVersion, disclosures_html: str) -> bytes:
    """Return the activity file of a course version as ZIP bytes."""
    pages = list(
        db.session.scalars(
            select(CoursePage)
            .where(CoursePage.version_id == version.id)
            .order_by(CoursePage.position)
        )
    )
    moment = version.published_at
    buffer = io.BytesIO()
    root = f"{version.course.slug}-v{version.number}"
    with zipfile.ZipFile(buffer, "w") as archive:
        for source in db.session.scalars(
            select(CourseVersionSource)
            .where(CourseVersionSource.version_id == version.id)
            .order_by(CourseVersionSource.path)
        ):
            _write(archive, f"{root}/sources/{source.path}", source.data, moment)
        for path, blob in db.session.execute(
            select(VersionMedia.path, MediaBlob)
            .join(MediaBlob, MediaBlob.sha256 == VersionMedia.sha256)
            .where(VersionMedia.version_id == version.id)
            .order_by(VersionMedia.path)
        ):
            _write(archive, f"{root}/sources/{path}", blob.data, moment)
        _write(archive, f"{root}/disclosures.html", disclosures_html.encode("utf-8"), moment)
        _write(archive, f"{root}/evaluation-summary.csv", _evaluation_csv(version, pages), moment)
        summary = json.dumps(activity_summary(version, pages), indent=2, sort_keys=True)
        _write(archive, f"{root}/summary.json", summary.encode("utf-8"), moment)
    return buffer.getvalue()
