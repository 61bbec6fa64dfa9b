"""Completions, credit claims and certificates: the records an auditor checks years later."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.courses.models import Course, CourseVersion
from lms.database import UTCDateTime, utcnow
from lms.extensions import db
from lms.progress.models import Enrolment
from lms.webinars.models import Webinar


class Completion(db.Model):
    """A learner finished a course version; recorded once per enrolment, never changed.

    A retake is a new enrolment, so it leaves a second completion beside the first.
    """

    __tablename__ = "completions"
    __table_args__ = (UniqueConstraint("enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Best post-test score at completion, for reports and exports (None without a quiz).
    quiz_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()
    version: Mapped[CourseVersion] = relationship()
    enrolment: Mapped[Enrolment] = relationship()
    claims: Mapped[list[CreditClaim]] = relationship(
        back_populates="completion", order_by="CreditClaim.claimed_at"
    )


# A certificate of participation records one completion: a retake of the same version (annual
# training) earns a new one. Real credit (AMA, ABP MOC, ANCC) is for the activity, which a
# retake does not repeat: at most once per version per learner.
PARTICIPATION = "participation"
_IS_PARTICIPATION = text("credit_type = 'participation'")
_IS_CREDIT = text("credit_type != 'participation'")


class CreditClaim(db.Model):
    """Credit a learner claimed: final, and never claimed twice for the same thing.

    Participation: once per completion. Credit (AMA, MOC, ANCC): once per course version.
    A live webinar's claims: once per type per webinar. A course claim has a completion and a
    version; a live webinar's claim has the webinar instead (its attendance and evaluation
    stand for the completion), never both.
    """

    __tablename__ = "credit_claims"
    __table_args__ = (
        Index(
            "uq_credit_claims_participation_per_completion",
            "user_id",
            "completion_id",
            "credit_type",
            unique=True,
            postgresql_where=_IS_PARTICIPATION,
            sqlite_where=_IS_PARTICIPATION,
        ),
        Index(
            "uq_credit_claims_credit_per_version",
            "user_id",
            "version_id",
            "credit_type",
            unique=True,
            postgresql_where=_IS_CREDIT,
            sqlite_where=_IS_CREDIT,
        ),
        UniqueConstraint("user_id", "webinar_id", "credit_type"),
        CheckConstraint(
            "(webinar_id IS NULL AND completion_id IS NOT NULL AND version_id IS NOT NULL)"
            " OR (webinar_id IS NOT NULL AND completion_id IS NULL AND version_id IS NULL)",
            name="course_or_webinar",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    completion_id: Mapped[int | None] = mapped_column(ForeignKey("completions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("course_versions.id"), index=True)
    webinar_id: Mapped[int | None] = mapped_column(ForeignKey("webinars.id"), index=True)
    credit_type: Mapped[str] = mapped_column(String(30))
    amount: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    attested: Mapped[bool] = mapped_column()
    consent_to_report: Mapped[bool] = mapped_column(default=False)

    completion: Mapped[Completion | None] = relationship(back_populates="claims")
    webinar: Mapped[Webinar | None] = relationship()
    user: Mapped[User] = relationship()
    certificates: Mapped[list[Certificate]] = relationship(
        back_populates="claim", order_by="Certificate.issued_at"
    )


class Certificate(db.Model):
    """An issued certificate. What it says is stored here, so it never changes once issued."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("credit_claims.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="valid")
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    # Whether the learner may read the reason on their certificate page (the admin chooses).
    revoked_reason_shown: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The snapshot printed on the certificate.
    holder_name: Mapped[str] = mapped_column(String(200))
    course_slug: Mapped[str] = mapped_column(String(100))
    course_title: Mapped[str] = mapped_column(String(300))
    version_number: Mapped[int] = mapped_column()
    completion_date: Mapped[date] = mapped_column(Date)
    # Participation certificates of courses whose completion lapses; None: never expires.
    valid_until: Mapped[date | None] = mapped_column(Date)
    credit_type: Mapped[str] = mapped_column(String(30))
    amount: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    accreditation: Mapped[str | None] = mapped_column(Text)
    provider_name: Mapped[str] = mapped_column(String(200))
    # Accreditation details printed since CME compliance; None on older certificates.
    learning_format: Mapped[str | None] = mapped_column(String(40))
    provider_address: Mapped[str | None] = mapped_column(Text)
    abp_id: Mapped[str | None] = mapped_column(String(20))
    pars_activity_id: Mapped[str | None] = mapped_column(String(40))
    moc_statement: Mapped[str | None] = mapped_column(Text)

    claim: Mapped[CreditClaim] = relationship(back_populates="certificates")
    user: Mapped[User] = relationship()
    superseded_by: Mapped[Certificate | None] = relationship(remote_side=[id])


class CreditClosingNotice(db.Model):
    """A learner told in advance that credit for a course version they are taking closes."""

    __tablename__ = "credit_closing_notices"
    # Told once per learner and version, however often the warning job runs.
    __table_args__ = (UniqueConstraint("user_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
