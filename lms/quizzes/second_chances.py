"""Another try at a quiz: staff grant extra attempts or reset an open one; learners ask for one.

Every grant, reset and decision is audited with its reason, and the learner is told by email
(in their language) and on the quiz page.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.audit.services import record_event
from lms.courses.models import Course, CoursePage
from lms.database import utcnow
from lms.extensions import db
from lms.i18n import locale_for
from lms.links import external_url
from lms.mail import queue_email
from lms.progress.models import Enrolment
from lms.quizzes.models import AttemptGrant, AttemptRequest, QuizAttempt
from lms.quizzes.services import QuizError, QuizRules, attempts_left

MAX_EXTRA = 5
MAX_REASON = 1000
MAX_MESSAGE = 2000


@dataclass(frozen=True)
class LearnerView:
    """What the quiz page tells a learner about extra attempts and their request."""

    grants: list[AttemptGrant]
    request: AttemptRequest | None


def for_learner(
    enrolment_id: int, page_id: int, rules: QuizRules, attempts: list[QuizAttempt]
) -> tuple[LearnerView, int | None]:
    """Return an enrolment's grants and latest request at a quiz page, and the attempts left.

    Grants matter once the quiz's own attempts are used, and a request once every attempt is:
    the quiz page, read on every visit, runs neither query before. (Starting an attempt always
    counts the grants: services.extra_attempts.)
    """
    grants: list[AttemptGrant] = []
    if rules.max_attempts is not None and len(attempts) >= rules.max_attempts:
        grants = list(
            db.session.scalars(
                select(AttemptGrant)
                .where(AttemptGrant.enrolment_id == enrolment_id, AttemptGrant.page_id == page_id)
                .order_by(AttemptGrant.granted_at)
            )
        )
    left = attempts_left(rules, attempts, sum(grant.extra for grant in grants))
    latest = None
    if left == 0:
        latest = db.session.scalars(
            select(AttemptRequest)
            .where(AttemptRequest.enrolment_id == enrolment_id, AttemptRequest.page_id == page_id)
            .order_by(AttemptRequest.created_at.desc(), AttemptRequest.id.desc())
        ).first()
    return LearnerView(grants, latest), left


def _clean_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise QuizError(_("Please give a reason: the learner and the audit log will see it."))
    if len(reason) > MAX_REASON:
        raise QuizError(_("Please keep the reason under 1,000 characters."))
    return reason


def _tell(
    user: User, course: Course, page: CoursePage, template: str, subject: object, **words: object
) -> None:
    site = current_app.config["SITE_NAME"]
    link = external_url("progress.page", slug=course.slug, page_slug=page.slug)
    with force_locale(locale_for(user)):
        body = render_template(template, user=user, page=page, site=site, link=link, **words)
        queue_email(user.email, f"{subject} – {site}", body)


def grant_attempts(
    enrolment: Enrolment, page: CoursePage, extra: int, reason: str, *, actor: User
) -> AttemptGrant:
    """Give a learner `extra` more attempts at a quiz, audited and emailed with the reason."""
    if page.kind != "quiz" or page.version_id != enrolment.version_id:
        raise QuizError(_("That quiz is not part of the version the learner is taking."))
    if not 1 <= extra <= MAX_EXTRA:
        raise QuizError(_("Grant between 1 and 5 extra attempts."))
    reason = _clean_reason(reason)
    grant = AttemptGrant(
        user_id=enrolment.user_id,
        enrolment_id=enrolment.id,
        page_id=page.id,
        extra=extra,
        reason=reason,
        granted_by_id=actor.id,
        granted_at=utcnow(),
    )
    db.session.add(grant)
    db.session.flush()
    record_event(
        actor,
        "quiz.attempts_granted",
        "user",
        enrolment.user_id,
        email=enrolment.user.email,
        course=enrolment.course.slug,
        quiz=page.title,
        extra=extra,
        reason=reason,
    )
    _close_request(enrolment, page, "granted", reason, actor)
    _tell(
        enrolment.user,
        enrolment.course,
        page,
        "quizzes/email/attempts_granted.txt",
        _l("You have another try at a quiz"),
        extra=extra,
        reason=reason,
    )
    return grant


def reset_attempt(attempt: QuizAttempt, reason: str, *, actor: User) -> None:
    """Set aside a learner's open attempt so it does not count; audited and emailed."""
    reason = _clean_reason(reason)
    if not attempt.is_open:
        raise QuizError(_("Only an open attempt can be reset; this one is already closed."))
    attempt.reset_at = utcnow()
    db.session.flush()
    record_event(
        actor,
        "quiz.attempt_reset",
        "user",
        attempt.user_id,
        email=attempt.user.email,
        course=attempt.enrolment.course.slug,
        quiz=attempt.page.title,
        attempt=attempt.number,
        reason=reason,
    )
    _tell(
        attempt.user,
        attempt.enrolment.course,
        attempt.page,
        "quizzes/email/attempt_reset.txt",
        _l("Your quiz attempt was reset"),
        number=attempt.number,
        reason=reason,
    )


def open_attempt_of(enrolment: Enrolment, page: CoursePage) -> QuizAttempt | None:
    """Return the enrolment's open attempt at a quiz page, or None."""
    return db.session.scalars(
        select(QuizAttempt).where(
            QuizAttempt.enrolment_id == enrolment.id,
            QuizAttempt.page_id == page.id,
            QuizAttempt.submitted_at.is_(None),
            QuizAttempt.reset_at.is_(None),
        )
    ).first()


def find_open_request(user_id: int, page_id: int) -> AttemptRequest | None:
    """Return the learner's open request for another try at a quiz page, or None."""
    return db.session.scalar(
        select(AttemptRequest).where(
            AttemptRequest.user_id == user_id,
            AttemptRequest.page_id == page_id,
            AttemptRequest.status == "open",
        )
    )


def request_attempt(enrolment: Enrolment, page: CoursePage, message: str) -> AttemptRequest:
    """Ask staff for another try at a quiz; a second ask while one is open returns the first."""
    if page.kind != "quiz" or page.version_id != enrolment.version_id:
        raise QuizError(_("This page is not a quiz of your course."))
    message = (message or "").strip()
    if len(message) > MAX_MESSAGE:
        raise QuizError(_("Please keep your message under 2,000 characters."))
    existing = find_open_request(enrolment.user_id, page.id)
    if existing is not None:
        return existing
    request = AttemptRequest(
        user_id=enrolment.user_id,
        enrolment_id=enrolment.id,
        page_id=page.id,
        message=message,
        status="open",
        created_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(request)
    except IntegrityError:
        # The same form sent twice at once: the other request recorded it.
        found = find_open_request(enrolment.user_id, page.id)
        if found is None:
            raise
        return found
    return request


def open_requests() -> list[AttemptRequest]:
    """Return the requests waiting for a decision, oldest first."""
    return list(
        db.session.scalars(
            select(AttemptRequest)
            .where(AttemptRequest.status == "open")
            .order_by(AttemptRequest.created_at, AttemptRequest.id)
        )
    )


def _close_request(
    enrolment: Enrolment, page: CoursePage, status: str, reason: str, actor: User
) -> None:
    request = find_open_request(enrolment.user_id, page.id)
    if request is not None:
        request.status = status
        request.decided_at = utcnow()
        request.decided_by_id = actor.id
        request.decision_reason = reason


def lock_request(request_id: int) -> AttemptRequest | None:
    """Return a request locked until commit, so two staff deciding at once decide once."""
    return db.session.scalars(
        select(AttemptRequest)
        .where(AttemptRequest.id == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def decide_request(request: AttemptRequest, grant: bool, reason: str, *, actor: User) -> None:
    """Grant one extra attempt for a request, or decline it; both tell the learner why."""
    if request.status != "open":
        raise QuizError(_("This request was already answered."))
    if grant:
        grant_attempts(request.enrolment, request.page, 1, reason, actor=actor)
        return
    reason = _clean_reason(reason)
    request.status = "declined"
    request.decided_at = utcnow()
    request.decided_by_id = actor.id
    request.decision_reason = reason
    record_event(
        actor,
        "quiz.request_declined",
        "user",
        request.user_id,
        email=request.user.email,
        course=request.enrolment.course.slug,
        quiz=request.page.title,
        reason=reason,
    )
    _tell(
        request.user,
        request.enrolment.course,
        request.page,
        "quizzes/email/request_declined.txt",
        _l("About your request for another try at a quiz"),
        reason=reason,
    )
