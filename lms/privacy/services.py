"""Deleting an account: remove what accreditation does not need, keep what it does, record it.

What is kept, and why (the privacy page and docs/operations.md say the same):
- the `users` row itself, anonymised: its id is what the kept records point at;
- completions, credit claims, certificates, MOC credit days and webinar attendance: accredited
  continuing education must keep attendance and credit records for six years (ACCME);
- each certificate's `holder_name`: /verify/<id> shows the name printed on the document, and a
  verifier compares the two, so an issued certificate keeps the name it was issued to;
- submitted quiz attempts of courses the person claimed credit for, score and pass/fail only:
  they show the credit was earned; the answers themselves go;
- evaluations' chosen options (not their free text): the evaluation is part of earning credit;
- the audit log: it records what people did to the records, for the same audits.

Everything else about the person is deleted outright.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import String, cast, delete, func, or_, select, update

from lms.accounts.models import (
    AccountToken,
    PasswordResetRequest,
    Role,
    User,
    new_session_token,
)
from lms.api.models import ApiToken, ApiUse
from lms.audit.models import AuditEvent
from lms.audit.services import record_event
from lms.certificates.models import Certificate, Completion, CreditClaim, CreditClosingNotice
from lms.chapters.models import ChapterAdmin
from lms.cme.models import ExternalCredit
from lms.database import utcnow
from lms.extensions import db
from lms.invitations.models import Invitation
from lms.mail.models import OutboxEmail
from lms.newsletter.models import CourseNotice, Delivery, NoticePreference, Subscriber
from lms.organizations.models import Assignment, Membership, ReminderLog
from lms.paths.models import PathAssignment, PathReminderLog
from lms.privacy.models import AccountDeletion
from lms.progress.models import Enrolment, PageProgress
from lms.quizzes.models import (
    AttemptAnswer,
    AttemptGrant,
    AttemptRequest,
    EvaluationResponse,
    QuizAttempt,
)
from lms.sso.models import UserIdentity
from lms.webinars.attendance_models import WebinarAttendance, WebinarEvaluation
from lms.webinars.models import WebinarRegistration, WebinarReminder

# The password hash of a deleted account: not a hash at all, so no password ever matches it.
NO_PASSWORD = "!deleted"  # noqa: S105 (a marker no hash can equal, not a password)


class DeletionError(Exception):
    """An account that cannot be deleted as asked, with a message for the person."""


@dataclass(frozen=True)
class Deleted:
    """What a deletion did: the record, and the address to send the confirmation to."""

    record: AccountDeletion
    former_email: str
    former_name: str
    locale: str | None


def pseudonym(user_id: int) -> str:
    """Return the name a deleted account goes by in lists and reports."""
    return f"Deleted account {user_id}"


def deleted_email(user_id: int) -> str:
    """Return the placeholder address of a deleted account: unique, and never deliverable."""
    # `.invalid` is reserved (RFC 2606): nothing is ever sent there.
    return f"deleted-{user_id}@deleted.invalid"


def has_single_sign_on(user: User) -> bool:
    """Return whether the account is linked to an organization's sign-in provider."""
    return (
        db.session.scalar(
            select(func.count()).select_from(UserIdentity).where(UserIdentity.user_id == user.id)
        )
        or 0
    ) > 0


def kept_counts(user: User) -> dict[str, int]:
    """Return how many of each accreditation record a deletion would keep."""

    def count(model: Any) -> int:
        query = select(func.count()).select_from(model).where(model.user_id == user.id)
        return db.session.scalar(query) or 0

    return {
        "completions": count(Completion),
        "claims": count(CreditClaim),
        "certificates": count(Certificate),
        "attendance": count(WebinarAttendance),
    }


def _delete(model: Any, *where: Any) -> int:
    result = db.session.execute(
        delete(model).where(*where).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def delete_account(user_id: int, *, actor: User | None, requested_by: str) -> Deleted:
    """Anonymise an account, remove everything accreditation does not need, and record it.

    The caller sends the confirmation email to `Deleted.former_email` and commits.

    :raise DeletionError: when the account is already deleted, or is the last admin's.
    """
    # The row lock makes a second, simultaneous deletion wait, then find the account deleted;
    # populate_existing, because the signed-in user was loaded (unlocked) before the wait.
    user = db.session.scalar(
        select(User)
        .where(User.id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if user is None or user.deleted_at is not None:
        raise DeletionError(_("This account has already been deleted."))
    if user.role == Role.ADMIN.value:
        admins = db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN.value, User.deleted_at.is_(None))
        )
        if (admins or 0) <= 1:
            raise DeletionError(_("The site's last administrator cannot be deleted."))

    email = user.email.lower()
    former = Deleted(
        record=AccountDeletion(),
        former_email=user.email,
        former_name=user.full_name,
        locale=user.locale,
    )
    removed: dict[str, int] = {}

    # Learning that earned no credit goes with its answers; what earned credit keeps its scores.
    credited = select(Completion.enrolment_id).where(
        Completion.user_id == user.id,
        Completion.id.in_(select(CreditClaim.completion_id).where(CreditClaim.user_id == user.id)),
    )
    completed = select(Completion.enrolment_id).where(Completion.user_id == user.id)
    mine_attempts = select(QuizAttempt.id).where(QuizAttempt.user_id == user.id)
    removed["quiz_answers"] = _delete(AttemptAnswer, AttemptAnswer.attempt_id.in_(mine_attempts))
    removed["quiz_attempts"] = _delete(
        QuizAttempt,
        QuizAttempt.user_id == user.id,
        or_(QuizAttempt.enrolment_id.not_in(credited), QuizAttempt.submitted_at.is_(None)),
    )
    db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.user_id == user.id)
        .values(draft_answers=None, draft_saved_at=None)
        .execution_options(synchronize_session=False)
    )
    removed["evaluations_free_text"] = _strip_free_text(EvaluationResponse, user.id)
    removed["evaluations_free_text"] += _strip_free_text(WebinarEvaluation, user.id)
    # Enrolments a completion points at stay (the completion needs them); the rest go.
    unfinished = select(Enrolment.id).where(
        Enrolment.user_id == user.id, Enrolment.id.not_in(completed)
    )
    _delete(EvaluationResponse, EvaluationResponse.enrolment_id.in_(unfinished))
    _delete(QuizAttempt, QuizAttempt.enrolment_id.in_(unfinished))
    _delete(PageProgress, PageProgress.enrolment_id.in_(unfinished))
    removed["unfinished_courses"] = _delete(
        Enrolment, Enrolment.user_id == user.id, Enrolment.id.not_in(completed)
    )
    registrations = select(WebinarRegistration.id).where(WebinarRegistration.user_id == user.id)
    _delete(WebinarReminder, WebinarReminder.registration_id.in_(registrations))
    removed["webinar_registrations"] = _delete(
        WebinarRegistration, WebinarRegistration.user_id == user.id
    )
    removed["external_credits"] = _delete(ExternalCredit, ExternalCredit.user_id == user.id)
    subscribers = select(Subscriber.id).where(Subscriber.email == email)
    _delete(Delivery, Delivery.subscriber_id.in_(subscribers))
    removed["newsletter_subscription"] = _delete(Subscriber, Subscriber.email == email)
    _delete(NoticePreference, NoticePreference.user_id == user.id)
    _delete(CourseNotice, CourseNotice.user_id == user.id)
    _delete(CreditClosingNotice, CreditClosingNotice.user_id == user.id)
    removed["invitations"] = _delete(
        Invitation, or_(Invitation.user_id == user.id, func.lower(Invitation.email) == email)
    )
    # Invitations the person sent stay with their organization; they no longer name a sender.
    db.session.execute(
        update(Invitation)
        .where(Invitation.invited_by_id == user.id)
        .values(invited_by_id=None)
        .execution_options(synchronize_session=False)
    )
    mine_assignments = select(Assignment.id).where(Assignment.user_id == user.id)
    _delete(ReminderLog, ReminderLog.assignment_id.in_(mine_assignments))
    _delete(ReminderLog, ReminderLog.user_id == user.id)
    removed["assignments"] = _delete(Assignment, Assignment.user_id == user.id)
    mine_paths = select(PathAssignment.id).where(PathAssignment.user_id == user.id)
    _delete(PathReminderLog, PathReminderLog.path_assignment_id.in_(mine_paths))
    _delete(PathReminderLog, PathReminderLog.user_id == user.id)
    removed["path_assignments"] = _delete(PathAssignment, PathAssignment.user_id == user.id)
    # Requests for another try carry the person's own words; grants only served their attempts.
    removed["attempt_requests"] = _delete(AttemptRequest, AttemptRequest.user_id == user.id)
    _delete(AttemptGrant, AttemptGrant.user_id == user.id)
    removed["memberships"] = _delete(Membership, Membership.user_id == user.id)
    _delete(ChapterAdmin, ChapterAdmin.user_id == user.id)
    removed["single_sign_on_links"] = _delete(UserIdentity, UserIdentity.user_id == user.id)
    _delete(AccountToken, AccountToken.user_id == user.id)
    # A personal API token would go on reading the records kept after deletion.
    personal_tokens = select(ApiToken.id).where(ApiToken.user_id == user.id)
    _delete(ApiUse, ApiUse.token_id.in_(personal_tokens))
    removed["api_tokens"] = _delete(ApiToken, ApiToken.user_id == user.id)
    # Emails not yet sent to the address would reach someone who asked to be forgotten.
    _delete(OutboxEmail, func.lower(OutboxEmail.recipient) == email, OutboxEmail.sent_at.is_(None))
    # A pending reset request holds the address (handled ones hold none): it goes too.
    _delete(PasswordResetRequest, PasswordResetRequest.email == email)

    removed["audit_entries_scrubbed"] = _scrub_audit(email, deleted_email(user.id))

    db.session.expire(user)  # the bulk deletes above bypassed the session's relationships
    user.email = deleted_email(user.id)
    user.full_name = pseudonym(user.id)
    user.password_hash = NO_PASSWORD
    # A new token matches no session or remember-me cookie: every device is signed out.
    user.session_token = new_session_token()
    user.active = False
    user.role = Role.LEARNER.value
    user.npi = None
    user.abp_id = None
    user.birth_month = None
    user.birth_day = None
    user.license_state = None
    user.license_number = None
    user.timezone = None
    user.locale = None
    user.last_login_at = None
    user.email_confirmed_at = None
    user.deleted_at = utcnow()

    record = former.record
    record.user_id = user.id
    record.deleted_at = user.deleted_at
    record.requested_by = requested_by
    record.actor_id = actor.id if actor is not None and actor.id != user.id else None
    record.kept = kept_counts(user)
    record.removed = removed
    db.session.add(record)
    # No personal data in the log: the account's id and who asked are enough to answer an audit.
    record_event(
        actor if actor is not None and actor.id != user.id else None,
        "user.deleted",
        "user",
        user.id,
        requested_by=requested_by,
    )
    db.session.flush()
    return former


def _scrub_audit(email: str, placeholder: str) -> int:
    # Audit entries stay (they are what an accreditation audit reads), but the address they
    # quote (deactivations, invitations, sign-ins) becomes the deleted account's placeholder.
    candidates = db.session.scalars(
        select(AuditEvent).where(func.lower(cast(AuditEvent.details, String)).contains(email))
    )
    scrubbed = 0
    for event in candidates:
        details = _replace_email(event.details, email, placeholder)
        if details != event.details:
            event.details = details
            scrubbed += 1
    return scrubbed


def _replace_email(value: Any, email: str, placeholder: str) -> Any:
    if isinstance(value, str):
        return placeholder if value.strip().lower() == email else value
    if isinstance(value, dict):
        return {key: _replace_email(item, email, placeholder) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_email(item, email, placeholder) for item in value]
    return value


def _strip_free_text(model: Any, user_id: int) -> int:
    # Chosen options (lists) stay for the evaluation summary; anything typed goes.
    stripped = 0
    for evaluation in db.session.scalars(select(model).where(model.user_id == user_id)):
        answers = {
            key: value for key, value in evaluation.answers.items() if not isinstance(value, str)
        }
        if answers != evaluation.answers:
            stripped += len(evaluation.answers) - len(answers)
            evaluation.answers = answers
    return stripped
