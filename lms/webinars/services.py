"""Publish webinars, register people (with a waiting list), cancel, remind: the webinar verbs.

Services take explicit arguments, never read the request and never commit: the caller does.

Seats are race-safe: registering and cancelling first lock the webinar's row (SELECT ... FOR
UPDATE on PostgreSQL; on SQLite a form post's transaction already holds the database's write
lock, lms.database), so seats are counted and taken by one transaction at a time and two people
can never both get the last seat. The unique (webinar, person) pair keeps one registration per
person however often the button is pressed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.content.model import Diagnostic
from lms.extensions import db
from lms.webinars import emails
from lms.webinars.loader import CompiledWebinar, check_webinars, new_attendance_code
from lms.webinars.models import (
    RegistrationStatus,
    ReminderKind,
    Webinar,
    WebinarRegistration,
    WebinarReminder,
    WebinarStatus,
)

JOIN_OPENS_BEFORE = timedelta(minutes=15)
# Each reminder goes out once its moment has come, while the session has not started.
REMINDERS: tuple[tuple[ReminderKind, timedelta], ...] = (
    (ReminderKind.DAY, timedelta(hours=24)),
    (ReminderKind.HOUR, timedelta(hours=1)),
)


class RegistrationClosed(Exception):
    """The webinar cannot take registrations (cancelled, or already over)."""


# --- publishing -----------------------------------------------------------------------------


@dataclass
class PublishReport:
    """What a publish run did: each webinar's outcome and every problem found."""

    published: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


_COPIED = (
    "title",
    "summary",
    "language",
    "starts_at",
    "ends_at",
    "timezone",
    "capacity",
    "join_url",
    "recording_url",
    "course_slug",
    "body_html",
    "meta",
    "source_path",
)


def publish_webinars(root: Path, *, provider_name: str | None, now: datetime) -> PublishReport:
    """Check every webinar file under root and publish those without errors (compiled once)."""
    compiled, diagnostics = check_webinars(root, provider_name=provider_name)
    report = PublishReport(diagnostics=diagnostics)
    failed_files = {
        d.path.split("/")[0].split(".")[0] for d in diagnostics if d.severity == "error"
    }
    report.failed = sorted(failed_files)
    for item in compiled:
        publish_one(item, now=now)
        report.published.append(item.slug)
    return report


def publish_one(item: CompiledWebinar, *, now: datetime) -> Webinar:
    """Create or update the webinar of a compiled file; its attendance code is kept if set."""
    webinar = db.session.scalar(select(Webinar).filter_by(slug=item.slug))
    if webinar is None:
        webinar = Webinar(slug=item.slug, published_at=now, status=WebinarStatus.SCHEDULED)
        db.session.add(webinar)
    for name in _COPIED:
        setattr(webinar, name, getattr(item, name))
    webinar.attendance_code = (
        item.attendance_code or webinar.attendance_code or new_attendance_code()
    )
    webinar.updated_at = now
    db.session.flush()
    if webinar.id is not None:
        # More seats than before: the waiting list moves up at once, in order.
        promote_waiting(_lock(webinar.id), now=now)
    return webinar


# --- reading --------------------------------------------------------------------------------


def get_webinar(slug: str) -> Webinar | None:
    """Return the published webinar with this slug, or None."""
    return db.session.scalar(select(Webinar).filter_by(slug=slug))


def upcoming_and_past(now: datetime) -> tuple[list[Webinar], list[Webinar]]:
    """Return webinars not yet over (soonest first) and those over (latest first)."""
    webinars = list(db.session.scalars(select(Webinar).order_by(Webinar.starts_at, Webinar.id)))
    upcoming = [w for w in webinars if w.ends_at > now]
    past = [w for w in reversed(webinars) if w.ends_at <= now]
    return upcoming, past


def registration_for(webinar: Webinar, user: Any) -> WebinarRegistration | None:
    """Return a person's registration (of any status) for a webinar, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(WebinarRegistration).filter_by(webinar_id=webinar.id, user_id=user.id)
    )


def seats_taken(webinar: Webinar) -> int:
    """Return how many people hold a seat."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(WebinarRegistration)
            .filter_by(webinar_id=webinar.id, status=RegistrationStatus.REGISTERED)
        )
        or 0
    )


def waitlist_position(registration: WebinarRegistration) -> int | None:
    """Return a waitlisted registration's place in the queue (1 = next), else None."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(
        select(func.count())
        .select_from(WebinarRegistration)
        .where(
            WebinarRegistration.webinar_id == registration.webinar_id,
            WebinarRegistration.status == RegistrationStatus.WAITLISTED,
            (WebinarRegistration.created_at < registration.created_at)
            | (
                (WebinarRegistration.created_at == registration.created_at)
                & (WebinarRegistration.id < registration.id)
            ),
        )
    )
    return (ahead or 0) + 1


def join_open(webinar: Webinar, now: datetime) -> bool:
    """Return whether the join link may be shown: from 15 minutes before start to the end."""
    return (
        not webinar.is_cancelled and webinar.starts_at - JOIN_OPENS_BEFORE <= now < webinar.ends_at
    )


def can_join(webinar: Webinar, registration: WebinarRegistration | None, now: datetime) -> bool:
    """Return whether this registration may see the join link now."""
    return (
        registration is not None
        and registration.status == RegistrationStatus.REGISTERED
        and join_open(webinar, now)
    )


# --- registering ----------------------------------------------------------------------------


def _lock(webinar_id: int) -> Webinar:
    # Serialises seat counting per webinar on PostgreSQL; SQLite ignores FOR UPDATE but a form
    # post there already holds the database write lock (BEGIN IMMEDIATE, lms.database).
    webinar = db.session.scalar(select(Webinar).where(Webinar.id == webinar_id).with_for_update())
    if webinar is None:
        raise LookupError(webinar_id)
    return webinar


def _has_seat(webinar: Webinar) -> bool:
    return webinar.capacity is None or seats_taken(webinar) < webinar.capacity


def register(webinar_id: int, user: User, *, now: datetime) -> WebinarRegistration:
    """Give a person a seat, or a place at the end of the waiting list when seats are gone.

    Registering again while registered or waitlisted changes nothing. Queues the confirmation
    email (with the invitation) or the waiting-list email.
    """
    webinar = _lock(webinar_id)
    if webinar.is_cancelled or webinar.ends_at <= now:
        raise RegistrationClosed(webinar.slug)
    registration = db.session.scalar(
        select(WebinarRegistration).filter_by(webinar_id=webinar.id, user_id=user.id)
    )
    if registration is not None and registration.status != RegistrationStatus.CANCELLED:
        return registration
    status = RegistrationStatus.REGISTERED if _has_seat(webinar) else RegistrationStatus.WAITLISTED
    if registration is None:
        registration = WebinarRegistration(
            webinar_id=webinar.id, user_id=user.id, status=status, created_at=now
        )
        try:
            with db.session.begin_nested():
                db.session.add(registration)
        except IntegrityError:
            # The same person's other tab got there first: theirs is the registration.
            existing = db.session.scalar(
                select(WebinarRegistration).filter_by(webinar_id=webinar.id, user_id=user.id)
            )
            if existing is None:
                raise
            return existing
    else:
        # Coming back after cancelling: a new place, at the end of the queue.
        registration.status = status
        registration.created_at = now
        registration.cancelled_at = None
        registration.promoted_at = None
    db.session.flush()
    if status == RegistrationStatus.REGISTERED:
        emails.send_confirmation(webinar, user)
    else:
        emails.send_waitlisted(webinar, user)
    return registration


def cancel_registration(webinar_id: int, user: User, *, now: datetime) -> WebinarRegistration:
    """Give up a person's seat or place in the queue; promote the next people in order."""
    webinar = _lock(webinar_id)
    registration = db.session.scalar(
        select(WebinarRegistration).filter_by(webinar_id=webinar.id, user_id=user.id)
    )
    if registration is None or registration.status == RegistrationStatus.CANCELLED:
        raise LookupError("not registered")
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    db.session.flush()
    promote_waiting(webinar, now=now)
    return registration


def promote_waiting(webinar: Webinar, *, now: datetime) -> list[WebinarRegistration]:
    """Give free seats to the waiting list, first come first served; email each person."""
    promoted: list[WebinarRegistration] = []
    if webinar.is_cancelled or webinar.ends_at <= now:
        return promoted
    while _has_seat(webinar):
        nxt = db.session.scalar(
            select(WebinarRegistration)
            .filter_by(webinar_id=webinar.id, status=RegistrationStatus.WAITLISTED)
            .order_by(WebinarRegistration.created_at, WebinarRegistration.id)
            .limit(1)
        )
        if nxt is None:
            break
        nxt.status = RegistrationStatus.REGISTERED
        nxt.promoted_at = now
        db.session.flush()
        emails.send_promoted(webinar, nxt.user)
        promoted.append(nxt)
    return promoted


# --- reminders ------------------------------------------------------------------------------


def due_reminders(now: datetime) -> Iterable[tuple[WebinarRegistration, ReminderKind]]:
    """Yield (registration, kind) for reminders due now and not yet sent."""
    horizon = now + max(delta for _kind, delta in REMINDERS)
    webinars = db.session.scalars(
        select(Webinar).where(
            Webinar.status == WebinarStatus.SCHEDULED,
            Webinar.starts_at > now,
            Webinar.starts_at <= horizon,
        )
    )
    for webinar in webinars:
        kind = _current_kind(webinar.starts_at, now)
        if kind is None:
            continue
        mark = webinar.starts_at - dict(REMINDERS)[kind]
        sent = select(WebinarReminder.registration_id).where(WebinarReminder.kind == kind)
        registrations = db.session.scalars(
            select(WebinarRegistration)
            .where(
                WebinarRegistration.webinar_id == webinar.id,
                WebinarRegistration.status == RegistrationStatus.REGISTERED,
                WebinarRegistration.id.not_in(sent),
            )
            .order_by(WebinarRegistration.id)
        )
        for registration in registrations:
            # Someone who got their seat after the mark just had the confirmation email.
            got_seat = registration.promoted_at or registration.created_at
            if got_seat < mark:
                yield registration, kind


def _current_kind(starts_at: datetime, now: datetime) -> ReminderKind | None:
    # The closest reminder whose moment has passed: an hour before start, only the 1-hour one.
    current = None
    for kind, delta in REMINDERS:
        if now >= starts_at - delta:
            current = kind
    return current


def send_reminder(registration: WebinarRegistration, kind: ReminderKind, *, now: datetime) -> bool:
    """Record and queue one reminder; return False when it was already sent (by another run)."""
    try:
        with db.session.begin_nested():
            db.session.add(WebinarReminder(registration_id=registration.id, kind=kind, sent_at=now))
    except IntegrityError:
        return False
    emails.send_reminder(registration.webinar, registration.user, kind)
    return True
