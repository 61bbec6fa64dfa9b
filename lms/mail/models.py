"""The outbox: every email the site sends, written in the same transaction as what caused it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.database import UTCDateTime, utcnow
from lms.extensions import db


class OutboxEmail(db.Model):
    """One email to send: kept until sent, so a crash or an SMTP outage loses nothing."""

    __tablename__ = "outbox_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a worker may next try it (after a failure: later and later, see `retry_delay`).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # A worker sending it holds it until then; a worker that died lets go when this passes.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Refused for good by the mail server (an address that does not exist): never retried.
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # One optional text attachment (a webinar's .ics invitation), sent with the body.
    attachment_filename: Mapped[str | None] = mapped_column(String(200))
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    attachment: Mapped[str | None] = mapped_column(Text)
