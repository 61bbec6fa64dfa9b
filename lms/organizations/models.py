"""Organizations (clinics, residency programs), their members and managers, and assignments."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.chapters.models import Chapter
from lms.courses.models import Course
from lms.database import UTCDateTime, utcnow
from lms.extensions import db

# Stored kind -> how it is named on screen (translated when shown).
ORGANIZATION_KINDS = {
    "clinic": _l("Clinic"),
    "residency-program": _l("Residency program"),
    "agency": _l("Child-welfare agency"),
    "other": _l("Other organization"),
}


class Organization(db.Model):
    """A clinic or program whose people learn together and whose managers follow progress."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30), default="clinic")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The chapter that works with this organization; its chapter admins manage it.
    chapter_id: Mapped[int | None] = mapped_column(
        ForeignKey("chapters.id", ondelete="SET NULL"), index=True
    )
    # Public information, shown on the chapter's public page.
    public_info: Mapped[str | None] = mapped_column(Text)

    chapter: Mapped[Chapter | None] = relationship()
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )


class Membership(db.Model):
    """A person's place in an organization: member or manager."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("organization_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="member")
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()

    @property
    def is_manager(self) -> bool:
        """Return whether this member manages the organization."""
        return self.role == "manager"


PERSON_COURSE_INDEX = "uq_assignments_owner_person_course"
PERSON_COURSE_WHERE = text("user_id IS NOT NULL AND course_id IS NOT NULL")


class Assignment(db.Model):
    """A course assigned to one person or to everyone in an organization, due by a date."""

    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) != (organization_id IS NULL)", name="one_assignee"),
        CheckConstraint(
            "recur_months IS NULL OR (recur_months BETWEEN 1 AND 120)", name="recur_months_range"
        ),
        # One assignment of a course to a person per assigning organization, however many
        # requests race. Partial, so assignments to a whole organization (or of something other
        # than a course) are not constrained by it.
        Index(
            PERSON_COURSE_INDEX,
            "owner_organization_id",
            "user_id",
            "course_id",
            unique=True,
            sqlite_where=PERSON_COURSE_WHERE,
            postgresql_where=PERSON_COURSE_WHERE,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # The organisation that made the assignment: only its managers see, remind about or
    # remove it, even when the person also belongs to another organisation.
    owner_organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    due_date: Mapped[date] = mapped_column(Date)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
    # Recurring training: due again every `recur_months` after each completion, or (with
    # `recur_on_date`) every `recur_months` on the due date's anniversary. None: due once.
    recur_months: Mapped[int | None] = mapped_column(Integer)
    recur_on_date: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    course: Mapped[Course] = relationship()
    organization: Mapped[Organization | None] = relationship(foreign_keys=[organization_id])
    owner_organization: Mapped[Organization | None] = relationship(
        foreign_keys=[owner_organization_id]
    )
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id])


class ReminderLog(db.Model):
    """A reminder sent for an assignment to one person in one period: never sent twice."""

    __tablename__ = "reminder_logs"
    __table_args__ = (UniqueConstraint("assignment_id", "user_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))  # "due-soon" or "overdue"
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
