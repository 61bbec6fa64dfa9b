"""Organization verbs: members and managers, assignments, statuses and reminders.

Every function takes explicit arguments, flushes, and leaves the commit to the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from flask_babel import gettext as _
from sqlalchemy import bindparam, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from lms.accounts.models import User
from lms.audit.services import record_event
from lms.certificates.models import Completion
from lms.chapters.models import Chapter, ChapterAdmin
from lms.courses.models import Course, CourseVersion
from lms.dates import utc_day
from lms.extensions import db
from lms.i18n import locale_for, sort_key_for_name
from lms.organizations.models import Assignment, Membership, Organization, ReminderLog
from lms.organizations.recurrence import due_again_on, retraining_status
from lms.organizations.signals import assignment_overdue
from lms.organizations.status import Status, assignment_status, needs_reminder, period_start
from lms.paths.models import PathAssignment, PathReminderLog
from lms.paths.services import organizations_of, path_statuses_for
from lms.progress.models import Enrolment
from lms.progress.services import Progress, progress_for_enrolments


class OrganizationError(Exception):
    """An organization action that cannot be carried out, with a message for the person."""


def create_organization(
    name: str, kind: str, *, actor: User | None, chapter: Chapter | None = None
) -> Organization:
    """Create an organization with a unique name, in a chapter or on its own."""
    name = " ".join(name.split())
    if db.session.scalar(
        select(Organization.id).where(func.lower(Organization.name) == name.lower())
    ):
        raise OrganizationError(_("An organization called %(name)s already exists.", name=name))
    organization = Organization(name=name, kind=kind, chapter_id=chapter.id if chapter else None)
    db.session.add(organization)
    db.session.flush()
    record_event(
        actor,
        "organization.created",
        "organization",
        organization.id,
        name=name,
        chapter=chapter.name if chapter else None,
    )
    return organization


def add_member(
    organization: Organization, user: User, role: str, *, actor: User | None
) -> Membership:
    """Add a person to an organization as a member or manager (or change their role there)."""
    membership = db.session.scalar(
        select(Membership).where(
            Membership.organization_id == organization.id, Membership.user_id == user.id
        )
    )
    if membership is None:
        membership = Membership(organization_id=organization.id, user_id=user.id, role=role)
        db.session.add(membership)
    else:
        membership.role = role
    db.session.flush()
    record_event(
        actor,
        "organization.member_set",
        "organization",
        organization.id,
        user=user.email,
        role=role,
    )
    return membership


def remove_member(membership: Membership, *, actor: User | None) -> None:
    """Take a person out of an organization; what they completed stays on their record."""
    record_event(
        actor,
        "organization.member_removed",
        "organization",
        membership.organization_id,
        user=membership.user.email,
    )
    db.session.delete(membership)
    db.session.flush()


def managed_organizations(user: User) -> list[Organization]:
    """Return the organizations a person manages."""
    return list(
        db.session.scalars(
            select(Organization)
            .join(Membership)
            .where(Membership.user_id == user.id, Membership.role == "manager")
            .order_by(Organization.name)
        )
    )


def can_lead(user: User, organization: Organization) -> bool:
    """Return whether a person may appoint managers here: a site admin or its chapter's admin."""
    if user.has_role("admin"):
        return True
    if organization.chapter_id is None:
        return False
    return (
        db.session.scalar(
            select(ChapterAdmin.id).where(
                ChapterAdmin.chapter_id == organization.chapter_id,
                ChapterAdmin.user_id == user.id,
            )
        )
        is not None
    )


def can_manage(user: User, organization: Organization) -> bool:
    """Return whether a person may see and manage this organization.

    Site admins manage every organization, chapter admins their chapter's, managers their own.
    """
    if can_lead(user, organization):
        return True
    return any(o.id == organization.id for o in managed_organizations(user))


def assign_course(
    course: Course,
    *,
    due_date: date,
    actor: User | None,
    organization: Organization | None = None,
    user: User | None = None,
    owner: Organization | None = None,
    today: date,
    recur_months: int | None = None,
    recur_on_date: bool = False,
) -> Assignment:
    """Assign a course to one person or a whole organization, due by a date.

    Assigning a course again to a person the same organization already assigned it to returns
    that assignment unchanged (so a double submission or a race makes one, not two).
    `owner` is the organization making the assignment (default: the one assigned to). With
    `recur_months` the course is due again that many months after each completion, or, with
    `recur_on_date`, every `recur_months` on the due date's anniversary.
    """
    if recur_months is not None and not 1 <= recur_months <= 120:
        raise OrganizationError(_("Choose how often the course comes round again."))
    if (organization is None) == (user is None):
        raise OrganizationError(_("Assign the course to one person or to one organization."))
    if due_date < today:
        raise OrganizationError(_("Choose a due date today or later."))
    if course.current_version is None or course.withdrawn_at is not None:
        raise OrganizationError(_("That course is not available for assignment."))
    owner_id = (owner or organization).id if (owner or organization) else None
    if user is not None and owner_id is not None:
        existing = person_assignment(owner_id, user.id, course.id)
        if existing is not None:
            return existing
    assignment = Assignment(
        course_id=course.id,
        organization_id=organization.id if organization else None,
        user_id=user.id if user else None,
        owner_organization_id=owner_id,
        due_date=due_date,
        assigned_by_id=actor.id if actor else None,
        recur_months=recur_months,
        recur_on_date=bool(recur_months and recur_on_date),
    )
    try:
        with db.session.begin_nested():
            db.session.add(assignment)
    except IntegrityError:
        # The same course assigned to the same person by a request racing this one: theirs
        # stands (the unique index uq_assignments_owner_person_course), and this one is a no-op.
        if user is None or owner_id is None:
            raise
        existing = person_assignment(owner_id, user.id, course.id)
        if existing is None:
            raise
        return existing
    record_event(
        actor,
        "assignment.created",
        "assignment",
        assignment.id,
        course=course.slug,
        organization=organization.name if organization else None,
        user=user.email if user else None,
        due=due_date.isoformat(),
        recur_months=recur_months,
        recur_on_date=bool(recur_months and recur_on_date),
    )
    return assignment


def person_assignment(owner_id: int, user_id: int, course_id: int) -> Assignment | None:
    """Return the organization's assignment of a course to one person, if it made one."""
    return db.session.scalar(
        select(Assignment).where(
            Assignment.owner_organization_id == owner_id,
            Assignment.user_id == user_id,
            Assignment.course_id == course_id,
        )
    )


def remove_assignment(assignment: Assignment, *, actor: User | None) -> None:
    """Remove an assignment; learners keep whatever they completed."""
    record_event(
        actor, "assignment.removed", "assignment", assignment.id, course=assignment.course.slug
    )
    db.session.delete(assignment)
    db.session.flush()


@dataclass(frozen=True)
class AssignedCourse:
    """A course assigned to a person, with the earliest due date that applies to them."""

    assignment: Assignment
    course: Course
    version: CourseVersion
    due_date: date
    status: Status
    progress: Progress | None
    completed_on: date | None = None  # the UTC day of the first completion
    last_completed_on: date | None = None  # the UTC day of the latest completion
    due_again_on: date | None = None  # when the latest completion stops counting (recurring)


def _assignments_reaching(
    user_ids: list[int], org_ids: list[int], owner: Organization | None = None
) -> list[Assignment]:
    conditions = []
    if user_ids:
        conditions.append(Assignment.user_id.in_(user_ids))
    if org_ids:
        conditions.append(Assignment.organization_id.in_(org_ids))
    if not conditions:
        return []
    query = select(Assignment).where(or_(*conditions))
    if owner is not None:
        query = query.where(Assignment.owner_organization_id == owner.id)
    return list(db.session.scalars(query))


def _completed_courses(user_ids: list[int]) -> dict[tuple[int, int], tuple[date, date]]:
    """Return the UTC days each person first and last completed each course."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        select(
            Completion.user_id,
            Completion.course_id,
            func.min(Completion.completed_at),
            func.max(Completion.completed_at),
        )
        .where(Completion.user_id.in_(user_ids))
        .group_by(Completion.user_id, Completion.course_id)
    ).all()
    # func.min() bypasses the column type, so SQLite hands back a naive (UTC) datetime.
    return {
        (user_id, course_id): (utc_day(first), utc_day(last))
        for user_id, course_id, first, last in rows
    }


def _enrolments(user_ids: list[int]) -> dict[tuple[int, int], Enrolment]:
    if not user_ids:
        return {}
    return {
        (e.user_id, e.course_id): e
        # Oldest first, so a learner's open (newest) enrolment is the one kept per course.
        for e in db.session.scalars(
            select(Enrolment)
            .where(Enrolment.user_id.in_(user_ids))
            .order_by(Enrolment.enrolled_at, Enrolment.id)
        )
    }


# Whether anything is assigned to a person, directly or through their organisations: most
# learners have nothing, and then My learning need not read the assignments at all.
_MEMBER_OF = select(Membership.organization_id).where(Membership.user_id == bindparam("user_id"))
_ASSIGNED = select(
    exists().where(
        or_(Assignment.user_id == bindparam("user_id"), Assignment.organization_id.in_(_MEMBER_OF))
    ),
    exists().where(
        or_(
            PathAssignment.user_id == bindparam("user_id"),
            PathAssignment.organization_id.in_(_MEMBER_OF),
        )
    ),
)


def assigned_anything(user_id: int) -> tuple[bool, bool]:
    """Return whether any course, and any learning path, is assigned to the person, in one query."""
    courses, paths = db.session.execute(_ASSIGNED, {"user_id": user_id}).one()
    return bool(courses), bool(paths)


def statuses_for(
    users: list[User],
    *,
    today: date,
    owner: Organization | None = None,
    orgs_of: dict[int, set[int]] | None = None,
) -> dict[int, list[AssignedCourse]]:
    """Return each person's assigned courses with status and progress, in a fixed query count.

    With `owner`, count only the assignments that organisation made. `orgs_of` (from
    `organizations_of`) spares the memberships query when the caller has it.
    """
    user_ids = [u.id for u in users]
    if orgs_of is None:
        orgs_of = organizations_of(user_ids)
    assignments = _assignments_reaching(
        user_ids, sorted({org for orgs in orgs_of.values() for org in orgs}), owner
    )
    if not assignments:
        return {user_id: [] for user_id in user_ids}
    courses = {
        c.id: c
        for c in db.session.scalars(
            select(Course).where(Course.id.in_({a.course_id for a in assignments}))
        )
    }
    versions = {
        v.id: v
        for v in db.session.scalars(
            select(CourseVersion).where(
                CourseVersion.id.in_({c.current_version_id for c in courses.values()})
            )
        )
    }
    completed = _completed_courses(user_ids)
    enrolments = _enrolments(user_ids)
    progress = progress_for_enrolments(list(enrolments.values()))
    result: dict[int, list[AssignedCourse]] = {}
    for user_id in user_ids:
        earliest: dict[int, Assignment] = {}
        for a in assignments:
            if a.user_id == user_id or a.organization_id in orgs_of.get(user_id, ()):
                current = earliest.get(a.course_id)
                if current is None or a.due_date < current.due_date:
                    earliest[a.course_id] = a
        rows = []
        for course_id, a in earliest.items():
            course = courses[course_id]
            enrolment = enrolments.get((user_id, course_id))
            p = progress.get(enrolment.id) if enrolment else None
            first, last = completed.get((user_id, course_id), (None, None))
            status: Status = assignment_status(
                completed=last is not None,
                started=enrolment is not None,
                due_date=a.due_date,
                today=today,
            )
            again = None
            if last is not None:
                again = due_again_on(
                    last,
                    valid_for_months=versions[course.current_version_id].valid_for_months,
                    recur_months=a.recur_months,
                    recur_on_date=a.recur_on_date,
                    anchor=a.due_date,
                )
                if again is not None:
                    status = retraining_status(again, today=today)
            version = enrolment.version if enrolment else versions[course.current_version_id]
            rows.append(
                AssignedCourse(a, course, version, a.due_date, status, p, first, last, again)
            )
        rows.sort(key=lambda r: (r.status in ("completed", "current"), r.due_date, r.version.title))
        result[user_id] = rows
    return result


def owned_assignments(organization: Organization) -> list[Assignment]:
    """Return the assignments an organisation made, soonest due first."""
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.owner_organization_id == organization.id)
            .options(
                joinedload(Assignment.user),
                joinedload(Assignment.course).joinedload(Course.current_version),
            )
            .order_by(Assignment.due_date, Assignment.id)
        )
    )


def organization_members(organization: Organization) -> list[Membership]:
    """Return an organization's memberships, people sorted by name as readers expect."""
    members = db.session.scalars(
        select(Membership)
        .join(User)
        .options(contains_eager(Membership.user))
        .where(Membership.organization_id == organization.id)
        .order_by(User.id)
    )
    # In Python: the databases' own orders put "Ángel" after "Zoe" and "alba" after "Zoe".
    return sorted(members, key=lambda m: sort_key_for_name(m.user.full_name))


@dataclass(frozen=True)
class Reminder:
    """One reminder to send: who, about which assignment (of a course or a path), and why."""

    assignment: Assignment | PathAssignment
    user: User
    kind: str
    due_date: date
    course_title: str  # the course's or path's title
    today: date  # the day the reminder run counts from ("due in 5 days")
    # A completion about to lapse is reminded once per cycle: the cycle is its lapse day.
    period: date | None = None

    @property
    def is_path(self) -> bool:
        """Return whether the reminder is about an assigned learning path."""
        return isinstance(self.assignment, PathAssignment)


def _reminder_for(
    assignment: Assignment | PathAssignment,
    user: User,
    *,
    status: Status,
    due_date: date,
    due_again: date | None,
    title: str,
    today: date,
    within_days: int,
) -> Reminder | None:
    """Return the reminder due today for one row of a status board, or None."""
    if due_again is not None:
        if status == "due soon":
            return Reminder(assignment, user, "due-again", due_again, title, today, due_again)
        if status == "lapsed":
            return Reminder(assignment, user, "lapsed", due_again, title, today)
        return None
    kind = needs_reminder(
        completed=status in ("completed", "current"),
        due_date=due_date,
        today=today,
        within_days=within_days,
    )
    return Reminder(assignment, user, kind, due_date, title, today) if kind else None


def due_reminders(
    *, today: date, within_days: int, organization: Organization | None = None
) -> list[Reminder]:
    """Return the reminders due today for assigned courses and paths (nothing is sent)."""
    query = select(User).where(User.active.is_(True))
    if organization is not None:
        query = query.join(Membership).where(Membership.organization_id == organization.id)
    else:
        reached = select(Membership.user_id).join(
            Assignment, Assignment.organization_id == Membership.organization_id
        )
        reached_by_path = select(Membership.user_id).join(
            PathAssignment, PathAssignment.organization_id == Membership.organization_id
        )
        direct = select(Assignment.user_id).where(Assignment.user_id.is_not(None))
        direct_path = select(PathAssignment.user_id).where(PathAssignment.user_id.is_not(None))
        query = query.where(
            or_(
                User.id.in_(reached),
                User.id.in_(direct),
                User.id.in_(reached_by_path),
                User.id.in_(direct_path),
            )
        )
    users = list(db.session.scalars(query))
    orgs_of = organizations_of([u.id for u in users])
    statuses = statuses_for(users, today=today, owner=organization, orgs_of=orgs_of)
    path_statuses = path_statuses_for(users, today=today, owner=organization, orgs_of=orgs_of)
    reminders = []
    for user in users:
        found = [
            _reminder_for(
                row.assignment,
                user,
                status=row.status,
                due_date=row.due_date,
                due_again=row.due_again_on,
                title=row.version.title,
                today=today,
                within_days=within_days,
            )
            for row in statuses[user.id]
        ]
        language = locale_for(user).split("_")[0]
        found += [
            _reminder_for(
                row.assignment,
                user,
                status=row.status,
                due_date=row.due_date,
                due_again=row.due_again_on,
                title=row.path.words(language)["title"],
                today=today,
                within_days=within_days,
            )
            for row in path_statuses[user.id]
        ]
        reminders += [reminder for reminder in found if reminder is not None]
    return reminders


def _log_key(reminder: Reminder) -> tuple[bool, int, int]:
    return (reminder.is_path, reminder.assignment.id, reminder.user.id)


def _reminded_since(
    reminders: list[Reminder], since: datetime, period: date
) -> set[tuple[bool, int, int]]:
    """Return the (is path, assignment, person) keys reminded since `since` or a later period."""
    found: set[tuple[bool, int, int]] = set()
    for is_path, log, column in (
        (False, ReminderLog, ReminderLog.assignment_id),
        (True, PathReminderLog, PathReminderLog.path_assignment_id),
    ):
        assignment_ids = {r.assignment.id for r in reminders if r.is_path == is_path}
        if not assignment_ids:
            continue
        rows = db.session.execute(
            select(column, log.user_id).where(
                column.in_(assignment_ids),
                # A "due again" reminder's period is its cycle's lapse day, not a run's period.
                log.kind != "due-again",
                or_(log.sent_at >= since, log.period_start >= period),
            )
        )
        found |= {(is_path, assignment_id, user_id) for assignment_id, user_id in rows}
    return found


def _log_of(reminder: Reminder, period: date, actor: User | None) -> ReminderLog | PathReminderLog:
    """Return the row that records a reminder; its unique key makes it go out once per period."""
    fields = {
        "user_id": reminder.user.id,
        "period_start": period,
        "kind": reminder.kind,
        "sent_by_id": actor.id if actor else None,
    }
    if reminder.is_path:
        return PathReminderLog(path_assignment_id=reminder.assignment.id, **fields)
    return ReminderLog(assignment_id=reminder.assignment.id, **fields)


def send_reminders(
    *,
    today: date,
    within_days: int,
    period_days: int,
    send: Callable[[Reminder], None],
    actor: User | None = None,
    organization: Organization | None = None,
) -> tuple[int, int]:
    """Queue each due reminder once per assignment, person and period; return (sent, skipped).

    `send` queues the email in the outbox, so the reminder log and its email are committed
    together by the caller: a reminder is never logged without its email, nor emailed twice.
    """
    start = period_start(today, period_days)
    sent = skipped = 0
    reminders = due_reminders(today=today, within_days=within_days, organization=organization)
    # A manager's "remind now" (a one-day period) and the daily run (a seven-day one) count
    # their periods from different days: whoever reminds second must see the first's reminder,
    # or the weekly run would email again the people a manager reminded that same week.
    already = _reminded_since(reminders, datetime.combine(start, time.min, tzinfo=UTC), start)
    for reminder in reminders:
        if reminder.period is None and _log_key(reminder) in already:
            skipped += 1
            continue
        log = _log_of(reminder, reminder.period or start, actor)
        try:
            with db.session.begin_nested():
                db.session.add(log)
                send(reminder)
        except IntegrityError:
            skipped += 1  # already reminded in this period
            continue
        # The webhook's payload describes a course assignment; paths have no such event yet.
        if reminder.kind == "overdue" and not reminder.is_path:
            assignment_overdue.send(reminder.assignment, user=reminder.user, log=log)
        sent += 1
    return sent, skipped
