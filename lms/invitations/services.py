"""Invitation verbs: invite, resend, revoke, accept; and the preview and apply of a CSV import.

Inviting never tells the inviter whether the person already had an account: a new person gets
a one-time link to set a password, an existing one is added at once and gets a notice; the
inviter sees the same message either way (the preview says "will be invited" for both).
Every function takes explicit arguments, flushes, and leaves the commit to the caller.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.accounts import services as account_services
from lms.accounts.models import User
from lms.audit.services import record_event
from lms.courses.models import Course
from lms.extensions import db
from lms.invitations import emails
from lms.invitations.imports import StaffRow
from lms.invitations.models import Invitation
from lms.organizations import services as organization_services
from lms.organizations.models import Assignment, Membership, Organization

INVITATION_LIFETIME = timedelta(days=14)
# Enough rows for the largest health system's staff list, few enough to preview quickly.
MAX_IMPORT_ROWS = 10_000


class InvitationError(Exception):
    """An invitation that cannot be sent or accepted, with a message for the person."""


def hash_token(token: str) -> str:
    """Return the stored form of an invitation token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Invitee:
    """Who to invite, and the course to assign them (optional)."""

    email: str
    full_name: str
    profession: str
    role: str = "member"
    course: Course | None = None
    due_date: date | None = None
    locale: str | None = None


def _new_token(invitation: Invitation, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    invitation.token_hash = hash_token(token)
    invitation.sent_at = now
    invitation.expires_at = now + INVITATION_LIFETIME
    invitation.revoked_at = None
    return token


def _send(invitation: Invitation, token: str, actor: User | None) -> None:
    emails.send_invitation(
        email=invitation.email,
        full_name=invitation.full_name,
        locale=invitation.locale,
        organization=invitation.organization,
        inviter=actor,
        token=token,
        expires_at=invitation.expires_at,
    )


def _assign_once(
    organization: Organization, user: User, course: Course, due_date: date, actor: User | None
) -> bool:
    """Assign a course to one person for the organization unless it already is; say if it was."""
    exists = db.session.scalar(
        select(Assignment.id).where(
            Assignment.owner_organization_id == organization.id,
            Assignment.course_id == course.id,
            Assignment.user_id == user.id,
        )
    )
    if exists is not None:
        return False
    organization_services.assign_course(
        course,
        due_date=due_date,
        actor=actor,
        user=user,
        owner=organization,
        # The due date was checked when the person was invited: accepting late still assigns.
        today=due_date,
    )
    return True


def invite(
    organization: Organization, invitee: Invitee, *, actor: User | None, now: datetime
) -> bool:
    """Invite a person to an organization (or add them, if they have an account).

    Return whether anything changed, so a repeated invite (or re-import) changes nothing.
    """
    email = account_services.normalise_email(invitee.email)
    user = account_services.find_user_by_email(email)
    if user is not None:
        return _add_existing(organization, user, invitee, actor=actor)
    invitation = db.session.scalar(
        select(Invitation).where(
            Invitation.organization_id == organization.id, Invitation.email == email
        )
    )
    if invitation is not None and invitation.state(now) == "pending":
        return False
    if invitation is None:
        invitation = Invitation(organization_id=organization.id, email=email, created_at=now)
    invitation.full_name = invitee.full_name
    invitation.profession = invitee.profession
    invitation.role = invitee.role
    invitation.course_id = invitee.course.id if invitee.course else None
    invitation.due_date = invitee.due_date
    invitation.locale = invitee.locale
    invitation.invited_by_id = actor.id if actor else None
    invitation.accepted_at = None
    token = _new_token(invitation, now)
    try:
        # Added inside the savepoint: begin_nested() flushes what is pending before it starts.
        with db.session.begin_nested():
            db.session.add(invitation)
    except IntegrityError:
        # The same person invited at the same moment by someone else: theirs stands.
        return False
    record_event(actor, "organization.invited", "organization", organization.id, email=email)
    _send(invitation, token, actor)
    return True


def _add_existing(
    organization: Organization, user: User, invitee: Invitee, *, actor: User | None
) -> bool:
    membership = db.session.scalar(
        select(Membership).where(
            Membership.organization_id == organization.id, Membership.user_id == user.id
        )
    )
    changed = False
    if membership is None or membership.role != invitee.role:
        try:
            with db.session.begin_nested():
                organization_services.add_member(organization, user, invitee.role, actor=actor)
        except IntegrityError:
            return False  # added at the same moment by someone else
        changed = True
    if invitee.course is not None and invitee.due_date is not None:
        changed = (
            _assign_once(organization, user, invitee.course, invitee.due_date, actor) or changed
        )
    if membership is None:
        emails.send_added_notice(user, organization=organization, inviter=actor)
    return changed


def resend(invitation: Invitation, *, actor: User | None, now: datetime) -> None:
    """Send an invitation again with a new link (the old link stops working)."""
    if invitation.accepted_at is not None:
        raise InvitationError(_("This invitation was already accepted."))
    token = _new_token(invitation, now)
    db.session.flush()
    record_event(
        actor,
        "organization.invitation_resent",
        "organization",
        invitation.organization_id,
        email=invitation.email,
    )
    _send(invitation, token, actor)


def revoke(invitation: Invitation, *, actor: User | None, now: datetime) -> None:
    """Stop an invitation's link from working."""
    if invitation.accepted_at is not None:
        raise InvitationError(_("This invitation was already accepted."))
    invitation.revoked_at = now
    db.session.flush()
    record_event(
        actor,
        "organization.invitation_revoked",
        "organization",
        invitation.organization_id,
        email=invitation.email,
    )


def find_open_invitation(token: str, *, now: datetime) -> Invitation:
    """Return the pending invitation a link's token belongs to.

    :raise InvitationError: for an unknown, used, revoked or expired link.
    """
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    )
    if invitation is None:
        raise InvitationError(_("This invitation link is not valid."))
    state = invitation.state(now)
    if state == "accepted":
        raise InvitationError(_("This invitation was already accepted. Please sign in."))
    if state == "revoked":
        raise InvitationError(
            _("This invitation was withdrawn. Please ask the person who invited you.")
        )
    if state == "expired":
        raise InvitationError(
            _(
                "This invitation has expired. "
                "Please ask the person who invited you to send it again."
            )
        )
    return invitation


def accept(
    invitation: Invitation,
    *,
    full_name: str,
    password: str | None,
    hash_method: str,
    now: datetime,
) -> User:
    """Create the invitee's account (or find it), put them in the organization, use the link.

    `password` is None only when the person's identity was proven another way: single sign-on
    calls this with the identity provider's verified email instead of a password step.
    """
    user = account_services.find_user_by_email(invitation.email)
    if user is None:
        if password is None:
            # An account without a password cannot be signed into until the person resets it.
            password = secrets.token_urlsafe(32)
        user = account_services.create_user(
            invitation.email,
            full_name or invitation.full_name,
            password,
            profession=invitation.profession,
            hash_method=hash_method,
            confirmed_at=now,  # the link reached this mailbox
            locale=invitation.locale,
        )
    organization = invitation.organization
    organization_services.add_member(organization, user, invitation.role, actor=user)
    if invitation.course is not None and invitation.due_date is not None:
        _assign_once(
            organization, user, invitation.course, invitation.due_date, invitation.invited_by
        )
    invitation.accepted_at = now
    invitation.user_id = user.id
    db.session.flush()
    record_event(
        user, "organization.invitation_accepted", "organization", organization.id, email=user.email
    )
    return user


def accept_verified(
    invitation_id: int, email: str, *, full_name: str, hash_method: str, now: datetime
) -> Invitation | None:
    """Accept an open invitation for the person an identity provider verified as `email`.

    Returns None, changing nothing, when the invitation is no longer open or is for another
    address: the provider's word about one address is no proof about another.
    """
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.state(now) != "pending":
        return None
    if invitation.email.casefold() != email.casefold():
        return None
    accept(invitation, full_name=full_name, password=None, hash_method=hash_method, now=now)
    return invitation


def invitations_of(organization: Organization) -> list[Invitation]:
    """Return the organization's invitations not yet accepted, newest first."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.organization_id == organization.id, Invitation.accepted_at.is_(None))
            .order_by(Invitation.sent_at.desc(), Invitation.id.desc())
        )
    )


# --- CSV import: preview, then all-or-nothing apply -----------------------------------------


@dataclass(frozen=True)
class PlannedRow:
    """What importing one line of the file will do."""

    line: int
    email: str
    full_name: str
    outcome: str  # "invite", "member", "invited", "duplicate" or "error"
    message: str
    row: StaffRow | None = None
    course: Course | None = None


@dataclass(frozen=True)
class ImportPlan:
    """The preview of a whole file: one planned row per line, errors included."""

    rows: list[PlannedRow] = field(default_factory=list)

    @property
    def errors(self) -> list[PlannedRow]:
        """Return the rows that stop the file from being applied."""
        return [row for row in self.rows if row.outcome == "error"]

    def count(self, outcome: str) -> int:
        """Return how many rows have this outcome."""
        return sum(1 for row in self.rows if row.outcome == outcome)


def _chunks(values: Sequence[str], size: int = 500) -> list[Sequence[str]]:
    return [values[n : n + size] for n in range(0, len(values), size)]


def plan_import(
    organization: Organization,
    rows: Sequence[StaffRow | tuple[int, str]],
    *,
    may_appoint_managers: bool,
    today: date,
    now: datetime,
) -> ImportPlan:
    """Return what importing these rows would do, line by line, in a fixed number of queries.

    `rows` holds parsed rows and (line, reason) pairs for lines that could not be read.
    """
    staff = [row for row in rows if isinstance(row, StaffRow)]
    emails_ = sorted({row.email for row in staff})
    users: dict[str, User] = {}
    for chunk in _chunks(emails_):
        for user in db.session.scalars(select(User).where(func.lower(User.email).in_(chunk))):
            users[user.email.lower()] = user
    members = {
        m.user_id: m
        for m in db.session.scalars(
            select(Membership).where(Membership.organization_id == organization.id)
        )
    }
    invited = {
        i.email: i
        for i in db.session.scalars(
            select(Invitation).where(Invitation.organization_id == organization.id)
        )
    }
    slugs = sorted({row.course_slug for row in staff if row.course_slug})
    courses = (
        {
            c.slug: c
            for c in db.session.scalars(
                select(Course).where(
                    Course.slug.in_(slugs),
                    Course.current_version_id.is_not(None),
                    Course.withdrawn_at.is_(None),
                )
            )
        }
        if slugs
        else {}
    )
    # Translated once: the same few words are said of thousands of lines.
    said = {
        "invite": _("Will be invited."),
        "member": _("Already in the organization."),
        "role": _("Already in the organization; their role will change."),
        "invited": _("Already invited."),
    }
    seen: dict[str, StaffRow] = {}
    planned: list[PlannedRow] = []
    for row in rows:
        if not isinstance(row, StaffRow):
            line, reason = row
            planned.append(PlannedRow(line, "", "", "error", reason))
            continue
        planned.append(
            _plan_row(
                row, seen, users, members, invited, courses, may_appoint_managers, today, now, said
            )
        )
    planned.sort(key=lambda r: r.line)
    return ImportPlan(planned)


def _plan_row(
    row: StaffRow,
    seen: dict[str, StaffRow],
    users: dict[str, User],
    members: dict[int, Membership],
    invited: dict[str, Invitation],
    courses: dict[str, Course],
    may_appoint_managers: bool,
    today: date,
    now: datetime,
    said: dict[str, str],
) -> PlannedRow:
    def error(message: str) -> PlannedRow:
        return PlannedRow(row.line, row.email, row.full_name, "error", message, row)

    earlier = seen.get(row.email)
    if earlier is not None:
        if earlier.same_person_as(row):
            return PlannedRow(
                row.line,
                row.email,
                row.full_name,
                "duplicate",
                _("The same as line %(line)d: imported once.", line=earlier.line),
                row,
            )
        return error(
            _(
                "This email address is also on line %(line)d with different details.",
                line=earlier.line,
            )
        )
    seen[row.email] = row
    if row.role == "manager" and not may_appoint_managers:
        return error(_("Only chapter and site admins can appoint managers."))
    course = None
    if row.course_slug:
        course = courses.get(row.course_slug)
        if course is None:
            return error(
                _(
                    "No course available for assignment has the address %(slug)s.",
                    slug=row.course_slug,
                )
            )
        if row.due_date is not None and row.due_date < today:
            return error(_("The due date has passed; choose today or later."))
    user = users.get(row.email)
    membership = members.get(user.id) if user is not None else None
    if membership is not None:
        message = said["role"] if membership.role != row.role else said["member"]
        return PlannedRow(row.line, row.email, row.full_name, "member", message, row, course)
    invitation = invited.get(row.email)
    if user is None and invitation is not None and invitation.state(now) == "pending":
        return PlannedRow(
            row.line, row.email, row.full_name, "invited", said["invited"], row, course
        )
    # The same words whether or not the person has an account: the preview reveals nothing.
    return PlannedRow(row.line, row.email, row.full_name, "invite", said["invite"], row, course)


@dataclass(frozen=True)
class ImportResult:
    """How many people an applied import invited or changed."""

    invited: int
    changed: int


def apply_import(
    organization: Organization, plan: ImportPlan, *, actor: User | None, now: datetime
) -> ImportResult:
    """Carry out a preview with no errors, all of it (the caller commits once, or not at all)."""
    if plan.errors:
        raise InvitationError(_("Correct the lines with problems, then import the file again."))
    invited = changed = 0
    for planned in plan.rows:
        if planned.outcome not in {"invite", "member"} or planned.row is None:
            continue
        row = planned.row
        did = invite(
            organization,
            Invitee(
                email=row.email,
                full_name=row.full_name,
                profession=row.profession,
                role=row.role,
                course=planned.course,
                due_date=row.due_date,
                locale=row.language,
            ),
            actor=actor,
            now=now,
        )
        if did:
            if planned.outcome == "invite":
                invited += 1
            else:
                changed += 1
    record_event(
        actor,
        "organization.staff_imported",
        "organization",
        organization.id,
        rows=len(plan.rows),
        invited=invited,
        changed=changed,
    )
    return ImportResult(invited, changed)
