"""What each learner has done in a course version: enrolment and per-page progress."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.courses.models import Course, CoursePage, CourseVersion
from lms.database import UTCDateTime, utcnow
from lms.extensions import db


class Enrolment(db.Model):
    """A learner taking a course, pinned to the version they started on."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

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

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()
    version: Mapped[CourseVersion] = relationship()
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
