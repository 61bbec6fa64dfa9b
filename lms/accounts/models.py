"""People who use the LMS, and the one-time tokens emailed to them."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from lms.database import UTCDateTime, utcnow
from lms.extensions import db


class Role(StrEnum):
    """What a person may do; each role includes the ones before it."""

    LEARNER = "learner"
    AUTHOR = "author"
    ADMIN = "admin"


class Profession(StrEnum):
    """The professions offered at sign-up; credit types depend on them."""

    TRAINEE = "pediatric-trainee"
    PHYSICIAN = "physician"
    NURSE = "nurse"
    SOCIAL_WORKER = "social-worker"
    CLINIC_STAFF = "clinic-staff"
    OTHER = "other"

    @property
    def label(self) -> str:
        """Return the name shown to people, in the reader's language."""
        return str(PROFESSION_LABELS[self])


# Lazy: the form's choices are built once, and each page shows them in its reader's language.
PROFESSION_LABELS = {
    Profession.TRAINEE: _l("Pediatric trainee (resident or fellow)"),
    Profession.PHYSICIAN: _l("Physician"),
    Profession.NURSE: _l("Nurse"),
    Profession.SOCIAL_WORKER: _l("Social worker"),
    Profession.CLINIC_STAFF: _l("Clinic staff"),
    Profession.OTHER: _l("Other"),
}

ROLE_RANK = {Role.LEARNER: 0, Role.AUTHOR: 1, Role.ADMIN: 2}


def new_session_token() -> str:
    """Return a fresh random token identifying a user's sessions."""
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    """A person with an account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    profession: Mapped[str] = mapped_column(String(32), default=Profession.OTHER.value)
    role: Mapped[str] = mapped_column(String(16), default=Role.LEARNER.value)
    active: Mapped[bool] = mapped_column(default=True)
    # Sessions and "remember me" cookies carry this token rather than the id, so rotating it
    # (on password change or reset) signs the person out everywhere else.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    npi: Mapped[str | None] = mapped_column(String(10))
    abp_id: Mapped[str | None] = mapped_column(String(20))
    birth_month: Mapped[int | None] = mapped_column(Integer)
    birth_day: Mapped[int | None] = mapped_column(Integer)
    # State medical boards match a physician on state of licensure and state license number
    # (ACCME PARS); the state is the USPS code (lms.accounts.states), shown by its full name.
    license_state: Mapped[str | None] = mapped_column(String(2))
    license_number: Mapped[str | None] = mapped_column(String(30))
    # Set while the learner has withdrawn consent to report their credit to boards (PARS).
    board_consent_withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The language pages and emails are written in for this person ("en", "es", lms.i18n);
    # None: follow the browser's.
    locale: Mapped[str | None] = mapped_column(String(8))
    # The IANA time zone webinar times are also shown in ("America/Los_Angeles"); None: not set.
    timezone: Mapped[str | None] = mapped_column(String(64))

    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the person deleted their account (lms.privacy): the row stays, anonymised, because
    # the accreditation records kept for six years point at it.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tokens: Mapped[list[AccountToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"

    def get_id(self) -> str:
        """Return the token Flask-Login keeps in the session."""
        return self.session_token

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sign-in to inactive users.
        return self.active

    def set_password(self, password: str, method: str = "scrypt") -> None:
        """Hash and store a new password."""
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        """Return whether `password` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def has_role(self, role: Role | str) -> bool:
        """Return whether this user holds `role` or a higher one."""
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(role)]

    @property
    def profession_label(self) -> str:
        """Return the person's profession as shown on pages."""
        try:
            return Profession(self.profession).label
        except ValueError:
            return self.profession


class TokenPurpose(StrEnum):
    """What an emailed one-time token lets its holder do."""

    CONFIRM_EMAIL = "confirm-email"
    RESET_PASSWORD = "reset-password"  # noqa: S105 (a purpose name, not a password)


class AccountToken(db.Model):
    """A one-time, expiring token sent by email; only its SHA-256 is stored."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")


class PasswordResetRequest(db.Model):
    """A request for a reset link, kept until a job has handled it, whether or not the account
    exists (so the answer and its timing tell nothing); the address is erased once handled."""

    __tablename__ = "password_reset_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Normalised; None once handled: the address is kept only as long as the job needs it.
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    language: Mapped[str | None] = mapped_column(String(16))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
