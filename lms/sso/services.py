"""Single sign-on verbs: configure providers, pick one by email domain, finish a sign-in.

Every function takes explicit arguments, flushes, and leaves the commit to the caller. Nothing
here speaks HTTP to a provider: lms.sso.oidc does, and hands over validated ID-token claims.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.accounts import services as account_services
from lms.accounts.models import User
from lms.audit.services import record_event
from lms.chapters.models import Chapter
from lms.database import utcnow
from lms.extensions import db
from lms.organizations.models import Organization
from lms.sso.models import IdentityProvider, Protocol, ProviderDomain, UserIdentity
from lms.sso.vault import encrypt_secret

LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


class ProviderError(Exception):
    """A provider setting that cannot be saved, with a message for the admin."""


class SignInRefused(Exception):
    """A sign-in the LMS will not complete; `reason` is recorded, the message is shown."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in, from a validated ID token."""

    subject: str
    email: str
    email_verified: bool
    name: str

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Identity:
        """Return the identity in ID-token (or userinfo) claims; refuse one without sub or email."""
        subject, email = claims.get("sub"), claims.get("email")
        if not isinstance(subject, str) or not subject or len(subject) > 255:
            raise SignInRefused(_("Your organization did not say who you are."), "no-subject")
        if not isinstance(email, str) or "@" not in email or len(email) > 254:
            raise SignInRefused(
                _("Your organization did not share your email address, which we need."),
                "no-email",
            )
        name = claims.get("name")
        if not isinstance(name, str) or not name.strip():
            given, family = claims.get("given_name"), claims.get("family_name")
            name = " ".join(part for part in (given, family) if isinstance(part, str))
        return cls(
            subject=subject,
            email=account_services.normalise_email(email),
            # Only a JSON true counts: "true" as a string, or a missing claim, is not verified.
            email_verified=claims.get("email_verified") is True,
            name=name.strip()[:200],
        )


# --- configuration ---------------------------------------------------------------------------


def check_issuer(url: str, *, allow_loopback_http: bool) -> str:
    """Return the issuer URL as stored; raise ProviderError unless it is an https address."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 (raises ValueError on a port out of range)
    except ValueError as error:
        raise ProviderError(_("Enter the issuer as a web address.")) from error
    if parts.username or parts.password or parts.query or parts.fragment or not host:
        raise ProviderError(
            _("Enter the issuer exactly as the provider gives it, like https://login.example.org.")
        )
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in url):
        raise ProviderError(_("Enter the issuer as a web address."))
    if not allow_loopback_http and _is_internal_address(host):
        # In production the server fetches the issuer's documents: not from its own network.
        raise ProviderError(_("The issuer must be the provider's public https:// address."))
    # Kept exactly as given: the ID token's `iss` must equal it character for character (some
    # providers' issuers end in "/", others do not).
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and allow_loopback_http and _is_loopback(host):
        return url
    raise ProviderError(_("The issuer must be an https:// address."))


def _is_internal_address(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_domains(text: str) -> list[str]:
    """Return the email domains in `text` (commas, spaces or lines), lower-case and checked."""
    domains: list[str] = []
    for raw in (text or "").replace(",", " ").split():
        domain = raw.strip().lstrip("@").rstrip(".").lower()
        try:
            ascii_domain = domain.encode("idna").decode("ascii")
        except UnicodeError as error:
            raise ProviderError(_("“%(domain)s” is not an email domain.", domain=raw)) from error
        labels = ascii_domain.split(".")
        if (
            len(ascii_domain) > 253
            or len(labels) < 2
            or not all(0 < len(label) <= 63 for label in labels)
            or not all(
                label.replace("-", "").isalnum() and label.isascii() and not label.startswith("-")
                for label in labels
            )
        ):
            raise ProviderError(_("“%(domain)s” is not an email domain.", domain=raw))
        if ascii_domain not in domains:
            domains.append(ascii_domain)
    if not domains:
        raise ProviderError(_("Enter at least one email domain, like clinic.example.org."))
    return domains


def _set_domains(provider: IdentityProvider, domains: Iterable[str]) -> None:
    wanted = list(domains)
    taken = db.session.scalars(
        select(ProviderDomain.domain).where(
            ProviderDomain.domain.in_(wanted),
            ProviderDomain.provider_id != (provider.id or 0),
        )
    ).all()
    if taken:
        raise ProviderError(
            _(
                "Another provider already signs in people from %(domains)s. "
                "Each email domain can have one provider.",
                domains=", ".join(sorted(taken)),
            )
        )
    current = {d.domain: d for d in provider.domains}
    provider.domains = [current.get(domain) or ProviderDomain(domain=domain) for domain in wanted]


def _check_one_owner(organization: Organization | None, chapter: Chapter | None) -> None:
    if organization is not None and chapter is not None:
        raise ProviderError(_("Choose an organization or a chapter as the owner, not both."))


def chapter_providers(chapter: Chapter) -> list[IdentityProvider]:
    """Return the identity providers the chapter owns, by name."""
    return list(
        db.session.scalars(
            select(IdentityProvider)
            .where(IdentityProvider.chapter_id == chapter.id)
            .order_by(IdentityProvider.display_name)
        )
    )


def chapter_scope_providers(chapter: Chapter) -> list[IdentityProvider]:
    """Return the providers a chapter's admins may change: the chapter's and its organizations'."""
    return list(
        db.session.scalars(
            select(IdentityProvider)
            .outerjoin(Organization, IdentityProvider.organization_id == Organization.id)
            .where(
                (IdentityProvider.chapter_id == chapter.id)
                | (Organization.chapter_id == chapter.id)
            )
            .order_by(IdentityProvider.display_name)
        )
    )


def belongs_to_chapter(provider: IdentityProvider, chapter: Chapter) -> bool:
    """Return whether the provider is owned by the chapter or by one of its organizations."""
    if provider.chapter_id is not None:
        return provider.chapter_id == chapter.id
    return provider.organization is not None and provider.organization.chapter_id == chapter.id


def create_provider(
    *,
    display_name: str,
    issuer: str,
    client_id: str,
    client_secret: str,
    domains: list[str],
    organization: Organization | None,
    actor: User | None,
    chapter: Chapter | None = None,
) -> IdentityProvider:
    """Add an OpenID Connect provider; raise ProviderError if its domains or client are taken.

    Its owner is an organization or a chapter, not both.
    """
    _check_one_owner(organization, chapter)
    provider = IdentityProvider(
        protocol=Protocol.OIDC.value,
        display_name=display_name.strip(),
        issuer=issuer,
        client_id=client_id.strip(),
        client_secret_encrypted=encrypt_secret(client_secret),
        organization=organization,
        chapter=chapter,
        enabled=True,
    )
    _set_domains(provider, domains)
    db.session.add(provider)
    _flush_or_refuse()
    record_event(
        actor,
        "sso.provider_created",
        "identity_provider",
        provider.id,
        name=provider.display_name,
        issuer=provider.issuer,
        domains=domains,
    )
    return provider


def update_provider(
    provider: IdentityProvider,
    *,
    display_name: str,
    issuer: str,
    client_id: str,
    client_secret: str | None,
    domains: list[str],
    organization: Organization | None,
    enabled: bool,
    actor: User | None,
    chapter: Chapter | None = None,
) -> None:
    """Change a provider's settings; an empty `client_secret` keeps the stored one."""
    _check_one_owner(organization, chapter)
    provider.display_name = display_name.strip()
    provider.issuer = issuer
    provider.client_id = client_id.strip()
    if client_secret:
        provider.client_secret_encrypted = encrypt_secret(client_secret)
    provider.organization = organization
    provider.chapter = chapter
    provider.enabled = enabled
    _set_domains(provider, domains)
    _flush_or_refuse()
    record_event(
        actor,
        "sso.provider_updated",
        "identity_provider",
        provider.id,
        name=provider.display_name,
        issuer=provider.issuer,
        domains=domains,
        enabled=enabled,
        secret_changed=bool(client_secret),
    )


def _flush_or_refuse() -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise ProviderError(
            _("A provider with this issuer and client ID, or one of these domains, already exists.")
        ) from error


# --- signing in ------------------------------------------------------------------------------


def email_domain(email: str) -> str:
    """Return the domain part of an email address, lower-case, in its ASCII form."""
    domain = account_services.normalise_email(email).rpartition("@")[2].rstrip(".")
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def provider_for_email(email: str) -> IdentityProvider | None:
    """Return the enabled provider that signs in people with this email's domain, or None."""
    return db.session.scalar(
        select(IdentityProvider)
        .join(ProviderDomain)
        .where(ProviderDomain.domain == email_domain(email), IdentityProvider.enabled.is_(True))
    )


def _refuse(
    provider: IdentityProvider, identity: Identity | None, reason: str, message: str
) -> SignInRefused:
    record_refusal(provider, reason, identity.email if identity else None)
    return SignInRefused(message, reason)


def record_refusal(provider: IdentityProvider, reason: str, email: str | None = None) -> None:
    """Record in the audit log that a sign-in through `provider` was refused, and why."""
    record_event(
        None,
        "sso.refused",
        "identity_provider",
        provider.id,
        provider=provider.display_name,
        email=email,
        reason=reason,
    )


def identity_from_claims(provider: IdentityProvider, claims: Mapping[str, Any]) -> Identity:
    """Return who the provider's claims name; record and raise SignInRefused if they cannot."""
    try:
        return Identity.from_claims(claims)
    except SignInRefused as refusal:
        record_refusal(provider, refusal.reason)
        raise


@dataclass(frozen=True)
class SignInResult:
    """Either the account to sign in, or an identity that needs a profile first."""

    user: User | None
    pending: Identity | None = None


def resolve_sign_in(provider: IdentityProvider, identity: Identity) -> SignInResult:
    """Return the account this identity signs in to, linking by verified email, or a pending one.

    :raise SignInRefused: outside the provider's domains, for an unverified email that would
        link or create an account, or for a deactivated account (each recorded in the audit log).
    """
    if email_domain(identity.email) not in provider.domain_names:
        raise _refuse(
            provider,
            identity,
            "domain-not-allowed",
            _("Your email address is not one this organization can sign in with here."),
        )
    link = db.session.scalar(
        select(UserIdentity).where(
            UserIdentity.provider_id == provider.id, UserIdentity.subject == identity.subject
        )
    )
    if link is not None:
        _refuse_site_admin(provider, identity, link.user)
        return SignInResult(_signed_in(provider, link, identity))
    if not identity.email_verified:
        # Linking or creating on an unverified address would let anyone who can put that address
        # in their provider profile take over the account that owns it.
        raise _refuse(
            provider,
            identity,
            "email-not-verified",
            _(
                "Your organization has not confirmed your email address, so we cannot connect "
                "it to an account. Sign in with your password, or ask your organization to "
                "confirm your email address."
            ),
        )
    user = account_services.find_user_by_email(identity.email)
    if user is None:
        return SignInResult(None, pending=identity)
    if not user.active:
        raise _deactivated(provider, identity)
    _refuse_site_admin(provider, identity, user)
    link = link_identity(user, provider, identity, actor=None)
    return SignInResult(_signed_in(provider, link, identity))


def chapter_scoped(provider: IdentityProvider) -> bool:
    """Return whether chapter admins may change the provider (it is in a chapter's scope)."""
    return provider.chapter_id is not None or (
        provider.organization is not None and provider.organization.chapter_id is not None
    )


def _refuse_site_admin(provider: IdentityProvider, identity: Identity, user: User) -> None:
    # A chapter admin can set a chapter's provider up (issuer and domains); letting it sign
    # in a site admin would let a chapter admin become one. Site admins use their password.
    if user.has_role("admin") and chapter_scoped(provider):
        raise _refuse(
            provider,
            identity,
            "site-admin-account",
            _("Site admins sign in with their password, not through an organization."),
        )


def _deactivated(provider: IdentityProvider, identity: Identity) -> SignInRefused:
    return _refuse(
        provider,
        identity,
        "account-deactivated",
        _("This account is deactivated. Please contact support if you think this is wrong."),
    )


def _signed_in(provider: IdentityProvider, link: UserIdentity, identity: Identity) -> User:
    user = link.user
    if not user.active:
        raise _deactivated(provider, identity)
    link.last_sign_in_at = utcnow()
    account_services.record_login(user)
    record_event(
        user,
        "sso.signed_in",
        "user",
        user.id,
        email=user.email,
        provider=provider.display_name,
        provider_email=identity.email,
    )
    db.session.flush()
    return user


def link_identity(
    user: User, provider: IdentityProvider, identity: Identity, *, actor: User | None
) -> UserIdentity:
    """Link `user` to their identity at `provider`, so it signs in even after an email change."""
    link = UserIdentity(user=user, provider=provider, subject=identity.subject, linked_at=utcnow())
    db.session.add(link)
    if user.email_confirmed_at is None and identity.email == user.email:
        user.email_confirmed_at = utcnow()  # the organization vouches for the address
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise SignInRefused(
            _("This sign-in was already used. Please start again."), "already-linked"
        ) from error
    record_event(
        actor or user,
        "sso.account_linked",
        "user",
        user.id,
        email=user.email,
        provider=provider.display_name,
        subject=identity.subject,
    )
    return link


def create_account(
    provider: IdentityProvider,
    identity: Identity,
    *,
    full_name: str,
    profession: str,
    hash_method: str,
    locale: str | None,
) -> User:
    """Create an account for a verified identity (just in time) and link it; sign-in follows.

    The account gets a random password nobody knows: it signs in through the provider, or its
    owner sets a password with "Forgot your password?".
    """
    try:
        with db.session.begin_nested():
            user = account_services.create_user(
                identity.email,
                full_name,
                secrets.token_urlsafe(32),
                profession=profession,
                hash_method=hash_method,
                confirmed_at=utcnow(),
                locale=locale,
            )
    except (account_services.AccountError, IntegrityError) as error:
        raise SignInRefused(
            _("An account with this email address already exists. Please sign in again."),
            "account-exists",
        ) from error
    record_event(
        user,
        "sso.account_created",
        "user",
        user.id,
        email=user.email,
        provider=provider.display_name,
    )
    link = link_identity(user, provider, identity, actor=user)
    _signed_in(provider, link, identity)
    return user
