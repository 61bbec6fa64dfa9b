"""Quiz attempts with every answer, and evaluation responses, tied to the page version."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.courses.models import CoursePage, JSONType
from lms.database import UTCDateTime, utcnow
from lms.extensions import db
from lms.progress.models import Enrolment


class QuizAttempt(db.Model):
    """One try at a quiz page of one course version; graded once, when submitted."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (UniqueConstraint("user_id", "page_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    # The page row belongs to one course version, so grading never sees later edits.
    page_id: Mapped[int] = mapped_column(ForeignKey("course_pages.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    passed: Mapped[bool | None] = mapped_column()
    # The order shown to this learner, kept so a reload shows the same quiz.
    question_order: Mapped[list[str]] = mapped_column(JSONType)
    option_order: Mapped[dict[str, list[str]]] = mapped_column(JSONType)
    # Answers so far on an open attempt, {question id: option ids or text}, so a learner who
    # leaves finds them again on any device. Never graded: grading reads only the submission.
    draft_answers: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    draft_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The language the questions were answered in ("es"), for item analysis per language;
    # None for attempts made before courses had editions (they were in the primary language).
    language: Mapped[str | None] = mapped_column(String(20))
    # An open attempt reset by staff (the reason is in the audit log): kept, never graded,
    # and not counted against the learner's attempts.
    reset_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    enrolment: Mapped[Enrolment] = relationship()
    page: Mapped[CoursePage] = relationship()
    answers: Mapped[list[AttemptAnswer]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="AttemptAnswer.position"
    )

    @property
    def is_submitted(self) -> bool:
        """Return whether the attempt has been graded."""
        return self.submitted_at is not None

    @property
    def is_open(self) -> bool:
        """Return whether the learner can still answer the attempt."""
        return self.submitted_at is None and self.reset_at is None


class AttemptAnswer(db.Model):
    """A learner's answer to one question in one attempt, with its grade."""

    __tablename__ = "attempt_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[str] = mapped_column(db.String(20))
    position: Mapped[int] = mapped_column(Integer)
    # Chosen option ids (a list) or the text typed, exactly as submitted.
    response: Mapped[Any] = mapped_column(JSONType)
    correct: Mapped[bool] = mapped_column()

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")


class EvaluationResponse(db.Model):
    """A learner's evaluation of one course version: stored once, answers kept as given."""

    __tablename__ = "evaluation_responses"
    # Once per enrolment: a learner who takes the course again evaluates it again.
    __table_args__ = (UniqueConstraint("enrolment_id", "page_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    page_id: Mapped[int] = mapped_column(ForeignKey("course_pages.id"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # {question id: chosen option ids or free text}
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType)

    user: Mapped[User] = relationship()
    page: Mapped[CoursePage] = relationship()


class AttemptGrant(db.Model):
    """Extra attempts at a quiz given to one learner's enrolment by an author or admin."""

    __tablename__ = "attempt_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    page_id: Mapped[int] = mapped_column(ForeignKey("course_pages.id"), index=True)
    extra: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AttemptRequest(db.Model):
    """A learner asking for another try at a quiz; admins grant or decline it from a queue."""

    __tablename__ = "attempt_requests"
    # One open request per learner and quiz: a double submit finds the first one.
    __table_args__ = (
        Index(
            "uq_attempt_requests_open",
            "user_id",
            "page_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    page_id: Mapped[int] = mapped_column(ForeignKey("course_pages.id"), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    enrolment: Mapped[Enrolment] = relationship()
    page: Mapped[CoursePage] = relationship()
