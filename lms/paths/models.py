"""Published learning paths, who completed them, and paths assigned by organizations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.courses.models import JSONType
from lms.database import UTCDateTime, utcnow
from lms.extensions import db


class LearningPath(db.Model):
    """An ordered set of courses, compiled from `paths/<slug>.md` at publish."""

    __tablename__ = "learning_paths"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(20))
    # The courses' slugs in the order learners take them.
    course_slugs: Mapped[list[str]] = mapped_column(JSONType)
    body_html: Mapped[str] = mapped_column(Text)
    # The title of its certificate of participation; None: the path gives no certificate.
    certificate_title: Mapped[str | None] = mapped_column(String(300))
    # Other languages' words by tag: {"es": {"title", "summary", "certificate_title", ...}}.
    editions: Mapped[dict[str, Any]] = mapped_column(JSONType)
    content_hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Out of the catalog and closed to new assignments; completions and certificates stay.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def words(self, language: str) -> dict[str, Any]:
        """Return the path's words in `language` when it has that edition, else its own."""
        own = {
            "language": self.language,
            "title": self.title,
            "summary": self.summary,
            "certificate_title": self.certificate_title,
            "body_html": self.body_html,
        }
        edition = (self.editions or {}).get(language) if language != self.language else None
        if not edition:
            return own
        return {
            "language": language,
            "title": edition.get("title") or self.title,
            "summary": edition.get("summary") or self.summary,
            "certificate_title": edition.get("certificate_title") or self.certificate_title,
            "body_html": edition.get("body_html") or self.body_html,
        }


# A reissued path certificate (a new name) is a new row for the same cycle; the old one stays,
# superseded, so its id still verifies. Only one row per cycle is not superseded.
_NOT_SUPERSEDED = text("status != 'superseded'")


class PathCompletion(db.Model):
    """A learner completed every course of a path, once per cycle; never changed.

    Annual retraining completes a path again: each time every course has a completion later
    than the learner's latest completion of the path, a new one is recorded with the next
    `sequence`. With a certificate, its public id is verifiable at /verify like a course
    certificate's, and what it prints is the snapshot kept here.
    """

    __tablename__ = "path_completions"
    __table_args__ = (
        Index(
            "uq_path_completions_user_id_path_id_sequence",
            "user_id",
            "path_id",
            "sequence",
            unique=True,
            postgresql_where=_NOT_SUPERSEDED,
            sqlite_where=_NOT_SUPERSEDED,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("learning_paths.id"), index=True)
    # 1 for the first completion of the path, 2 for the first retraining, and so on.
    sequence: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When its certificate was issued: at completion, or later for a reissue (None: before
    # reissues existed, so at completion).
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    path_title: Mapped[str] = mapped_column(String(300))
    course_slugs: Mapped[list[str]] = mapped_column(JSONType)
    # The certificate of participation, when the path gives one.
    certificate_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    certificate_title: Mapped[str | None] = mapped_column(String(300))
    holder_name: Mapped[str | None] = mapped_column(String(200))
    hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    provider_name: Mapped[str | None] = mapped_column(String(200))
    # The certificate's standing, as a course certificate's: "valid", "revoked" (an admin
    # withdrew it) or "superseded" (reissued in a new name); it stays verifiable either way.
    status: Mapped[str] = mapped_column(String(20), default="valid", server_default="valid")
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("path_completions.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_reason_shown: Mapped[bool] = mapped_column(default=False, server_default=false())

    user: Mapped[User] = relationship()
    path: Mapped[LearningPath] = relationship()
    superseded_by: Mapped[PathCompletion | None] = relationship(remote_side=[id])


class PathAssignment(db.Model):
    """A path assigned to one person or everyone in an organization, due by a date."""

    __tablename__ = "path_assignments"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) != (organization_id IS NULL)", name="one_assignee"),
        CheckConstraint(
            "recur_months IS NULL OR (recur_months BETWEEN 1 AND 120)", name="recur_months_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("learning_paths.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The organisation that made it: only its managers see it on their board.
    owner_organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    due_date: Mapped[date] = mapped_column(Date)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Recurring training, as on a course assignment (lms.organizations.recurrence): due again
    # every `recur_months` after each completion, or on the due date's anniversary.
    recur_months: Mapped[int | None] = mapped_column(Integer)
    recur_on_date: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    path: Mapped[LearningPath] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])


class PathReminderLog(db.Model):
    """A reminder sent for a path assignment to one person in one period: never sent twice."""

    __tablename__ = "path_reminder_logs"
    __table_args__ = (UniqueConstraint("path_assignment_id", "user_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    path_assignment_id: Mapped[int] = mapped_column(
        ForeignKey("path_assignments.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))  # as ReminderLog.kind
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
