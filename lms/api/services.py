"""API tokens: create, revoke, authenticate; what a token may see; the log of its uses."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import false, or_, select, true, update

from lms.accounts.models import User
from lms.audit.services import record_event
from lms.chapters.models import Chapter, ChapterAdmin
from lms.extensions import db
from lms.organizations.models import Membership, Organization

from .models import ApiToken, ApiUse

# Scope -> what it allows, as shown beside its checkbox.
SCOPES = {
    "read:users": _l("Read people (admins' personal tokens only)"),
    "read:organizations": _l("Read organizations and their members"),
    "read:assignments": _l("Read assignments"),
    "write:assignments": _l("Create assignments"),
    "read:progress": _l("Read enrollments and progress"),
    "read:completions": _l("Read completions"),
    "read:certificates": _l("Read credit claims and certificates, with their PDFs"),
    "read:webinars": _l("Read webinars, registrations and attendance"),
}
MAX_LIFETIME = timedelta(days=366)
TOKEN_PREFIX = "lms_"  # noqa: S105  (a marker that makes leaked tokens easy to spot)
# Recording the last use at most this often keeps a busy token from rewriting its row per request.
LAST_USED_GRANULARITY = timedelta(minutes=1)


class TokenError(ValueError):
    """A token request that cannot be granted, with a message for the person."""


def hash_token(raw: str) -> str:
    """Return the sha256 hex digest stored for a token."""
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(
    name: str,
    scopes: list[str],
    expires_at: datetime,
    *,
    actor: User,
    now: datetime,
    user: User | None = None,
    organization: Organization | None = None,
    chapter: Chapter | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for exactly one owner and return it with its plaintext (shown once)."""
    if sum(owner is not None for owner in (user, organization, chapter)) != 1:
        raise TokenError(_l("Choose who owns the token."))
    unknown = set(scopes) - set(SCOPES)
    if not scopes or unknown:
        raise TokenError(_l("Choose at least one permission."))
    if not now < expires_at <= now + MAX_LIFETIME:
        raise TokenError(_l("Choose an expiry date after today and within a year."))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name.strip(),
        token_hash=hash_token(raw),
        prefix=raw[: len(TOKEN_PREFIX) + 4],
        user_id=user.id if user else None,
        organization_id=organization.id if organization else None,
        chapter_id=chapter.id if chapter else None,
        scopes=" ".join(sorted(set(scopes))),
        created_by_id=actor.id,
        created_at=now,
        expires_at=expires_at,
    )
    db.session.add(token)
    db.session.flush()
    record_event(
        actor, "api_token.created", "api_token", token.id, name=token.name, scopes=token.scopes
    )
    return token, raw


def revoke_token(token: ApiToken, *, actor: User, now: datetime) -> None:
    """Revoke a token for good (revoking twice changes nothing)."""
    if token.revoked_at is not None:
        return
    token.revoked_at = now
    db.session.flush()
    record_event(actor, "api_token.revoked", "api_token", token.id, name=token.name)


def find_active_token(raw: str, now: datetime) -> ApiToken | None:
    """Return the unexpired, unrevoked token with this plaintext whose owner is active."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    if token.user is not None and not token.user.active:
        return None
    return token


def record_use(token_id: int, method: str, path: str, status: int, now: datetime) -> None:
    """Log one request made with a token and note its last use (at most once a minute)."""
    db.session.add(ApiUse(token_id=token_id, at=now, method=method, path=path[:300], status=status))
    db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(
                ApiToken.last_used_at.is_(None),
                ApiToken.last_used_at < now - LAST_USED_GRANULARITY,
            ),
        )
        .values(last_used_at=now)
    )


def recent_uses(token: ApiToken, limit: int = 50) -> list[ApiUse]:
    """Return a token's latest uses, newest first."""
    return list(
        db.session.scalars(
            select(ApiUse)
            .where(ApiUse.token_id == token.id)
            .order_by(ApiUse.at.desc(), ApiUse.id.desc())
            .limit(limit)
        )
    )


def tokens_visible_to(user: User) -> list[ApiToken]:
    """Return the tokens a person may manage: all for admins, their chapters' for chapter admins."""
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if not user.has_role("admin"):
        mine = select(ChapterAdmin.chapter_id).where(ChapterAdmin.user_id == user.id)
        query = query.where(ApiToken.chapter_id.in_(mine))
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class Reach:
    """What a token may see: everything, or some organizations and the people in them.

    The same rules as the web: a site admin sees all; a chapter (or its admin) its chapter's
    organizations; an organization (or its manager) itself; anyone else only themselves.
    """

    everything: bool
    organization_ids: frozenset[int]
    self_id: int | None = None

    def organizations(self) -> Any:
        """Return a SQL condition on Organization.id."""
        return true() if self.everything else Organization.id.in_(self.organization_ids)

    def users(self, column: Any) -> Any:
        """Return a SQL condition on a user id column: the people this token may see."""
        if self.everything:
            return true()
        members = select(Membership.user_id).where(
            Membership.organization_id.in_(self.organization_ids)
        )
        mine = column == self.self_id if self.self_id is not None else false()
        return or_(column.in_(members), mine)

    def allows_organization(self, organization_id: int) -> bool:
        """Return whether the token may see this organization."""
        return self.everything or organization_id in self.organization_ids


def reach_of(token: ApiToken) -> Reach:
    """Return what a token may see, from its owner's standing now."""
    if token.organization_id is not None:
        return Reach(False, frozenset({token.organization_id}))
    if token.chapter_id is not None:
        ids = db.session.scalars(
            select(Organization.id).where(Organization.chapter_id == token.chapter_id)
        )
        return Reach(False, frozenset(ids))
    user = token.user
    assert user is not None  # noqa: S101  (the one_owner constraint)
    if user.has_role("admin"):
        return Reach(True, frozenset(), user.id)
    chapters = select(ChapterAdmin.chapter_id).where(ChapterAdmin.user_id == user.id)
    managed = select(Membership.organization_id).where(
        Membership.user_id == user.id, Membership.role == "manager"
    )
    ids = db.session.scalars(
        select(Organization.id).where(
            or_(Organization.chapter_id.in_(chapters), Organization.id.in_(managed))
        )
    )
    return Reach(False, frozenset(ids), user.id)


def default_expiry(now: datetime) -> datetime:
    """Return the expiry offered by default: ninety days."""
    return now + timedelta(days=90)
