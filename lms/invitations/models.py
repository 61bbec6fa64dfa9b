"""Invitations: a one-time link that lets a person set a password and join an organization."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.courses.models import Course
from lms.database import UTCDateTime, utcnow
from lms.extensions import db
from lms.organizations.models import Organization


class Invitation(db.Model):
    """One person invited to one organization; resending reuses the row with a new token.

    Only the SHA-256 of the token is stored, so a copy of the database opens no account.
    """

    __tablename__ = "invitations"
    # One invitation per person and organization: a repeated invite or re-import changes nothing.
    __table_args__ = (UniqueConstraint("organization_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    full_name: Mapped[str] = mapped_column(String(200))
    profession: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(20), default="member")
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    due_date: Mapped[date | None] = mapped_column(Date)
    locale: Mapped[str | None] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    organization: Mapped[Organization] = relationship()
    course: Mapped[Course | None] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    def state(self, now: datetime) -> str:
        """Return "accepted", "revoked", "expired" or "pending"."""
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "pending"
