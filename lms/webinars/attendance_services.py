"""Attendance, organisers' work and credit for live webinars: verbs that flush, never commit.

Attendance comes from three sources, each kept as its own record with who recorded it: the
code read out in the session, the video platform's participant report, and an organiser's hand.
The time credited is the largest record (capped at the session's length), never their sum.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.certificates import eligibility
from lms.certificates.models import Certificate, CreditClaim
from lms.certificates.services import (
    AlreadyClaimed,
    CertificateError,
    current_of,
    issue_certificate,
    profile_of,
)
from lms.extensions import db
from lms.i18n import locale_for
from lms.mail.services import queue_email
from lms.webinars import credit
from lms.webinars.attendance import ReportError, parse_report
from lms.webinars.attendance_models import AttendanceSource, WebinarAttendance, WebinarEvaluation
from lms.webinars.models import RegistrationStatus, Webinar, WebinarRegistration, WebinarStatus
from lms.webinars.signals import attendance_recorded
from lms.webinars.times import format_span, local_day, zone

MAX_SUBJECT = 200
MAX_MESSAGE = 5000
MAX_NOTE = 500


class AttendanceError(Exception):
    """An attendance or organiser action that cannot be done, with a sentence saying why."""


class ImportRefused(AttendanceError):
    """A participant report with problems: nothing was imported. `problems` name the lines."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = list(problems)


def session_minutes(webinar: Webinar) -> int:
    """Return how long the session is scheduled to last, in minutes."""
    return int((webinar.ends_at - webinar.starts_at).total_seconds() // 60)


def code_window(webinar: Webinar, grace_minutes: int) -> tuple[datetime, datetime]:
    """Return when the attendance code is accepted: from the start to the end plus the grace."""
    return webinar.starts_at, webinar.ends_at + timedelta(minutes=max(grace_minutes, 0))


def _same_code(given: str, expected: str) -> bool:
    # People read codes aloud and type them back: case, spaces and dashes do not matter.
    def clean(code: str) -> str:
        return "".join(c for c in code.upper() if c.isalnum())

    return bool(clean(given)) and hmac.compare_digest(
        clean(given).encode(), clean(expected).encode()
    )


def registration_of(webinar: Webinar, user: User) -> WebinarRegistration | None:
    """Return the user's registration for the webinar, whatever its status, or None."""
    return db.session.scalar(
        select(WebinarRegistration).where(
            WebinarRegistration.webinar_id == webinar.id, WebinarRegistration.user_id == user.id
        )
    )


def _record(
    webinar: Webinar,
    user: User,
    source: AttendanceSource,
    minutes: int,
    *,
    actor: User | None,
    now: datetime,
    digest: str | None = None,
    note: str | None = None,
) -> tuple[WebinarAttendance, bool]:
    """Create or update one source's record; return it and whether anything changed."""
    existing = db.session.scalar(
        select(WebinarAttendance).where(
            WebinarAttendance.webinar_id == webinar.id,
            WebinarAttendance.user_id == user.id,
            WebinarAttendance.source == source,
        )
    )
    if existing is None:
        record = WebinarAttendance(
            webinar_id=webinar.id,
            user_id=user.id,
            source=source,
            minutes=minutes,
            recorded_by_id=actor.id if actor else None,
            recorded_at=now,
            import_digest=digest,
            note=note,
        )
        try:
            with db.session.begin_nested():
                db.session.add(record)
        except IntegrityError:
            # The same record was made at the same moment (a double click, two tabs).
            existing = db.session.scalar(
                select(WebinarAttendance).where(
                    WebinarAttendance.webinar_id == webinar.id,
                    WebinarAttendance.user_id == user.id,
                    WebinarAttendance.source == source,
                )
            )
            if existing is None:  # pragma: no cover - the conflicting row was rolled back
                raise
        else:
            if minutes > 0:  # a record of 0 minutes says they did not attend
                attendance_recorded.send(webinar, user=user, minutes=minutes)
            return record, True
    if existing.minutes == minutes and existing.note == note and existing.import_digest == digest:
        return existing, False
    existing.minutes = minutes
    existing.note = note
    existing.import_digest = digest
    existing.recorded_by_id = actor.id if actor else None
    existing.recorded_at = now
    db.session.flush()
    if minutes > 0:
        attendance_recorded.send(webinar, user=user, minutes=minutes)
    return existing, True


def enter_code(
    webinar: Webinar, user: User, code: str, *, now: datetime, grace_minutes: int
) -> WebinarAttendance:
    """Record that a registrant entered the code read out during the session.

    The code stands for the whole session: the attendee attests to the time they took part
    when they claim credit.
    """
    if webinar.status == WebinarStatus.CANCELLED:
        raise AttendanceError(_("This webinar was cancelled, so there is no attendance to record."))
    registration = registration_of(webinar, user)
    if registration is None or registration.status != RegistrationStatus.REGISTERED:
        raise AttendanceError(
            _("Only people registered for this webinar can record their attendance.")
        )
    opens, closes = code_window(webinar, grace_minutes)
    if now < opens:
        raise AttendanceError(_("The attendance code can be entered once the webinar has started."))
    if now > closes:
        raise AttendanceError(
            _(
                "The time to enter the attendance code has passed. Please contact the "
                "organizers: they can record your attendance."
            )
        )
    if not _same_code(code, webinar.attendance_code):
        raise AttendanceError(
            _("That is not this webinar's attendance code. Please check it and try again.")
        )
    record, _changed = _record(
        webinar, user, AttendanceSource.CODE, session_minutes(webinar), actor=user, now=now
    )
    return record


@dataclass(frozen=True)
class ImportResult:
    """What an import did: records created, changed, and already as the report says."""

    created: int
    updated: int
    unchanged: int


def import_report(webinar: Webinar, data: bytes, *, actor: User, now: datetime) -> ImportResult:
    """Import a participant report: all of it, or nothing when any line has a problem.

    Importing the same file again changes nothing; a corrected report replaces the minutes
    that an earlier report gave the same people.
    """
    tz = zone(webinar.timezone)
    if tz is None:  # pragma: no cover - the loader refuses unknown zones at publish
        raise AttendanceError(_("This webinar's time zone is not known."))
    try:
        report = parse_report(data, tz, (webinar.starts_at, webinar.ends_at))
    except ReportError as error:
        raise ImportRefused([str(error)]) from error
    problems = [(p.line, p.message) for p in report.problems]
    emails = [a.email for a in report.attendees]
    users = {
        user.email.lower(): user
        for user in db.session.scalars(select(User).where(func.lower(User.email).in_(emails)))
    }
    for attendee in report.attendees:
        if attendee.email not in users:
            problems.append(
                (
                    attendee.lines[0],
                    _(
                        "Line %(line)s: no one with an account uses %(email)s. Ask them to "
                        "sign up with this email, or mark their attendance by hand.",
                        line=attendee.lines[0],
                        email=attendee.email,
                    ),
                )
            )
    if problems:
        raise ImportRefused([message for _line, message in sorted(problems)])
    digest = hashlib.sha256(data).hexdigest()
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for attendee in report.attendees:
        existing = db.session.scalar(
            select(WebinarAttendance.id).where(
                WebinarAttendance.webinar_id == webinar.id,
                WebinarAttendance.user_id == users[attendee.email].id,
                WebinarAttendance.source == AttendanceSource.IMPORT,
            )
        )
        _record_, changed = _record(
            webinar,
            users[attendee.email],
            AttendanceSource.IMPORT,
            attendee.minutes,
            actor=actor,
            now=now,
            digest=digest,
        )
        key = "unchanged" if not changed else ("updated" if existing else "created")
        counts[key] += 1
    return ImportResult(**counts)


def mark_attendance(
    webinar: Webinar,
    user: User,
    minutes: int,
    *,
    actor: User,
    now: datetime,
    note: str | None = None,
) -> WebinarAttendance:
    """Record by hand how many minutes a person attended (0: they did not attend)."""
    longest = session_minutes(webinar)
    if not 0 <= minutes <= longest:
        raise AttendanceError(
            _("Enter minutes from 0 to %(longest)s, the length of the session.", longest=longest)
        )
    note = (note or "").strip()[:MAX_NOTE] or None
    record, _changed = _record(
        webinar, user, AttendanceSource.MANUAL, minutes, actor=actor, now=now, note=note
    )
    return record


def attendance_by_user(webinar: Webinar) -> dict[int, list[WebinarAttendance]]:
    """Return each person's attendance records for the webinar, by user id."""
    records: dict[int, list[WebinarAttendance]] = defaultdict(list)
    for record in db.session.scalars(
        select(WebinarAttendance)
        .where(WebinarAttendance.webinar_id == webinar.id)
        .order_by(WebinarAttendance.recorded_at, WebinarAttendance.id)
    ):
        records[record.user_id].append(record)
    return dict(records)


def attended_minutes(webinar: Webinar, user_id: int) -> int:
    """Return the minutes credited to a person for the webinar (largest record, capped)."""
    minutes = db.session.scalars(
        select(WebinarAttendance.minutes).where(
            WebinarAttendance.webinar_id == webinar.id, WebinarAttendance.user_id == user_id
        )
    ).all()
    return credit.credited_minutes(minutes, session_minutes(webinar))


@dataclass(frozen=True)
class RosterRow:
    """A person on the organisers' roster: registration and attendance."""

    user: User
    status: str  # registered, waitlisted, cancelled, or "" for an attendee who never registered
    registered_at: datetime | None
    minutes: int
    sources: tuple[str, ...]


def roster(webinar: Webinar) -> list[RosterRow]:
    """Return registrants (in order, waiting list included) and anyone with attendance."""
    records = attendance_by_user(webinar)
    longest = session_minutes(webinar)
    rows: list[RosterRow] = []
    seen: set[int] = set()
    registrations = db.session.scalars(
        select(WebinarRegistration)
        .where(WebinarRegistration.webinar_id == webinar.id)
        .order_by(WebinarRegistration.created_at, WebinarRegistration.id)
    ).all()
    for registration in registrations:
        mine = records.get(registration.user_id, [])
        rows.append(
            RosterRow(
                registration.user,
                registration.status,
                registration.created_at,
                credit.credited_minutes([r.minutes for r in mine], longest),
                tuple(sorted({r.source for r in mine})),
            )
        )
        seen.add(registration.user_id)
    for user_id, mine in records.items():
        if user_id not in seen:
            rows.append(
                RosterRow(
                    mine[0].user,
                    "",
                    None,
                    credit.credited_minutes([r.minutes for r in mine], longest),
                    tuple(sorted({r.source for r in mine})),
                )
            )
    return rows


def roster_rows(webinar: Webinar, rows: Sequence[RosterRow]) -> list[list[Any]]:
    """Return the roster as export rows (header first); cells are neutralised by the writer."""
    table: list[list[Any]] = [
        ["webinar", "full_name", "email", "status", "registered_at", "minutes", "sources"]
    ]
    for row in rows:
        table.append(
            [
                webinar.slug,
                row.user.full_name,
                row.user.email,
                row.status,
                row.registered_at,
                row.minutes,
                " ".join(row.sources),
            ]
        )
    return table


def _registrants(webinar: Webinar, statuses: Sequence[str]) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(WebinarRegistration, WebinarRegistration.user_id == User.id)
            .where(
                WebinarRegistration.webinar_id == webinar.id,
                WebinarRegistration.status.in_(statuses),
            )
            .order_by(WebinarRegistration.created_at, WebinarRegistration.id)
        )
    )


def message_registrants(
    webinar: Webinar, subject: str, body: str, *, include_waitlist: bool
) -> int:
    """Queue an organiser's message to each registrant; return how many were queued."""
    subject, body = subject.strip(), body.strip()
    if not subject or not body:
        raise AttendanceError(_("Write a subject and a message."))
    if len(subject) > MAX_SUBJECT or len(body) > MAX_MESSAGE:
        raise AttendanceError(
            _(
                "Keep the subject under %(subject)s characters and the message under %(body)s.",
                subject=MAX_SUBJECT,
                body=MAX_MESSAGE,
            )
        )
    statuses = [RegistrationStatus.REGISTERED]
    if include_waitlist:
        statuses.append(RegistrationStatus.WAITLISTED)
    people = _registrants(webinar, statuses)
    for person in people:
        with force_locale(locale_for(person)):
            framed = _(
                "A message from the organizers of “%(title)s” (%(when)s):\n\n%(body)s",
                title=webinar.title,
                when=format_span(webinar.starts_at, webinar.ends_at, webinar.timezone),
                body=body,
            )
        queue_email(person.email, subject, framed)
    return len(people)


def cancel_webinar(webinar: Webinar, *, now: datetime, reason: str = "") -> int:
    """Mark the webinar cancelled and queue an email to everyone registered or waitlisted."""
    if webinar.status == WebinarStatus.CANCELLED:
        raise AttendanceError(_("This webinar is already cancelled."))
    webinar.status = WebinarStatus.CANCELLED
    webinar.cancelled_at = now
    reason = reason.strip()[:MAX_MESSAGE]
    people = _registrants(webinar, [RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED])
    for person in people:
        with force_locale(locale_for(person)):
            subject = _("Cancelled: %(title)s", title=webinar.title)
            body = _(
                "We are sorry: the webinar “%(title)s”, planned for %(when)s, is cancelled. "
                "You do not need to do anything.",
                title=webinar.title,
                when=format_span(webinar.starts_at, webinar.ends_at, webinar.timezone),
            )
            if reason:
                body += "\n\n" + _("The organizers wrote: %(reason)s", reason=reason)
        queue_email(person.email, subject, body)
    db.session.flush()
    return len(people)


def attach_recording(webinar: Webinar, url: str, *, now: datetime) -> None:
    """Attach the recording's https address once the session has ended."""
    url = url.strip()
    if now < webinar.ends_at:
        raise AttendanceError(_("A recording can be added once the session has ended."))
    if not url.startswith("https://") or len(url) > 2000 or any(c.isspace() for c in url):
        raise AttendanceError(_("Enter the recording's full address, starting with https://."))
    webinar.recording_url = url
    db.session.flush()


def missed_it(webinar: Webinar, user_id: int, *, now: datetime) -> bool:
    """Return whether a registrant's session is over with no attendance recorded for them."""
    return now >= webinar.ends_at and attended_minutes(webinar, user_id) == 0


# The standard evaluation of a live activity, asked of every attendee before credit.
EVALUATION_QUESTIONS = ("objectives", "practice", "bias", "comments")


def evaluation_of(webinar: Webinar, user: User) -> WebinarEvaluation | None:
    """Return the user's evaluation of the webinar, or None."""
    return db.session.scalar(
        select(WebinarEvaluation).where(
            WebinarEvaluation.webinar_id == webinar.id, WebinarEvaluation.user_id == user.id
        )
    )


def submit_evaluation(
    webinar: Webinar, user: User, answers: dict[str, str], *, now: datetime
) -> WebinarEvaluation:
    """Store an attendee's evaluation once the session has ended (a second one is ignored)."""
    if now < webinar.ends_at:
        raise AttendanceError(_("The evaluation opens when the session ends."))
    existing = evaluation_of(webinar, user)
    if existing is not None:
        return existing
    evaluation = WebinarEvaluation(
        webinar_id=webinar.id,
        user_id=user.id,
        answers={key: answers.get(key, "") for key in EVALUATION_QUESTIONS},
        submitted_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(evaluation)
    except IntegrityError:
        found = evaluation_of(webinar, user)
        if found is None:  # pragma: no cover
            raise
        return found
    return evaluation


@dataclass(frozen=True)
class CreditState:
    """Where an attendee stands with credit for a webinar."""

    minutes: int
    offered: list[eligibility.CreditOption]
    claimable: dict[str, Decimal]  # per credit type: the most this attendee may claim
    evaluated: bool
    ended: bool
    claims: dict[str, CreditClaim]


def credit_state(webinar: Webinar, user: User, *, now: datetime) -> CreditState:
    """Return the attendee's recorded minutes, what they may claim, and what they claimed."""
    minutes = attended_minutes(webinar, user.id)
    options = eligibility.credit_options(credit.offered_credits(webinar.meta), profile_of(user))
    claims = {
        c.credit_type: c
        for c in db.session.scalars(
            select(CreditClaim).where(
                CreditClaim.user_id == user.id, CreditClaim.webinar_id == webinar.id
            )
        )
    }
    return CreditState(
        minutes=minutes,
        offered=options,
        claimable={o.credit_type: credit.claimable(o.max, minutes) for o in options},
        evaluated=evaluation_of(webinar, user) is not None,
        ended=now >= webinar.ends_at,
        claims=claims,
    )


def claim_webinar_credit(
    user: User,
    webinar: Webinar,
    request: eligibility.ClaimRequest,
    *,
    now: datetime,
    provider_name: str,
    provider_address: str | None = None,
) -> Certificate:
    """Claim credit for live attendance and issue its certificate ("live activity")."""
    state = credit_state(webinar, user, now=now)
    if webinar.status == WebinarStatus.CANCELLED:
        raise CertificateError(_("This webinar was cancelled, so it offers no credit."))
    if not state.ended:
        raise CertificateError(_("Credit can be claimed once the session has ended."))
    if not state.evaluated:
        raise CertificateError(_("Complete the evaluation before claiming credit."))
    most = state.claimable.get(request.credit_type)
    if most is not None and most <= 0:
        raise CertificateError(not_enough_time_message(state.minutes))
    offered = [(t, state.claimable[t]) for t, _max in credit.offered_credits(webinar.meta)]
    offered = [(t, m) for t, m in offered if m > 0]
    problems = eligibility.claim_problems(
        request,
        offered=offered,
        profile=profile_of(user),
        already_claimed=set(state.claims),
        today=local_day(now, webinar.timezone),
        release_date=None,
        expiration_date=None,
        completed=True,
    )
    if problems:
        raise (AlreadyClaimed if request.credit_type in state.claims else CertificateError)(
            " ".join(problems)
        )
    claim = CreditClaim(
        webinar_id=webinar.id,
        user_id=user.id,
        credit_type=request.credit_type,
        amount=request.amount,
        claimed_at=now,
        attested=request.attested,
        consent_to_report=request.consent_to_report,
    )
    try:
        with db.session.begin_nested():
            db.session.add(claim)
    except IntegrityError as error:
        raise AlreadyClaimed(
            _(
                "You have already claimed this credit for this webinar. A claim cannot be "
                "changed or raised later."
            )
        ) from error
    return issue_certificate(
        claim,
        holder_name=user.full_name,
        provider_name=provider_name,
        provider_address=provider_address,
    )


def claimed_certificate(webinar: Webinar, user: User, credit_type: str) -> Certificate | None:
    """Return the current certificate of the user's claim of this credit type, or None."""
    claim = db.session.scalar(
        select(CreditClaim).where(
            CreditClaim.user_id == user.id,
            CreditClaim.webinar_id == webinar.id,
            CreditClaim.credit_type == credit_type,
        )
    )
    if claim is None or not claim.certificates:
        return None
    return current_of(claim.certificates[0])


def not_enough_time_message(minutes: int) -> str:
    """Tell an attendee what time was recorded for them and whom to ask when it is wrong."""
    return _(
        "The site recorded %(minutes)s minutes of attendance for you, which is not enough "
        "for credit (15 minutes make 0.25 credit). If you attended, please contact the "
        "webinar's organizers: they can record your attendance by hand.",
        minutes=minutes,
    )
