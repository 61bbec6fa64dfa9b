"""Account verbs: register, confirm, authenticate, reset and change passwords, edit profiles.

Every function takes explicit arguments, flushes, and leaves the commit to the caller.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import and_, delete, func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from lms.accounts.models import (
    AccountToken,
    PasswordResetRequest,
    Role,
    TokenPurpose,
    User,
    new_session_token,
)
from lms.accounts.signals import name_changed
from lms.audit.services import record_event
from lms.database import utcnow
from lms.extensions import db

CONFIRM_MAX_AGE = timedelta(days=3)


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    # Checked when the email is unknown, so a sign-in takes as long either way.
    return generate_password_hash(secrets.token_hex(16), method=method)


class AccountError(Exception):
    """A request about an account that cannot be carried out, with a message for the person."""


@dataclass(frozen=True)
class Registration:
    """What happened at sign-up; the page shown is the same in both cases."""

    user: User
    created: bool


def normalise_email(email: str) -> str:
    """Return an email address in the form it is stored and compared."""
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    """Return the user with this email address, ignoring case, or None."""
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(
    email: str,
    full_name: str,
    password: str,
    *,
    profession: str,
    role: Role | str = Role.LEARNER,
    hash_method: str = "scrypt",
    confirmed_at: datetime | None = None,
    locale: str | None = None,
) -> User:
    """Create a user; raise AccountError when the email is taken."""
    if find_user_by_email(email) is not None:
        raise AccountError(_("An account with this email address already exists."))
    user = User(
        email=normalise_email(email),
        full_name=full_name.strip(),
        profession=profession,
        role=Role(role).value,
        email_confirmed_at=confirmed_at,
        locale=locale,
    )
    user.set_password(password, method=hash_method)
    db.session.add(user)
    db.session.flush()
    return user


def register_user(
    email: str,
    full_name: str,
    password: str,
    *,
    profession: str,
    hash_method: str,
    locale: str | None = None,
) -> Registration:
    """Sign a person up, or find their existing account without telling the requester.

    `locale` is the language ("es") the person was reading when they signed up: their emails
    and pages stay in it until they choose another.
    """
    existing = find_user_by_email(email)
    if existing is not None:
        # Hash anyway: answering faster for a known address would reveal that it has an account.
        generate_password_hash(password, method=hash_method)
        return Registration(existing, created=False)
    user = create_user(
        email, full_name, password, profession=profession, hash_method=hash_method, locale=locale
    )
    return Registration(user, created=True)


def authenticate(email: str, password: str, *, hash_method: str) -> User | None:
    """Return the active user with these credentials, or None, taking as long either way."""
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(hash_method), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def record_login(user: User) -> None:
    """Note when the user last signed in."""
    user.last_login_at = utcnow()


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, purpose: TokenPurpose, max_age: timedelta) -> str:
    """Create a one-time token for `user` and return its secret value (stored hashed)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        AccountToken(
            user=user,
            purpose=purpose.value,
            token_hash=_hash_token(token),
            created_at=now,
            expires_at=now + max_age,
        )
    )
    db.session.flush()
    return token


def _redeem_token(token: str, purpose: TokenPurpose) -> AccountToken:
    record = db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == _hash_token(token), AccountToken.purpose == purpose.value
        )
    )
    if record is None or record.used_at is not None:
        raise AccountError(_("This link has already been used or is not valid."))
    if record.expires_at <= utcnow():
        raise AccountError(_("This link has expired."))
    if not record.user.active:
        # A deactivated account keeps its records but must not be reopened through old links.
        raise AccountError(_("This link is not valid."))
    return record


def check_token(token: str, purpose: TokenPurpose) -> User:
    """Return the user a valid, unused token belongs to; raise AccountError otherwise."""
    return _redeem_token(token, purpose).user


def confirm_email(token: str) -> User:
    """Mark the token's email address as confirmed and use up the token."""
    record = _redeem_token(token, TokenPurpose.CONFIRM_EMAIL)
    record.used_at = utcnow()
    if record.user.email_confirmed_at is None:
        record.user.email_confirmed_at = utcnow()
    return record.user


def reset_password(token: str, new_password: str, *, hash_method: str) -> User:
    """Set a new password with a reset token, use up every outstanding reset token."""
    record = _redeem_token(token, TokenPurpose.RESET_PASSWORD)
    user = record.user
    _set_password(user, new_password, hash_method)
    # Receiving the reset email proves the address.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    return user


def change_password(user: User, current: str, new_password: str, *, hash_method: str) -> None:
    """Change a password after checking the current one."""
    if not user.check_password(current):
        raise AccountError(_("Your current password is not correct."))
    _set_password(user, new_password, hash_method)


def _set_password(user: User, password: str, hash_method: str) -> None:
    user.set_password(password, method=hash_method)
    end_sessions(user)
    # A reset link mailed before the change (perhaps to a mailbox someone else reads) must not
    # undo it.
    now = utcnow()
    for token in user.tokens:
        if token.purpose == TokenPurpose.RESET_PASSWORD.value and token.used_at is None:
            token.used_at = now
    db.session.flush()


def end_sessions(user: User) -> None:
    """Make every session and remember-me cookie of `user` worthless, wherever it was copied."""
    # Sessions carry this token rather than the user id; a new one matches none of them.
    user.session_token = new_session_token()
    db.session.flush()


def update_profile(
    user: User,
    *,
    full_name: str,
    profession: str,
    npi: str | None,
    abp_id: str | None,
    birth_month: int | None,
    birth_day: int | None,
    timezone: str | None = None,
    license_state: str | None = None,
    license_number: str | None = None,
) -> list[str]:
    """Save the person's name, profession, time zone and credit-reporting details.

    A change to the state of licensure or license number is audited (the number itself is
    not copied into the log). Return what other parts of the site did about a changed name,
    as sentences for the person.
    """
    new_state, new_number = license_state or None, license_number or None
    if (new_state, new_number) != (user.license_state, user.license_number):
        record_event(
            user,
            "profile.licensure_changed",
            "user",
            user.id,
            state=new_state,
            number_changed=new_number != user.license_number,
        )
    user.license_state, user.license_number = new_state, new_number
    old_name = user.full_name
    user.full_name = full_name.strip()
    user.profession = profession
    user.npi = npi or None
    user.abp_id = abp_id or None
    user.birth_month = birth_month
    user.birth_day = birth_day if birth_month else None
    user.timezone = timezone or None
    db.session.flush()
    if user.full_name == old_name:
        return []
    replies = name_changed.send(user, old_name=old_name)
    return [notice for _, notice in replies if notice]


def set_role(user: User, role: Role | str) -> None:
    """Give a user a role."""
    user.role = Role(role).value
    db.session.flush()


def set_language(user: User, code: str | None) -> None:
    """Write to `user` in the language `code` ("en", "es"), or in their browser's if None."""
    user.locale = code
    db.session.flush()


# A reset request not handled within a day is dropped with its address: a link that late helps
# no one, and a request that fails every time must not be retried for ever.
RESET_REQUEST_TTL = timedelta(days=1)
# Handled requests hold no address; they are kept a week for counting, then dropped.
KEEP_HANDLED_RESETS = timedelta(days=7)


def request_password_reset(email: str, language: str | None) -> PasswordResetRequest:
    """Record a request for a reset link, for any address, known or not; a job handles it."""
    row = PasswordResetRequest(
        email=normalise_email(email), language=language, requested_at=utcnow()
    )
    db.session.add(row)
    db.session.flush()
    return row


def claim_reset_request(request_id: int) -> PasswordResetRequest | None:
    """Return the unhandled request, locked until commit; None when handled or gone.

    The lock makes a second job for the same request (a sweep's, a retry's) wait, then find it
    handled, so one request never sends two emails.
    """
    row = db.session.scalar(
        select(PasswordResetRequest)
        .where(PasswordResetRequest.id == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None or row.handled_at is not None or row.email is None:
        return None
    return row


def mark_reset_handled(row: PasswordResetRequest) -> None:
    """Mark a request handled and forget the address it was for."""
    row.handled_at = utcnow()
    row.email = None


def pending_reset_ids(now: datetime, *, grace: timedelta = timedelta(0)) -> list[int]:
    """Return the ids of unhandled requests made at least `grace` ago and not yet stale."""
    return list(
        db.session.scalars(
            select(PasswordResetRequest.id)
            .where(
                PasswordResetRequest.handled_at.is_(None),
                PasswordResetRequest.requested_at <= now - grace,
                PasswordResetRequest.requested_at > now - RESET_REQUEST_TTL,
            )
            .order_by(PasswordResetRequest.id)
        )
    )


def prune_reset_requests(now: datetime) -> int:
    """Drop handled requests after a week and unhandled ones (with their address) after a day."""
    result = db.session.execute(
        delete(PasswordResetRequest)
        .where(
            or_(
                PasswordResetRequest.handled_at < now - KEEP_HANDLED_RESETS,
                and_(
                    PasswordResetRequest.handled_at.is_(None),
                    PasswordResetRequest.requested_at <= now - RESET_REQUEST_TTL,
                ),
            )
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
