"""The record that an account was deleted: when, at whose request, and what was kept."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.courses.models import JSONType
from lms.database import UTCDateTime, utcnow
from lms.extensions import db


class AccountDeletion(db.Model):
    """One deleted account: counts of what was removed and kept, never personal data.

    The unique user id makes a second deletion of the same account (a double submit, an admin
    and the person at once) fail instead of recording the deletion twice.
    """

    __tablename__ = "account_deletions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    requested_by: Mapped[str] = mapped_column(String(10))  # "self" or "admin"
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kept: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    removed: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
