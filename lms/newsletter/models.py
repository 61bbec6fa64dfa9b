"""Newsletter subscribers with their consent, issues, per-subscriber deliveries and notices."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.courses.models import JSONType
from lms.database import UTCDateTime, utcnow
from lms.extensions import db


class Topic(StrEnum):
    """What a subscriber may ask to hear about; each is a source in `lms.newsletter.sources`."""

    COURSES = "courses"
    WEBINARS = "webinars"
    RESOURCES = "resources"


class Status(StrEnum):
    """Where a subscription stands: nothing is sent until it is confirmed."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"


class Subscriber(db.Model):
    """One email address on the list, with what it agreed to, when, where and in which language."""

    __tablename__ = "newsletter_subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # lower-cased
    language: Mapped[str] = mapped_column(String(8))
    topics: Mapped[list[str]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16), default=Status.PENDING.value, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The consent: when it was given, on which page, the words shown, the topics and language.
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    consent_source: Mapped[str] = mapped_column(String(200))
    consent_text: Mapped[str] = mapped_column(Text)
    consent_language: Mapped[str] = mapped_column(String(8))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_confirmed(self) -> bool:
        """Return whether issues are sent to this address."""
        return self.status == Status.CONFIRMED.value


class IssueStatus(StrEnum):
    """A draft is reviewed, then sent; a sent issue is in the public archive."""

    DRAFT = "draft"
    SENDING = "sending"
    SENT = "sent"


class Issue(db.Model):
    """One newsletter issue: what was new in a period, kept per language as sent."""

    __tablename__ = "newsletter_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default=IssueStatus.DRAFT.value, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    # {"en": {"subject": ..., "items": [{"kind", "title", "summary", "url"}, ...]}, "es": ...}
    content: Mapped[dict[str, Any]] = mapped_column(JSONType)
    send_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # One sending job at a time holds the issue, so the per-minute rate is never doubled.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def topics(self, language: str) -> set[str]:
        """Return the kinds of news this issue carries in `language`."""
        return {item["kind"] for item in self.content.get(language, {}).get("items", [])}


class DeliveryStatus(StrEnum):
    """Where one subscriber's copy of one issue stands."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # refused for good by the mail server, or out of retries


class Delivery(db.Model):
    """One subscriber's copy of one issue: the unique pair is what makes sending exactly once."""

    __tablename__ = "newsletter_deliveries"
    __table_args__ = (UniqueConstraint("issue_id", "subscriber_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("newsletter_issues.id"), index=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("newsletter_subscribers.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING.value)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NoticePreference(db.Model):
    """A signed-in learner's wish to hear of new courses for them, or new versions of theirs."""

    __tablename__ = "course_notice_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    new_courses: Mapped[bool] = mapped_column(Boolean, default=False)
    new_versions: Mapped[bool] = mapped_column(Boolean, default=False)
    # Only news after this counts: asking today does not bring years of old courses.
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CourseNotice(db.Model):
    """One notice sent to one learner about one course version: never sent twice."""

    __tablename__ = "course_notices"
    __table_args__ = (UniqueConstraint("user_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "new-course" or "new-version"
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
