"""Certificate verbs: record completion, claim credit, issue, reissue and revoke certificates.

Every function takes explicit arguments, flushes, and leaves the commit to the caller.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, union_all, update
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.audit.services import record_event
from lms.certificates import eligibility
from lms.certificates.models import PARTICIPATION, Certificate, Completion, CreditClaim
from lms.certificates.signals import (
    certificate_issued,
    certificate_reissued,
    certificate_revoked,
    completion_recorded,
)
from lms.certificates.validity import valid_until_for
from lms.cme.services import ReportingError, give_consent, record_moc_day
from lms.courses.editions import edition_for
from lms.courses.models import CoursePage, CourseVersion
from lms.courses.outline import OutlinePage, version_pages
from lms.database import utcnow
from lms.extensions import db
from lms.paths.models import PathCompletion
from lms.progress.models import Enrolment, PageProgress
from lms.progress.services import completed_page_ids
from lms.quizzes.models import EvaluationResponse, QuizAttempt
from lms.webinars.emails import edition as webinar_edition

_Record = TypeVar("_Record", Certificate, PathCompletion)

# Crockford's base32 without I, L, O, U: no letters that read as digits or as words.
ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class CertificateError(Exception):
    """A request about credit or certificates that cannot be carried out, said kindly."""


class AlreadyClaimed(CertificateError):
    """The learner already claimed this type of credit for this course version."""


def new_public_id() -> str:
    """Return a random, unguessable certificate id such as "K7M3-Q9XD-2FHP-V8RA" (80 bits)."""
    chars = "".join(secrets.choice(ID_ALPHABET) for _ in range(16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


# Composed once, with bound parameters (composing cost more CPU than running them).
_PASSED_OR_EVALUATED = union_all(
    select(QuizAttempt.page_id).where(
        QuizAttempt.enrolment_id == bindparam("enrolment_id"),
        QuizAttempt.page_id.in_(bindparam("quiz_ids", expanding=True)),
        QuizAttempt.passed.is_(True),
    ),
    select(EvaluationResponse.page_id).where(
        EvaluationResponse.enrolment_id == bindparam("enrolment_id"),
        EvaluationResponse.page_id.in_(bindparam("evaluation_ids", expanding=True)),
    ),
)
_COMPLETION = select(Completion).where(Completion.enrolment_id == bindparam("enrolment_id"))


def lessons_left(pages: Sequence[CoursePage | OutlinePage], done: set[int]) -> bool:
    """Return whether a required lesson of `pages` is not in `done` (so not complete yet)."""
    return any(p.kind == "lesson" and p.required and p.id not in done for p in pages)


def course_state(
    enrolment: Enrolment,
    pages: Sequence[CoursePage | OutlinePage] | None = None,
    done: set[int] | None = None,
) -> eligibility.CourseState:
    """Return what the learner has done in their course version, for the completion rules.

    `pages` (the version's, in order) and `done` (completed page ids) are read when not given.
    """
    # The version's pages and credits from memory: versions never change once published.
    known = version_pages(enrolment.version)
    if pages is None:
        pages = known.pages
    if done is None:
        done = completed_page_ids(enrolment)
    lessons = [p for p in pages if p.kind == "lesson" and p.required]
    graded = [p for p in pages if p.kind == "quiz" and p.settings.get("role") != "pretest"]
    evaluations = [p for p in pages if p.kind == "evaluation"]
    # One statement for both: the graded quizzes passed and the evaluation sent (page ids
    # are unique, so each id found says which).
    found = set(
        db.session.scalars(
            _PASSED_OR_EVALUATED,
            {
                "enrolment_id": enrolment.id,
                "quiz_ids": [p.id for p in graded],
                "evaluation_ids": [p.id for p in evaluations],
            },
        )
    )
    passed = {p.id for p in graded} & found
    submitted = any(p.id in found for p in evaluations)
    return eligibility.CourseState(
        disclosures_acknowledged=enrolment.disclosures_acknowledged_at is not None,
        lessons_total=len(lessons),
        lessons_done=sum(p.id in done for p in lessons),
        quizzes=tuple((p.title, p.id in passed) for p in graded),
        has_evaluation=bool(evaluations),
        evaluation_submitted=submitted,
        has_credits=known.has_credits,
    )


def find_completion(enrolment_id: int) -> Completion | None:
    """Return the completion recorded for an enrolment (one per enrolment), or None."""
    return db.session.scalar(_COMPLETION, {"enrolment_id": enrolment_id})


def _post_test_score(enrolment: Enrolment) -> Decimal | None:
    quizzes = db.session.scalars(
        select(CoursePage).where(
            CoursePage.version_id == enrolment.version_id, CoursePage.kind == "quiz"
        )
    ).all()
    graded = [p.id for p in quizzes if p.settings.get("role") != "pretest"]
    scores = db.session.scalars(
        select(QuizAttempt.score).where(
            QuizAttempt.enrolment_id == enrolment.id,
            QuizAttempt.page_id.in_(graded),
            QuizAttempt.score.is_not(None),
        )
    ).all()
    return max(scores) if scores else None


def record_completion(
    enrolment: Enrolment,
    *,
    pages: Sequence[CoursePage | OutlinePage] | None = None,
    done: set[int] | None = None,
) -> Completion | None:
    """Record that the learner completed their course version, once; None if not complete.

    `pages` and `done` are as `course_state` takes them, when the caller has just read them.
    """
    existing = find_completion(enrolment.id)
    if existing is not None:
        return existing
    if pages is not None and done is not None and lessons_left(pages, done):
        # A required lesson left is already a completion problem: most lessons marked
        # complete are not the last, and need not read quizzes, evaluation and credits.
        return None
    if eligibility.completion_problems(course_state(enrolment, pages, done)):
        return None
    completion = Completion(
        user_id=enrolment.user_id,
        course_id=enrolment.course_id,
        version_id=enrolment.version_id,
        enrolment_id=enrolment.id,
        completed_at=utcnow(),
        quiz_score=_post_test_score(enrolment),
    )
    try:
        with db.session.begin_nested():
            db.session.add(completion)
    except IntegrityError:
        # Recorded by a simultaneous request (two tabs finishing at once).
        return find_completion(enrolment.id)
    completion_recorded.send(completion)
    return completion


# An attempt left open for days is not days of work: count at most an hour of each.
ATTEMPT_SECONDS_CAP = 60 * 60


def recorded_seconds(enrolment_ids: Collection[int]) -> dict[int, int]:
    """Return the time the site recorded per enrolment: pages on screen plus quiz attempts."""
    ids = list(enrolment_ids)
    totals = dict.fromkeys(ids, 0)
    if not ids:
        return totals
    reading = db.session.execute(
        select(PageProgress.enrolment_id, func.sum(PageProgress.seconds_spent))
        .where(PageProgress.enrolment_id.in_(ids))
        .group_by(PageProgress.enrolment_id)
    )
    for enrolment_id, seconds in reading:
        totals[enrolment_id] += int(seconds or 0)
    attempts = db.session.execute(
        select(QuizAttempt.enrolment_id, QuizAttempt.started_at, QuizAttempt.submitted_at).where(
            QuizAttempt.enrolment_id.in_(ids), QuizAttempt.submitted_at.is_not(None)
        )
    )
    for enrolment_id, started, submitted in attempts:
        spent = (submitted - started).total_seconds()
        totals[enrolment_id] += int(min(max(spent, 0), ATTEMPT_SECONDS_CAP))
    return totals


def profile_of(user: User) -> eligibility.LearnerProfile:
    """Return the parts of a profile the credit rules look at."""
    return eligibility.LearnerProfile(
        profession=user.profession,
        abp_id=user.abp_id,
        birth_month=user.birth_month,
        birth_day=user.birth_day,
    )


def offered_credits(version: CourseVersion) -> list[tuple[str, Decimal]]:
    """Return the (type, maximum) pairs a course version offers."""
    return [(credit.type, credit.max) for credit in version.credits]


@dataclass(frozen=True)
class ClaimsInForce:
    """The claims that stop a learner claiming each type again for one completion."""

    # Claimed for this completion: participation, and credit claimed for it.
    here: dict[str, CreditClaim]
    # Credit (AMA, MOC, ANCC) claimed for the same version on an earlier completion.
    earlier: dict[str, CreditClaim]

    def blocked(self) -> set[str]:
        """Return every credit type that cannot be claimed for this completion."""
        return set(self.here) | set(self.earlier)


def claims_in_force(user_id: int, version_id: int, completion: Completion | None) -> ClaimsInForce:
    """Return the claims blocking a new one: participation per completion, credit per version."""
    claims = db.session.scalars(
        select(CreditClaim)
        .where(CreditClaim.user_id == user_id, CreditClaim.version_id == version_id)
        .order_by(CreditClaim.claimed_at, CreditClaim.id)
    ).all()
    here: dict[str, CreditClaim] = {}
    earlier: dict[str, CreditClaim] = {}
    for claim in claims:
        if completion is not None and claim.completion_id == completion.id:
            here[claim.credit_type] = claim
        elif claim.credit_type != PARTICIPATION:
            earlier.setdefault(claim.credit_type, claim)
    return ClaimsInForce(here, earlier)


def current_certificate(claim: CreditClaim) -> Certificate | None:
    """Return the certificate that speaks for a claim now (the newest not superseded)."""
    current = next((c for c in reversed(claim.certificates) if c.status != "superseded"), None)
    return current or (claim.certificates[-1] if claim.certificates else None)


def claim_credit(
    user: User,
    enrolment: Enrolment,
    request: eligibility.ClaimRequest,
    *,
    today: date,
    provider_name: str,
    provider_address: str | None = None,
) -> Certificate:
    """Claim credit for a completed course version and issue its certificate."""
    version = enrolment.version
    completion = record_completion(enrolment)
    if completion is not None:
        # Serialise the claims of one completion (two tabs, a double click): on PostgreSQL the
        # second waits here for the first to commit, then sees its claim below. SQLite writes
        # one at a time anyway; the unique indexes stay the last word on both.
        db.session.execute(
            select(Completion.id).where(Completion.id == completion.id).with_for_update()
        )
    in_force = claims_in_force(user.id, version.id, completion)
    problems = eligibility.claim_problems(
        request,
        offered=offered_credits(version),
        profile=profile_of(user),
        already_claimed=set(in_force.here),
        claimed_earlier=set(in_force.earlier),
        today=today,
        release_date=version.release_date,
        expiration_date=version.expiration_date,
        completed=completion is not None,
    )
    if problems:
        raise (AlreadyClaimed if request.credit_type in in_force.blocked() else CertificateError)(
            " ".join(problems)
        )
    if completion is None:  # claim_problems already refuses this; kept for type narrowing
        raise CertificateError(_("Complete the course before claiming credit."))
    claim = CreditClaim(
        completion_id=completion.id,
        user_id=user.id,
        version_id=version.id,
        credit_type=request.credit_type,
        amount=request.amount,
        claimed_at=utcnow(),
        attested=request.attested,
        consent_to_report=request.consent_to_report,
    )
    try:
        with db.session.begin_nested():
            db.session.add(claim)
    except IntegrityError as error:
        # A simultaneous claim (another tab, or a retake's claim racing the first) got there
        # first: participation once per completion, credit once per version.
        winner = claims_in_force(user.id, version.id, completion)
        if request.credit_type in winner.earlier and request.credit_type not in winner.here:
            raise AlreadyClaimed(
                eligibility.claimed_earlier_message(request.credit_type)
            ) from error
        raise AlreadyClaimed(
            _(
                "You have already claimed this credit for this course. A claim cannot be "
                "changed or raised later."
            )
        ) from error
    if request.credit_type == "abp-moc-2":
        # The ABP gives MOC credit for an activity at most once per day per diplomate.
        try:
            record_moc_day(claim, version.pars_activity_id, completion.completed_at.date())
        except ReportingError as error:
            raise CertificateError(str(error)) from error
    if request.consent_to_report and user.board_consent_withdrawn_at is not None:
        # Ticking the box again on a claim is giving consent again.
        give_consent(user)
    return issue_certificate(
        claim,
        holder_name=user.full_name,
        provider_name=provider_name,
        provider_address=provider_address,
    )


def issue_certificate(
    claim: CreditClaim,
    *,
    holder_name: str,
    provider_name: str,
    provider_address: str | None = None,
) -> Certificate:
    """Issue a certificate for a claim, storing everything it prints."""
    if claim.webinar is not None:
        return _issue_webinar_certificate(
            claim,
            holder_name=holder_name,
            provider_name=provider_name,
            provider_address=provider_address,
        )
    completion = claim.completion
    if completion is None:  # the check constraint gives every claim a completion or a webinar
        raise CertificateError("a course claim without a completion")
    version = completion.version
    accreditation = version.accreditation
    moc = claim.credit_type == "abp-moc-2"
    if claim.credit_type == "ama-pra-1" and version.designation:
        # An AMA certificate carries the designation statement with the accreditation one.
        accreditation = "\n\n".join(s for s in (accreditation, version.designation) if s)
    certificate = Certificate(
        public_id=new_public_id(),
        claim_id=claim.id,
        user_id=claim.user_id,
        issued_at=utcnow(),
        status="valid",
        holder_name=holder_name,
        course_slug=completion.course.slug,
        course_title=version.title,
        version_number=version.number,
        completion_date=completion.completed_at.date(),
        valid_until=valid_until_for(
            claim.credit_type, completion.completed_at.date(), version.valid_for_months
        ),
        credit_type=claim.credit_type,
        amount=claim.amount,
        accreditation=accreditation,
        provider_name=provider_name,
        learning_format=version.learning_format,
        provider_address=provider_address,
        abp_id=claim.user.abp_id if moc else None,
        pars_activity_id=version.pars_activity_id if moc else None,
        moc_statement=version.moc_statement if moc else None,
    )
    db.session.add(certificate)
    db.session.flush()
    certificate_issued.send(certificate)
    return certificate


def _issue_webinar_certificate(
    claim: CreditClaim, *, holder_name: str, provider_name: str, provider_address: str | None
) -> Certificate:
    """Issue the certificate of a live webinar: "live activity", on the session's own date."""
    webinar = claim.webinar
    if webinar is None:
        raise CertificateError("a webinar certificate for a claim without a webinar")
    meta = webinar.meta or {}
    accreditation = meta.get("accreditation") or None
    if claim.credit_type == "ama-pra-1" and meta.get("designation"):
        accreditation = "\n\n".join(s for s in (accreditation, meta["designation"]) if s)
    certificate = Certificate(
        public_id=new_public_id(),
        claim_id=claim.id,
        user_id=claim.user_id,
        issued_at=utcnow(),
        status="valid",
        holder_name=holder_name,
        course_slug=webinar.slug,
        course_title=webinar.title,
        version_number=1,
        # The day of the session where it took place, as the attendee lived it.
        completion_date=webinar.starts_at.astimezone(ZoneInfo(webinar.timezone)).date(),
        credit_type=claim.credit_type,
        amount=claim.amount,
        accreditation=accreditation,
        provider_name=provider_name,
        learning_format="live-activity",
        provider_address=provider_address,
    )
    db.session.add(certificate)
    db.session.flush()
    certificate_issued.send(certificate)
    return certificate


def find_certificate(public_id: str) -> Certificate | None:
    """Return the certificate with this public id (any case, with or without dashes), or None."""
    cleaned = "".join(c for c in public_id.upper() if c.isalnum())
    if len(cleaned) != 16:
        return None
    formatted = "-".join(cleaned[i : i + 4] for i in range(0, 16, 4))
    return db.session.scalar(select(Certificate).where(Certificate.public_id == formatted))


def _leave_valid(record: Certificate | PathCompletion, **values: object) -> bool:
    """Move a valid certificate (a course's or a path's) to another state; False if it was not.

    The guarded UPDATE is the lock: of two admins acting on one certificate at once (or an
    admin and a name change), only one finds it still valid; on PostgreSQL the other waits for
    the first to commit, then matches nothing. The record is reloaded either way, so the
    caller sees what happened.
    """
    model = type(record)
    changed = db.session.execute(
        update(model)
        .where(model.id == record.id, model.status == "valid")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(record)
    return changed.rowcount == 1


def revoke_record(
    record: Certificate | PathCompletion,
    public_id: str,
    *,
    actor: User,
    reason: str,
    show_reason: bool,
    **details: object,
) -> bool:
    """Revoke a valid course or path certificate and audit it; False if it was not valid."""
    reason = reason.strip()
    if not reason:
        raise CertificateError(_("Give a reason for revoking the certificate."))
    revoked = _leave_valid(
        record,
        status="revoked",
        revoked_at=utcnow(),
        revoked_reason=reason,
        revoked_reason_shown=show_reason,
    )
    if revoked:
        record_event(
            actor,
            "certificate.revoked",
            "certificate",
            public_id,
            reason=reason,
            shown_to_learner=show_reason,
            **details,
        )
        db.session.flush()
    return revoked


def _supersede(record: Certificate | PathCompletion) -> None:
    """Mark a valid course or path certificate superseded, or say why it cannot be reissued."""
    if not _leave_valid(record, status="superseded"):
        if record.status == "revoked":
            raise CertificateError(_("A revoked certificate cannot be reissued."))
        raise CertificateError(_("This certificate was already replaced by a newer one."))


def _audit_reissue(
    actor: User | None,
    old_id: str,
    new_id: str,
    *,
    reason: str,
    old_name: str | None,
    new_name: str | None,
    **details: object,
) -> None:
    record_event(
        actor,
        "certificate.reissued",
        "certificate",
        old_id,
        replacement=new_id,
        reason=reason,
        # The names each certificate prints: the history a renamed holder's ids keep private.
        old_name=old_name,
        new_name=new_name,
        **details,
    )


def reissue(certificate: Certificate, *, actor: User | None, reason: str) -> Certificate:
    """Issue a replacement with the holder's current name; the old id stays verifiable."""
    _supersede(certificate)
    replacement = issue_certificate(
        certificate.claim,
        holder_name=certificate.user.full_name,
        provider_name=certificate.provider_name,
        provider_address=certificate.provider_address,
    )
    certificate.superseded_by_id = replacement.id
    _audit_reissue(
        actor,
        certificate.public_id,
        replacement.public_id,
        reason=reason,
        old_name=certificate.holder_name,
        new_name=replacement.holder_name,
    )
    db.session.flush()
    certificate_reissued.send(certificate, replacement=replacement)
    return replacement


def reissue_path_certificate(
    completion: PathCompletion, *, actor: User | None, reason: str
) -> PathCompletion:
    """Reissue a path certificate in the holder's current name; the old id stays verifiable.

    The replacement is a new row for the same completion (same cycle and date), as a course
    certificate's replacement is a new certificate for the same claim.
    """
    if completion.certificate_id is None:
        raise CertificateError(_("This path completion has no certificate."))
    _supersede(completion)
    replacement = PathCompletion(
        user_id=completion.user_id,
        path_id=completion.path_id,
        sequence=completion.sequence,
        completed_at=completion.completed_at,
        issued_at=utcnow(),
        path_title=completion.path_title,
        course_slugs=list(completion.course_slugs),
        certificate_id=new_public_id(),
        certificate_title=completion.certificate_title,
        holder_name=completion.user.full_name,
        hours=completion.hours,
        provider_name=completion.provider_name,
    )
    db.session.add(replacement)
    db.session.flush()
    completion.superseded_by_id = replacement.id
    _audit_reissue(
        actor,
        completion.certificate_id,
        replacement.certificate_id or "",
        reason=reason,
        old_name=completion.holder_name,
        new_name=replacement.holder_name,
        path=completion.path.slug,
    )
    db.session.flush()
    return replacement


def current_of(certificate: _Record) -> _Record:
    """Return the newest certificate (a course's or a path's) in its chain of reissues."""
    seen = {certificate.id}
    while certificate.superseded_by is not None and certificate.superseded_by.id not in seen:
        certificate = certificate.superseded_by
        seen.add(certificate.id)
    return certificate


def names_successor(certificate: Certificate | PathCompletion) -> bool:
    """Return whether the public record may name this certificate's replacement.

    Only when the replacement prints the same name: after a name change, the old id (which
    anyone may hold) must not lead to the holder's new name.
    """
    successor = certificate.superseded_by
    return successor is not None and successor.holder_name == certificate.holder_name


def reissue_after_name_change(user: User) -> list[Certificate | PathCompletion]:
    """Reissue the user's valid course and path certificates that print an old name."""
    stale = db.session.scalars(
        select(Certificate).where(
            Certificate.user_id == user.id,
            Certificate.status == "valid",
            Certificate.holder_name != user.full_name,
        )
    ).all()
    reissued: list[Certificate | PathCompletion] = []
    for certificate in stale:
        try:
            reissued.append(reissue(certificate, actor=user, reason="name changed"))
        except CertificateError:
            continue  # revoked or replaced by an admin in the meantime: nothing to reissue
    stale_paths = db.session.scalars(
        select(PathCompletion)
        .where(
            PathCompletion.user_id == user.id,
            PathCompletion.status == "valid",
            PathCompletion.certificate_id.is_not(None),
            PathCompletion.holder_name != user.full_name,
        )
        .order_by(PathCompletion.id)
    ).all()
    for completion in stale_paths:
        try:
            reissued.append(reissue_path_certificate(completion, actor=user, reason="name changed"))
        except CertificateError:
            continue  # as above
    return reissued


def revoke(
    certificate: Certificate, *, actor: User, reason: str, show_reason: bool = False
) -> None:
    """Revoke a valid certificate with a reason; it stays verifiable, as revoked."""
    revoked = revoke_record(
        certificate,
        certificate.public_id,
        actor=actor,
        reason=reason,
        show_reason=show_reason,
    )
    if not revoked:
        if certificate.status == "revoked":
            raise CertificateError(_("This certificate is already revoked."))
        # Revoking a replaced certificate would leave its valid replacement behind.
        current = current_of(certificate)
        if current.status == "revoked":
            raise CertificateError(
                _(
                    "This certificate was replaced by %(id)s, which is revoked.",
                    id=current.public_id,
                )
            )
        raise CertificateError(
            _(
                "This certificate was replaced by %(id)s; revoke that one instead if the "
                "credit must be withdrawn.",
                id=current.public_id,
            )
        )
    certificate_revoked.send(certificate)


@dataclass(frozen=True)
class TranscriptLine:
    """One completion, with a claim and its current certificate when there is one."""

    completed_at: datetime
    course_title: str
    version: int | None  # None for a live webinar: it has no course version
    credit_type: str | None
    amount: Decimal | None
    certificate: Certificate | None
    content_hash: str | None = None  # provenance of the version taken
    source_commit: str | None = None
    course_language: str = "en"  # the language `course_title` is written in
    live: bool = False  # a live webinar's claim rather than a course's
    # A completed learning path (its title in `course_title`), with its certificate if any.
    path: PathCompletion | None = None

    @property
    def certificate_id(self) -> str | None:
        """Return the public id of the line's certificate, a course's or a path's."""
        if self.path is not None:
            return self.path.certificate_id
        return self.certificate.public_id if self.certificate else None

    @property
    def certificate_status(self) -> str | None:
        """Return "valid", "revoked" or "superseded" for the line's certificate, or None."""
        if self.path is not None:
            return self.path.status if self.path.certificate_id else None
        return self.certificate.status if self.certificate else None


def transcript_lines(user: User, language: str = "en") -> list[TranscriptLine]:
    """Return every completion, claim and current certificate of a learner, oldest first.

    Course titles are given in `language` when the course has an edition in it.
    """
    completions = db.session.scalars(
        select(Completion).where(Completion.user_id == user.id).order_by(Completion.completed_at)
    ).all()
    lines: list[TranscriptLine] = []
    for completion in completions:
        words = edition_for(completion.version, language)
        title = words.title
        if not completion.claims:
            lines.append(
                TranscriptLine(
                    completion.completed_at,
                    title,
                    completion.version.number,
                    None,
                    None,
                    None,
                    completion.version.content_hash,
                    completion.version.source_commit,
                    words.language,
                )
            )
        for claim in completion.claims:
            lines.append(
                TranscriptLine(
                    completion.completed_at,
                    title,
                    completion.version.number,
                    claim.credit_type,
                    claim.amount,
                    current_certificate(claim),
                    completion.version.content_hash,
                    completion.version.source_commit,
                    words.language,
                )
            )
    for claim in db.session.scalars(
        select(CreditClaim)
        .where(CreditClaim.user_id == user.id, CreditClaim.webinar_id.is_not(None))
        .order_by(CreditClaim.claimed_at)
    ):
        webinar = claim.webinar
        if webinar is None:  # the query asks for webinar claims only
            continue
        words = webinar_edition(webinar, language)
        lines.append(
            TranscriptLine(
                webinar.starts_at,
                str(words["title"]),
                None,
                claim.credit_type,
                claim.amount,
                current_certificate(claim),
                None,
                None,
                str(words["language"]),
                live=True,
            )
        )
    for path_completion in db.session.scalars(
        # One line per completion (annual retraining leaves one a year), with its current
        # certificate: a certificate replaced by a reissue is not a line of its own.
        select(PathCompletion).where(
            PathCompletion.user_id == user.id, PathCompletion.status != "superseded"
        )
    ):
        # Withdrawn paths too: the learner completed it, and the record stays theirs.
        words = path_completion.path.words(language)
        own = bool(words["certificate_title"]) and words["language"] == language
        lines.append(
            TranscriptLine(
                path_completion.completed_at,
                (words["certificate_title"] if own else None)
                or path_completion.certificate_title
                or (words["title"] if words["language"] == language else None)
                or path_completion.path_title,
                None,
                PARTICIPATION if path_completion.certificate_id else None,
                path_completion.hours if path_completion.certificate_id else None,
                None,
                course_language=words["language"] if own else path_completion.path.language,
                path=path_completion,
            )
        )
    lines.sort(key=lambda line: line.completed_at)
    return lines


def transcript_totals(lines: list[TranscriptLine]) -> list[tuple[str, int, Decimal]]:
    """Return the credit claimed per type and calendar year (revoked certificates excluded)."""
    totals: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.path is not None:
            continue  # a path's hours are its courses' hours, already counted once
        if line.credit_type and line.amount is not None:
            if line.certificate is not None and line.certificate.status == "revoked":
                continue
            totals[(line.credit_type, line.completed_at.year)] += line.amount
    return [(kind, year, total) for (kind, year), total in sorted(totals.items())]
