"""Recorded attendance at a webinar, and attendees' evaluations of it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.courses.models import JSONType
from lms.database import UTCDateTime, utcnow
from lms.extensions import db


class AttendanceSource(enum.StrEnum):
    """How attendance was recorded: each source keeps its own record per person."""

    CODE = "code"  # the attendee entered the code read out in the session
    IMPORT = "import"  # the video platform's participant report
    MANUAL = "manual"  # an organiser marked it by hand


class WebinarAttendance(db.Model):
    """One source's record of one person's attendance: at most one per source.

    A person may have a record from each source; the time credited is the largest of them,
    so a code entered and a report imported never add up to more than the session.
    """

    __tablename__ = "webinar_attendance"
    __table_args__ = (
        UniqueConstraint("webinar_id", "user_id", "source"),
        CheckConstraint("minutes >= 0", name="minutes_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webinar_id: Mapped[int] = mapped_column(ForeignKey("webinars.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    source: Mapped[str] = mapped_column(String(10))
    minutes: Mapped[int] = mapped_column(Integer)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # sha256 of the imported report, so importing the same file again is recognised.
    import_digest: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])


class WebinarEvaluation(db.Model):
    """An attendee's evaluation of a webinar: stored once, answers kept as given."""

    __tablename__ = "webinar_evaluations"
    __table_args__ = (UniqueConstraint("webinar_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webinar_id: Mapped[int] = mapped_column(ForeignKey("webinars.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
