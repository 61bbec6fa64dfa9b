"""Identity providers an organization signs its people in with, and the accounts linked to them.

`protocol` names how the provider is spoken to ("oidc" today); SAML 2.0 can be added as another
protocol with its own settings columns without touching links or domains.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.chapters.models import Chapter
from lms.database import UTCDateTime, utcnow
from lms.extensions import db
from lms.organizations.models import Organization


class Protocol(StrEnum):
    """How the LMS talks to an identity provider."""

    OIDC = "oidc"


class IdentityProvider(db.Model):
    """A health system's sign-in service, owned by an organization or by a chapter (or neither).

    One owner at most: a chapter's provider serves all its organizations.
    """

    __tablename__ = "identity_providers"
    __table_args__ = (
        UniqueConstraint("protocol", "issuer", "client_id"),
        CheckConstraint("organization_id IS NULL OR chapter_id IS NULL", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol: Mapped[str] = mapped_column(String(16), default=Protocol.OIDC.value)
    display_name: Mapped[str] = mapped_column(String(200))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    chapter_id: Mapped[int | None] = mapped_column(
        ForeignKey("chapters.id", ondelete="SET NULL"), index=True
    )
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    # Fernet token (lms.sso.secrets); never the secret itself.
    client_secret_encrypted: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization | None] = relationship()
    chapter: Mapped[Chapter | None] = relationship()
    domains: Mapped[list[ProviderDomain]] = relationship(
        back_populates="provider", cascade="all, delete-orphan", order_by="ProviderDomain.domain"
    )

    @property
    def domain_names(self) -> list[str]:
        """Return the allowed email domains, sorted."""
        return [d.domain for d in self.domains]


class ProviderDomain(db.Model):
    """An email domain whose people sign in with one provider (so a domain picks one provider)."""

    __tablename__ = "identity_provider_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("identity_providers.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(String(253), unique=True)

    provider: Mapped[IdentityProvider] = relationship(back_populates="domains")


class UserIdentity(db.Model):
    """An account's identity at a provider: the provider's subject, which outlives email changes."""

    __tablename__ = "user_identities"
    __table_args__ = (UniqueConstraint("provider_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("identity_providers.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str] = mapped_column(String(255))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    provider: Mapped[IdentityProvider] = relationship()


class PendingSignIn(db.Model):
    """Server-side state of a sign-in in progress (state, nonce, PKCE verifier), used once.

    Authlib keeps these in its cache; keeping them here rather than in the session cookie means a
    replayed callback (an old cookie sent again) finds nothing and is refused.
    """

    __tablename__ = "sso_pending_sign_ins"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
