"""Chapters and the people who administer them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.database import UTCDateTime, utcnow
from lms.extensions import db


class Chapter(db.Model):
    """A regional chapter that works with its own clinics, programmes and agencies."""

    __tablename__ = "chapters"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    admins: Mapped[list[ChapterAdmin]] = relationship(
        back_populates="chapter", cascade="all, delete-orphan"
    )


class ChapterAdmin(db.Model):
    """A person who administers a chapter's organizations (and nothing of other chapters)."""

    __tablename__ = "chapter_admins"
    __table_args__ = (UniqueConstraint("chapter_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chapter_id: Mapped[int] = mapped_column(
        ForeignKey("chapters.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    appointed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    chapter: Mapped[Chapter] = relationship(back_populates="admins")
    user: Mapped[User] = relationship()
