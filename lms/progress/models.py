"""What each learner has done in a course version: enrolment and per-page progress."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.courses.models import Course, CoursePage, CourseVersion
from lms.database import UTCDateTime, utcnow
from lms.extensions import db


class Enrolment(db.Model):
    """A learner taking a course, pinned to the version they started on.

    A learner may take a course again (a retake, or moving to a newer version): the earlier
    enrolment is ended, never deleted, so its attempts and completion stay on the record.
    """

    __tablename__ = "enrolments"
    # One open enrolment per learner and course at a time; ended ones are history.
    __table_args__ = (
        Index(
            "uq_enrolments_open",
            "user_id",
            "course_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    disclosures_acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    course_note_acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_page_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_pages.id", ondelete="SET NULL")
    )
    last_visited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pages_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When and why the learner stopped using this enrolment: "retake" (started again after
    # completing) or "new-version" (moved to a newer version part-way through).
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(20))
    # The newer version the learner chose not to move to, so it is not offered again.
    kept_over_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_versions.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()
    version: Mapped[CourseVersion] = relationship(foreign_keys=[version_id])
    last_page: Mapped[CoursePage | None] = relationship()
    page_progress: Mapped[list[PageProgress]] = relationship(
        back_populates="enrolment", cascade="all, delete-orphan"
    )


class PageProgress(db.Model):
    """One learner's progress on one page: opened, completed, time spent reading."""

    __tablename__ = "page_progress"
    __table_args__ = (UniqueConstraint("enrolment_id", "page_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    page_id: Mapped[int] = mapped_column(ForeignKey("course_pages.id"), index=True)
    first_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    content_note_acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # For the learner's own record only; nothing is ever timed against them.
    seconds_spent: Mapped[int] = mapped_column(Integer, default=0)

    enrolment: Mapped[Enrolment] = relationship(back_populates="page_progress")
    page: Mapped[CoursePage] = relationship()
