"""Everything kept about one person, as a ZIP of JSON and CSV files with their certificates.

`collect_records` reads the person's rows (and nobody else's: every query is by their id or
their own email address); the row builders are pure functions of those rows; `write_export`
lays them out in a ZIP written to a file object, so the view can stream a temporary file.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from sqlalchemy import or_, select

from lms.accounts.models import User
from lms.audit.models import AuditEvent
from lms.certificates.models import Certificate, Completion, CreditClaim
from lms.cme.models import ExternalCredit
from lms.exports.cells import text_cell
from lms.extensions import db
from lms.invitations.models import Invitation
from lms.newsletter.models import NoticePreference, Subscriber
from lms.organizations.models import Assignment, Membership
from lms.paths.models import PathCompletion
from lms.progress.models import Enrolment
from lms.quizzes.models import EvaluationResponse, QuizAttempt
from lms.webinars.attendance_models import WebinarAttendance, WebinarEvaluation
from lms.webinars.models import WebinarRegistration

Row = dict[str, Any]


class ExportTooLargeError(Exception):
    """The export would pass the configured size limit."""


@dataclass
class Records:
    """One person's rows, read once, for the row builders."""

    user: User
    enrolments: list[Enrolment] = field(default_factory=list)
    pages_done: dict[int, int] = field(default_factory=dict)  # enrolment id -> pages completed
    attempts: list[QuizAttempt] = field(default_factory=list)
    evaluations: list[EvaluationResponse] = field(default_factory=list)
    completions: list[Completion] = field(default_factory=list)
    claims: list[CreditClaim] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)
    path_completions: list[PathCompletion] = field(default_factory=list)
    external_credits: list[ExternalCredit] = field(default_factory=list)
    registrations: list[WebinarRegistration] = field(default_factory=list)
    attendance: list[WebinarAttendance] = field(default_factory=list)
    webinar_evaluations: list[WebinarEvaluation] = field(default_factory=list)
    subscriber: Subscriber | None = None
    notices: NoticePreference | None = None
    memberships: list[Membership] = field(default_factory=list)
    invitations: list[Invitation] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    audit: list[AuditEvent] = field(default_factory=list)


def collect_records(user: User) -> Records:
    """Read every row kept about `user`, and only theirs."""

    def mine(model: Any, *order: Any) -> list[Any]:
        return list(
            db.session.scalars(select(model).where(model.user_id == user.id).order_by(*order))
        )

    records = Records(user=user)
    records.enrolments = mine(Enrolment, Enrolment.enrolled_at, Enrolment.id)
    for enrolment in records.enrolments:
        records.pages_done[enrolment.id] = sum(
            1 for progress in enrolment.page_progress if progress.completed_at is not None
        )
    records.attempts = mine(QuizAttempt, QuizAttempt.started_at, QuizAttempt.id)
    records.evaluations = mine(EvaluationResponse, EvaluationResponse.submitted_at)
    records.completions = mine(Completion, Completion.completed_at)
    records.claims = mine(CreditClaim, CreditClaim.claimed_at, CreditClaim.id)
    records.certificates = mine(Certificate, Certificate.issued_at, Certificate.id)
    records.path_completions = mine(PathCompletion, PathCompletion.completed_at, PathCompletion.id)
    records.external_credits = mine(ExternalCredit, ExternalCredit.completed_on)
    records.registrations = mine(WebinarRegistration, WebinarRegistration.created_at)
    records.attendance = mine(WebinarAttendance, WebinarAttendance.recorded_at)
    records.webinar_evaluations = mine(WebinarEvaluation, WebinarEvaluation.submitted_at)
    records.subscriber = db.session.scalar(
        select(Subscriber).where(Subscriber.email == user.email.lower())
    )
    records.notices = db.session.get(NoticePreference, user.id)
    records.memberships = mine(Membership, Membership.joined_at)
    records.invitations = list(
        db.session.scalars(
            select(Invitation)
            .where(or_(Invitation.user_id == user.id, Invitation.email == user.email.lower()))
            .order_by(Invitation.created_at)
        )
    )
    records.assignments = mine(Assignment, Assignment.assigned_at)
    records.audit = list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                or_(
                    AuditEvent.actor_id == user.id,
                    (AuditEvent.target_type == "user") & (AuditEvent.target_id == str(user.id)),
                )
            )
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )
    return records


# --- pure row builders -----------------------------------------------------------------------


def profile_row(user: User) -> Row:
    """Return the person's account as the export shows it."""
    return {
        "id": user.id,
        "email": user.email,
        "full_name": user.full_name,
        "profession": user.profession,
        "role": user.role,
        "npi": user.npi,
        "abp_id": user.abp_id,
        "birth_month": user.birth_month,
        "birth_day": user.birth_day,
        "license_state": user.license_state,
        "license_number": user.license_number,
        "board_reporting_consent_withdrawn_at": user.board_consent_withdrawn_at,
        "language": user.locale,
        "timezone": user.timezone,
        "created_at": user.created_at,
        "email_confirmed_at": user.email_confirmed_at,
        "last_login_at": user.last_login_at,
    }


def enrolment_row(enrolment: Enrolment, pages_done: int) -> Row:
    """Return one course the person started, with their progress through it."""
    return {
        "course": enrolment.course.slug,
        "course_title": enrolment.version.title,
        "version": enrolment.version.number,
        "enrolled_at": enrolment.enrolled_at,
        "last_visited_at": enrolment.last_visited_at,
        "last_page": enrolment.last_page.slug if enrolment.last_page else None,
        "pages_completed": pages_done,
        "pages_total": len(enrolment.version.pages),
        "pages_completed_at": enrolment.pages_completed_at,
    }


def _chosen_text(question: Any, response: Any) -> str:
    # Choice questions store option ids; the export names what the person chose in words.
    if isinstance(response, list):
        texts = {option.id: option.text for option in question.options}
        return "; ".join(texts.get(str(choice), str(choice)) for choice in response)
    return "" if response is None else str(response)


def attempt_row(attempt: QuizAttempt) -> Row:
    """Return one quiz attempt with each answer: the question, what was chosen, and the grade."""
    questions = {question.id: question for question in attempt.page.questions}
    answers = []
    for answer in attempt.answers:
        question = questions.get(answer.question_id)
        answers.append(
            {
                "question_id": answer.question_id,
                "question": question.title if question else None,
                "answer": _chosen_text(question, answer.response) if question else answer.response,
                "response": answer.response,
                "correct": answer.correct,
            }
        )
    return {
        "course": attempt.page.version.course.slug,
        "version": attempt.page.version.number,
        "quiz": attempt.page.slug,
        "quiz_title": attempt.page.title,
        "attempt": attempt.number,
        "started_at": attempt.started_at,
        "submitted_at": attempt.submitted_at,
        "score": attempt.score,
        "passed": attempt.passed,
        "language": attempt.language,
        "answers": answers,
    }


def evaluation_row(evaluation: EvaluationResponse) -> Row:
    """Return one course evaluation with the questions and the answers given."""
    questions = {question.id: question for question in evaluation.page.questions}
    return {
        "course": evaluation.page.version.course.slug,
        "version": evaluation.page.version.number,
        "submitted_at": evaluation.submitted_at,
        "answers": [
            {
                "question_id": key,
                "question": questions[key].title if key in questions else None,
                "answer": _chosen_text(questions[key], value) if key in questions else value,
            }
            for key, value in evaluation.answers.items()
        ],
    }


def claim_row(claim: CreditClaim) -> Row:
    """Return one credit claim."""
    return {
        "id": claim.id,
        "course": claim.completion.course.slug if claim.completion else None,
        "webinar": claim.webinar.slug if claim.webinar else None,
        "credit_type": claim.credit_type,
        "amount": claim.amount,
        "claimed_at": claim.claimed_at,
        "attested": claim.attested,
        "consent_to_report": claim.consent_to_report,
    }


def certificate_row(certificate: Certificate) -> Row:
    """Return one certificate as stored when it was issued."""
    return {
        "certificate_id": certificate.public_id,
        "status": certificate.status,
        "holder_name": certificate.holder_name,
        "course": certificate.course_slug,
        "course_title": certificate.course_title,
        "version": certificate.version_number,
        "completion_date": certificate.completion_date,
        "valid_until": certificate.valid_until,
        "credit_type": certificate.credit_type,
        "amount": certificate.amount,
        "provider": certificate.provider_name,
        "issued_at": certificate.issued_at,
        "revoked_at": certificate.revoked_at,
        "file": f"certificates/{certificate.public_id}.pdf",
    }


def external_credit_row(credit: ExternalCredit) -> Row:
    """Return one credit the person recorded from another provider."""
    return {
        "title": credit.title,
        "provider": credit.provider,
        "completed_on": credit.completed_on,
        "credit_type": credit.credit_type,
        "amount": credit.amount,
        "certificate_file": credit.certificate_filename,
    }


def registration_row(registration: WebinarRegistration) -> Row:
    """Return one webinar registration."""
    return {
        "webinar": registration.webinar.slug,
        "webinar_title": registration.webinar.title,
        "status": registration.status,
        "registered_at": registration.created_at,
        "cancelled_at": registration.cancelled_at,
    }


def attendance_row(attendance: WebinarAttendance, slugs: dict[int, str]) -> Row:
    """Return one record of the person's attendance at a webinar."""
    return {
        "webinar": slugs.get(attendance.webinar_id),
        "source": attendance.source,
        "minutes": attendance.minutes,
        "recorded_at": attendance.recorded_at,
    }


def newsletter_row(subscriber: Subscriber | None, notices: NoticePreference | None) -> Row:
    """Return the person's newsletter subscription and course notice choices."""
    return {
        "newsletter": None
        if subscriber is None
        else {
            "email": subscriber.email,
            "status": subscriber.status,
            "topics": subscriber.topics,
            "language": subscriber.language,
            "consent_at": subscriber.consent_at,
            "consent_text": subscriber.consent_text,
            "confirmed_at": subscriber.confirmed_at,
            "unsubscribed_at": subscriber.unsubscribed_at,
        },
        "course_notices": None
        if notices is None
        else {"new_courses": notices.new_courses, "new_versions": notices.new_versions},
    }


def membership_row(membership: Membership) -> Row:
    """Return one organization the person belongs to."""
    return {
        "organization": membership.organization.name,
        "role": membership.role,
        "joined_at": membership.joined_at,
    }


def invitation_row(invitation: Invitation) -> Row:
    """Return one invitation sent to the person."""
    return {
        "organization": invitation.organization.name,
        "email": invitation.email,
        "full_name": invitation.full_name,
        "role": invitation.role,
        "sent_at": invitation.sent_at,
        "accepted_at": invitation.accepted_at,
        "revoked_at": invitation.revoked_at,
    }


def assignment_row(assignment: Assignment) -> Row:
    """Return one course assigned to the person."""
    return {
        "course": assignment.course.slug,
        "organization": assignment.owner_organization.name
        if assignment.owner_organization
        else None,
        "due_date": assignment.due_date,
        "assigned_at": assignment.assigned_at,
        "note": assignment.note,
        "recur_months": assignment.recur_months,
    }


def audit_row(event: AuditEvent, user_id: int) -> Row:
    """Return one audit entry about the person or by them; others' details are left out."""
    own = event.actor_id == user_id
    return {
        "at": event.at,
        "action": event.action,
        "by_you": own,
        "target_type": event.target_type,
        "target_id": event.target_id,
        # Entries by others about the person can name the other person: keep only the action.
        "details": event.details if own else {},
    }


# --- writing ----------------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def to_json(data: Any) -> bytes:
    """Return `data` as indented UTF-8 JSON, dates in ISO 8601 and amounts as strings."""
    return json.dumps(data, indent=2, ensure_ascii=False, default=_json_default).encode()


def to_csv(rows: Sequence[Row], columns: Sequence[str]) -> bytes:
    """Return rows as CSV, cells that a spreadsheet would run as formulas made inert."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([text_cell(row.get(name)) for name in columns])
    # A byte-order mark so spreadsheet programs read accented names as UTF-8.
    return ("\ufeff" + out.getvalue()).encode()


README = """\
Your data from {site}
Exported {when} for account {user_id}.

Each file is JSON (for programs) and, where the data is a table, also CSV (for spreadsheets).
Dates and times are in UTC, ISO 8601.

profile.json               Your account: name, email, profession, credit-reporting details.
enrolments.json/.csv       Courses you started and how far you got.
quiz_attempts.json         Every quiz attempt with each question, the answer you gave and
                           whether it was correct.
quiz_answers.csv           The same answers, one row each.
evaluations.json           Your course and webinar evaluations.
claims.json/.csv           Credit you claimed.
certificates.json/.csv     Your certificates as they were issued.
path_completions.json      Learning paths you completed (once per retraining cycle), with
                           their certificates as issued, replaced ones included.
certificates/*.pdf         Each certificate, printed as a PDF.
external_credits.json      Credit you recorded from other providers.
webinars.json              Webinar registrations and recorded attendance.
webinar_registrations.csv  Registrations, one row each.
webinar_attendance.csv     Attendance records, one row each.
newsletter.json            Your newsletter subscription and course notice choices.
organizations.json         Organizations you belong to and invitations sent to you.
assignments.json/.csv      Courses assigned to you.
audit_log.json             Entries in the site's audit log about your account or made by you.
"""


def path_completion_row(completion: PathCompletion) -> Row:
    """Return one completion of a learning path, with its certificate as it was issued."""
    return {
        "path": completion.path.slug,
        "path_title": completion.path_title,
        "cycle": completion.sequence,  # 2 and up: the path completed again (retraining)
        "courses": list(completion.course_slugs),
        "completed_at": completion.completed_at,
        "certificate_id": completion.certificate_id,
        "status": completion.status,
        "holder_name": completion.holder_name,
        "certificate_title": completion.certificate_title,
        "hours": completion.hours,
        "issued_at": completion.issued_at or completion.completed_at,
        "replaced_by": completion.superseded_by.certificate_id
        if completion.superseded_by
        else None,
        "revoked_at": completion.revoked_at,
    }


def write_export(
    records: Records,
    out: IO[bytes],
    *,
    site: str,
    now: datetime,
    render_pdf: Callable[[Certificate], bytes],
    max_bytes: int,
) -> int:
    """Write the person's export as a ZIP to `out`; return its size in bytes.

    :raise ExportTooLargeError: when the files would pass `max_bytes` before compression.
    """
    user = records.user
    total = 0

    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, data: bytes) -> None:
            nonlocal total
            total += len(data)
            if total > max_bytes:
                raise ExportTooLargeError(name)
            archive.writestr(name, data)

        add("README.txt", README.format(site=site, when=now.isoformat(), user_id=user.id).encode())
        add("profile.json", to_json(profile_row(user)))
        enrolments = [enrolment_row(e, records.pages_done[e.id]) for e in records.enrolments]
        add("enrolments.json", to_json(enrolments))
        add("enrolments.csv", to_csv(enrolments, list(enrolments[0]) if enrolments else []))
        attempts = [attempt_row(attempt) for attempt in records.attempts]
        add("quiz_attempts.json", to_json(attempts))
        answer_rows = [
            {**{k: v for k, v in attempt.items() if k != "answers"}, **answer}
            for attempt in attempts
            for answer in attempt["answers"]
        ]
        add("quiz_answers.csv", to_csv(answer_rows, ANSWER_COLUMNS))
        add(
            "evaluations.json",
            to_json(
                {
                    "courses": [evaluation_row(e) for e in records.evaluations],
                    "webinars": [
                        {
                            "webinar": e.webinar_id,
                            "submitted_at": e.submitted_at,
                            "answers": e.answers,
                        }
                        for e in records.webinar_evaluations
                    ],
                }
            ),
        )
        claims = [claim_row(claim) for claim in records.claims]
        add("claims.json", to_json(claims))
        add("claims.csv", to_csv(claims, CLAIM_COLUMNS))
        certificates = [certificate_row(c) for c in records.certificates]
        add("certificates.json", to_json(certificates))
        add("certificates.csv", to_csv(certificates, CERTIFICATE_COLUMNS))
        for certificate in records.certificates:
            add(f"certificates/{certificate.public_id}.pdf", render_pdf(certificate))
        add(
            "path_completions.json",
            to_json([path_completion_row(c) for c in records.path_completions]),
        )
        add(
            "external_credits.json",
            to_json([external_credit_row(c) for c in records.external_credits]),
        )
        registrations = [registration_row(r) for r in records.registrations]
        slugs = {r.webinar_id: r.webinar.slug for r in records.registrations}
        attendance = [attendance_row(a, slugs) for a in records.attendance]
        add("webinars.json", to_json({"registrations": registrations, "attendance": attendance}))
        add("webinar_registrations.csv", to_csv(registrations, REGISTRATION_COLUMNS))
        add("webinar_attendance.csv", to_csv(attendance, ATTENDANCE_COLUMNS))
        add("newsletter.json", to_json(newsletter_row(records.subscriber, records.notices)))
        add(
            "organizations.json",
            to_json(
                {
                    "memberships": [membership_row(m) for m in records.memberships],
                    "invitations": [invitation_row(i) for i in records.invitations],
                }
            ),
        )
        assignments = [assignment_row(a) for a in records.assignments]
        add("assignments.json", to_json(assignments))
        add("assignments.csv", to_csv(assignments, ASSIGNMENT_COLUMNS))
        add("audit_log.json", to_json([audit_row(e, user.id) for e in records.audit]))
    return out.tell()


ANSWER_COLUMNS = [
    "course",
    "version",
    "quiz",
    "attempt",
    "submitted_at",
    "question_id",
    "question",
    "answer",
    "correct",
]
CLAIM_COLUMNS = [
    "id",
    "course",
    "webinar",
    "credit_type",
    "amount",
    "claimed_at",
    "attested",
    "consent_to_report",
]
CERTIFICATE_COLUMNS = [
    "certificate_id",
    "status",
    "holder_name",
    "course",
    "course_title",
    "version",
    "completion_date",
    "valid_until",
    "credit_type",
    "amount",
    "provider",
    "issued_at",
    "revoked_at",
    "file",
]
REGISTRATION_COLUMNS = ["webinar", "webinar_title", "status", "registered_at", "cancelled_at"]
ATTENDANCE_COLUMNS = ["webinar", "source", "minutes", "recorded_at"]
ASSIGNMENT_COLUMNS = ["course", "organization", "due_date", "assigned_at", "note", "recur_months"]
