"""Endpoints admins register, the deliveries owed to them and every attempt at one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.database import UTCDateTime, utcnow
from lms.extensions import db

# The events an endpoint may subscribe to; the payload of each is described in docs/api.md.
EVENT_TYPES = (
    "completion.recorded",
    "certificate.issued",
    "certificate.revoked",
    "certificate.reissued",
    "assignment.overdue",
)


class WebhookEndpoint(db.Model):
    """An HTTPS address that receives signed notices of the events it subscribes to."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    # Space-separated event types (EVENT_TYPES).
    events: Mapped[str] = mapped_column(String(500))
    # Fernet token (lms.sso.vault): the signing secret is needed in clear to sign, so it is
    # encrypted rather than hashed; admins see it once, when the endpoint is created.
    secret_encrypted: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="endpoint", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def event_types(self) -> list[str]:
        """Return the subscribed event types."""
        return self.events.split()


class WebhookDelivery(db.Model):
    """One event owed to one endpoint: sent once (the unique pair), retried until it arrives."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("endpoint_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    # Names the event (the same for every endpoint); receivers use it as the idempotency key.
    event_id: Mapped[str] = mapped_column(String(120))
    event_type: Mapped[str] = mapped_column(String(40))
    # The JSON body exactly as signed and sent, on every try.
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, default=utcnow, index=True
    )
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when retries ran out; an admin may replay it.
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An admin asked for it again: the next try is marked as a replay.
    replay_requested: Mapped[bool] = mapped_column(default=False)

    endpoint: Mapped[WebhookEndpoint] = relationship(back_populates="deliveries")
    tries: Mapped[list[WebhookAttempt]] = relationship(
        back_populates="delivery",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="WebhookAttempt.id",
    )

    @property
    def state(self) -> str:
        """Return "delivered", "failed" or "pending"."""
        if self.delivered_at is not None:
            return "delivered"
        if self.failed_at is not None:
            return "failed"
        return "pending"


class WebhookAttempt(db.Model):
    """One try at a delivery, with what the receiver answered (or why it could not)."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_excerpt: Mapped[str] = mapped_column(Text, default="")
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    replay: Mapped[bool] = mapped_column(default=False)

    delivery: Mapped[WebhookDelivery] = relationship(back_populates="tries")
