"""xAPI statements waiting for, or already accepted by, the learning record store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.database import UTCDateTime, utcnow
from lms.extensions import db


class XapiStatement(db.Model):
    """One statement, recorded with the event that caused it and sent until the store has it."""

    __tablename__ = "xapi_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The statement's own id (a UUID made when recorded): a retry after a timeout sends the
    # same id, and the store keeps one copy.
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    # What the statement is about ("completed:completion:12"): one statement per fact.
    fact: Mapped[str] = mapped_column(String(160), unique=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
