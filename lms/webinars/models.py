"""Published webinars, the people registered for them, and the reminders sent to them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.content.model import Credit
from lms.courses.models import JSONType
from lms.database import UTCDateTime, utcnow
from lms.extensions import db


class WebinarStatus(enum.StrEnum):
    """Whether a webinar still takes place."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class RegistrationStatus(enum.StrEnum):
    """A person's place: a seat, a place in the waiting list, or given up."""

    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class ReminderKind(enum.StrEnum):
    """The reminders sent before a webinar, each at most once per registration."""

    DAY = "24h"
    HOUR = "1h"


class Webinar(db.Model):
    """A live session as last published from `webinars/<slug>.md`."""

    __tablename__ = "webinars"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(20), default="en")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The IANA zone the event is announced in ("America/Chicago"); times are shown in it.
    timezone: Mapped[str] = mapped_column(String(64))
    # None: no limit on seats.
    capacity: Mapped[int | None] = mapped_column(Integer)
    join_url: Mapped[str] = mapped_column(String(2000))
    recording_url: Mapped[str | None] = mapped_column(String(2000))
    course_slug: Mapped[str | None] = mapped_column(String(100))
    attendance_code: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default=WebinarStatus.SCHEDULED)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    body_html: Mapped[str] = mapped_column(Text, default="")
    # Presenters, disclosures, objectives, audience, credits [{type, max}], statements,
    # evaluation questions, and the Spanish edition ("editions": {"es": {...}}).
    meta: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    source_path: Mapped[str] = mapped_column(String(500), default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    registrations: Mapped[list[WebinarRegistration]] = relationship(
        back_populates="webinar", order_by="WebinarRegistration.id"
    )

    @property
    def credits(self) -> list[Credit]:
        """Return the credit types and maxima the webinar offers."""
        return [Credit.from_dict(item) for item in self.meta.get("credits", ())]

    @property
    def is_cancelled(self) -> bool:
        """Return whether the webinar was called off."""
        return self.status == WebinarStatus.CANCELLED


class WebinarRegistration(db.Model):
    """One person's registration for one webinar: at most one row per person and webinar."""

    __tablename__ = "webinar_registrations"
    __table_args__ = (
        UniqueConstraint("webinar_id", "user_id"),
        Index("ix_webinar_registrations_queue", "webinar_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webinar_id: Mapped[int] = mapped_column(ForeignKey("webinars.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    # Waiting-list order: first come, first promoted (ties broken by id).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    webinar: Mapped[Webinar] = relationship(back_populates="registrations")
    user: Mapped[User] = relationship()


class WebinarReminder(db.Model):
    """A reminder sent for a registration; the unique pair makes each kind go out once."""

    __tablename__ = "webinar_reminders"
    __table_args__ = (UniqueConstraint("registration_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("webinar_registrations.id"))
    kind: Mapped[str] = mapped_column(String(10))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
