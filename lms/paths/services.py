"""Path verbs: publish compiled paths, follow a learner along one, record its completion.

Every function takes explicit arguments, flushes, and leaves the commit to the caller.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.audit.services import record_event
from lms.certificates.models import Completion
from lms.certificates.services import (
    CertificateError,
    current_of,
    new_public_id,
    revoke_record,
)
from lms.certificates.signals import path_certificate_revoked
from lms.courses import editions
from lms.courses.models import Course, CourseVersion
from lms.database import utcnow
from lms.dates import utc_day
from lms.extensions import db
from lms.organizations.models import Membership, Organization
from lms.organizations.recurrence import due_again_on, retraining_status
from lms.organizations.status import Status, assignment_status
from lms.paths.loader import CompiledPath
from lms.paths.models import LearningPath, PathAssignment, PathCompletion
from lms.progress.models import Enrolment
from lms.progress.services import Progress, progress_for_enrolments


class PathError(Exception):
    """A path action that cannot be carried out, with a message for the person."""


def publish_paths(compiled: Iterable[CompiledPath], *, provider_name: str) -> list[str]:
    """Store each compiled path (new or changed); return the slugs that changed."""
    changed = []
    for item in compiled:
        path = db.session.scalar(select(LearningPath).where(LearningPath.slug == item.slug))
        if path is not None and path.content_hash == item.content_hash:
            continue
        if path is None:
            path = LearningPath(slug=item.slug)
            db.session.add(path)
        path.title, path.summary, path.language = item.title, item.summary, item.language
        path.course_slugs = list(item.course_slugs)
        path.body_html = item.body_html
        path.certificate_title = item.certificate_title
        path.editions = item.editions
        path.content_hash = item.content_hash
        path.published_at = utcnow()
        db.session.flush()
        changed.append(item.slug)
        # Whoever already completed every course completed the path too.
        for user_id in _users_who_completed(path):
            record_path_completion(path, user_id, provider_name=provider_name)
    return changed


def _course_ids(path: LearningPath) -> dict[str, int]:
    return dict(
        db.session.execute(
            select(Course.slug, Course.id).where(Course.slug.in_(path.course_slugs))
        ).all()
    )


def _users_who_completed(path: LearningPath) -> list[int]:
    ids = _course_ids(path)
    if len(ids) != len(path.course_slugs):
        return []  # a course not yet published: no one can have completed it
    return list(
        db.session.scalars(
            select(Completion.user_id)
            .where(Completion.course_id.in_(ids.values()))
            .group_by(Completion.user_id)
            .having(func.count(func.distinct(Completion.course_id)) == len(ids))
        )
    )


def _hours(course_ids: Iterable[int]) -> Decimal:
    minutes = db.session.scalar(
        select(func.coalesce(func.sum(CourseVersion.estimated_minutes), 0))
        .join(Course, Course.current_version_id == CourseVersion.id)
        .where(Course.id.in_(list(course_ids)))
    )
    hours = (Decimal(int(minutes or 0)) / 60 * 4).quantize(Decimal(1), ROUND_HALF_UP) / 4
    return max(hours, Decimal("0.25"))


def _live() -> object:
    # Every path completion but those whose certificate was replaced by a reissue.
    return PathCompletion.status != "superseded"


def find_path_completion(user_id: int, path_id: int) -> PathCompletion | None:
    """Return a learner's latest completion of a path (its current certificate), or None."""
    return db.session.scalar(
        select(PathCompletion)
        .where(PathCompletion.user_id == user_id, PathCompletion.path_id == path_id, _live())
        .order_by(PathCompletion.sequence.desc())
        .limit(1)
    )


def path_completions_of(user_id: int, path_id: int) -> list[PathCompletion]:
    """Return every completion of a path by a learner, first cycle first (reissues replaced)."""
    return list(
        db.session.scalars(
            select(PathCompletion)
            .where(PathCompletion.user_id == user_id, PathCompletion.path_id == path_id, _live())
            .order_by(PathCompletion.sequence)
        )
    )


def _lock_learner(user_id: int) -> None:
    # Two requests finishing a path's last courses at once (one course each) must not each
    # miss the other's uncommitted completion: they take turns here, and the second reads
    # the first's once it commits. NO KEY UPDATE: the completions' foreign keys to the user
    # hold KEY SHARE locks on the row, which FOR UPDATE would deadlock against. SQLite
    # serialises writers anyway and ignores the clause.
    db.session.execute(
        select(User.id).where(User.id == user_id).with_for_update(key_share=True)
    ).all()


def record_path_completion(
    path: LearningPath, user_id: int, *, provider_name: str
) -> PathCompletion | None:
    """Record that a learner completed a path (again); None if the path is not (re)completed.

    The first completion needs a completion of every course; each later one needs, for every
    course, a completion later than the learner's latest completion of the path. Anything
    short of that returns the latest completion unchanged (or None without one).
    """
    _lock_learner(user_id)
    latest = find_path_completion(user_id, path.id)
    ids = _course_ids(path)
    if len(ids) != len(path.course_slugs):
        return latest
    since = select(Completion.course_id).where(
        Completion.user_id == user_id, Completion.course_id.in_(ids.values())
    )
    if latest is not None:
        since = since.where(Completion.completed_at > latest.completed_at)
    if set(db.session.scalars(since)) != set(ids.values()):
        return latest
    user = db.session.get(User, user_id)
    completion = PathCompletion(
        user_id=user_id,
        path_id=path.id,
        sequence=latest.sequence + 1 if latest is not None else 1,
        completed_at=utcnow(),
        path_title=path.title,
        course_slugs=list(path.course_slugs),
    )
    if path.certificate_title and user is not None:
        completion.certificate_id = new_public_id()
        completion.certificate_title = path.certificate_title
        completion.holder_name = user.full_name
        completion.hours = _hours(ids.values())
        completion.provider_name = provider_name
    try:
        with db.session.begin_nested():
            db.session.add(completion)
    except IntegrityError:
        # Recorded by a simultaneous request finishing the same path (the unique cycle).
        return find_path_completion(user_id, path.id)
    return completion


def record_path_completions(
    user_id: int, course_slug: str, *, provider_name: str
) -> list[PathCompletion]:
    """Record the completions of every path a just-completed course finishes for a learner."""
    recorded = []
    for path in db.session.scalars(select(LearningPath).order_by(LearningPath.id)):
        if course_slug in path.course_slugs:
            completion = record_path_completion(path, user_id, provider_name=provider_name)
            if completion is not None:
                recorded.append(completion)
    return recorded


_PUBLISHED_PATH_KEYS = (
    select(LearningPath.id, LearningPath.content_hash, LearningPath.published_at)
    .where(LearningPath.withdrawn_at.is_(None))
    .order_by(LearningPath.title)
)


def published_path_keys() -> tuple[tuple[int, str, str], ...]:
    """Return what identifies each path in the catalog as published (id, content, time)."""
    return tuple(
        (path_id, content_hash, published_at.isoformat())
        for path_id, content_hash, published_at in db.session.execute(_PUBLISHED_PATH_KEYS)
    )


def published_paths() -> list[LearningPath]:
    """Return every path in the catalog (published, not withdrawn), by title."""
    return list(
        db.session.scalars(
            select(LearningPath)
            .where(LearningPath.withdrawn_at.is_(None))
            .order_by(LearningPath.title)
        )
    )


def find_path(slug: str) -> LearningPath | None:
    """Return the published path with this slug, withdrawn or not, or None."""
    return db.session.scalar(select(LearningPath).where(LearningPath.slug == slug))


def withdraw_path(slug: str, *, actor: User | None) -> LearningPath:
    """Take a path out of the catalog and close it to new assignments; records stay.

    :raise LookupError: if no path has that slug.
    :raise ValueError: if the path is already withdrawn.
    """
    path = find_path(slug)
    if path is None:
        raise LookupError(_("no published path is called %(slug)s", slug=repr(slug)))
    if path.withdrawn_at is not None:
        raise ValueError(_("%(slug)s is already withdrawn", slug=slug))
    path.withdrawn_at = utcnow()
    record_event(actor, "path.withdrawn", "path", path.slug, title=path.title)
    db.session.flush()
    return path


def reinstate_path(slug: str, *, actor: User | None) -> LearningPath:
    """Put a withdrawn path back in the catalog.

    :raise LookupError: if no path has that slug.
    :raise ValueError: if the path is not withdrawn.
    """
    path = find_path(slug)
    if path is None:
        raise LookupError(_("no published path is called %(slug)s", slug=repr(slug)))
    if path.withdrawn_at is None:
        raise ValueError(_("%(slug)s is not withdrawn; it is already in the catalog", slug=slug))
    path.withdrawn_at = None
    record_event(actor, "path.reinstated", "path", path.slug, title=path.title)
    db.session.flush()
    return path


def find_path_certificate(public_id: str) -> PathCompletion | None:
    """Return the path completion whose certificate has this public id, or None."""
    if not public_id or len(public_id) > 32:
        return None
    return db.session.scalar(
        select(PathCompletion).where(PathCompletion.certificate_id == public_id)
    )


def revoke_path_certificate(
    completion: PathCompletion, *, actor: User, reason: str, show_reason: bool = False
) -> None:
    """Revoke a path certificate with a reason; it stays verifiable, as revoked."""
    if completion.certificate_id is None:
        raise CertificateError(_("This path completion has no certificate."))
    revoked = revoke_record(
        completion,
        completion.certificate_id,
        actor=actor,
        reason=reason,
        show_reason=show_reason,
        path=completion.path.slug,
    )
    if not revoked:
        if completion.status == "superseded":
            # Revoking a replaced certificate would leave its valid replacement behind.
            raise CertificateError(
                _(
                    "This certificate was replaced by %(id)s; revoke that one instead if the "
                    "credit must be withdrawn.",
                    id=current_of(completion).certificate_id,
                )
            )
        raise CertificateError(_("This certificate is already revoked."))
    path_certificate_revoked.send(completion)


@dataclass(frozen=True)
class PathStep:
    """One course of a path as a learner sees it: its words and where they stand."""

    slug: str
    title: str
    language: str
    published: bool
    status: str  # "completed", "in progress", "not started"
    progress: Progress | None


def path_steps(path: LearningPath, *, user_id: int | None, language: str) -> list[PathStep]:
    """Return the path's courses in order, with the learner's status and progress in each."""
    courses = {
        c.slug: c
        for c in db.session.scalars(select(Course).where(Course.slug.in_(path.course_slugs)))
    }
    versions = {
        v.course_id: v
        for v in db.session.scalars(
            select(CourseVersion).where(
                CourseVersion.id.in_(
                    [c.current_version_id for c in courses.values() if c.current_version_id]
                )
            )
        )
    }
    done: set[int] = set()
    enrolments: dict[int, Enrolment] = {}
    if user_id is not None and courses:
        ids = [c.id for c in courses.values()]
        done = set(
            db.session.scalars(
                select(Completion.course_id).where(
                    Completion.user_id == user_id, Completion.course_id.in_(ids)
                )
            )
        )
        enrolments = {
            e.course_id: e
            for e in db.session.scalars(
                select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id.in_(ids))
            )
        }
    progress = progress_for_enrolments(list(enrolments.values()))
    steps = []
    for slug in path.course_slugs:
        course = courses.get(slug)
        version = versions.get(course.id) if course else None
        words = editions.edition_for(version, language) if version else None
        enrolment = enrolments.get(course.id) if course else None
        status = (
            "completed"
            if course and course.id in done
            else "in progress"
            if enrolment
            else "not started"
        )
        steps.append(
            PathStep(
                slug=slug,
                title=words.title if words else slug,
                language=words.language if words else path.language,
                published=version is not None
                and course is not None
                and course.withdrawn_at is None,
                status=status,
                progress=progress.get(enrolment.id) if enrolment else None,
            )
        )
    return steps


# --- assignments of a path --------------------------------------------------------------------


def assign_path(
    path: LearningPath,
    *,
    due_date: date,
    actor: User | None,
    organization: Organization | None = None,
    user: User | None = None,
    owner: Organization | None = None,
    today: date,
    recur_months: int | None = None,
    recur_on_date: bool = False,
) -> PathAssignment:
    """Assign a path to one person or a whole organization, due by a date.

    `recur_months` and `recur_on_date` repeat it as they repeat a course assignment
    (lms.organizations.services.assign_course).
    """
    if path.withdrawn_at is not None:
        raise PathError(_("This learning path was withdrawn; it can no longer be assigned."))
    if recur_months is not None and not 1 <= recur_months <= 120:
        raise PathError(_("Choose how often the course comes round again."))
    if (organization is None) == (user is None):
        raise PathError(_("Assign the path to one person or to one organization."))
    if due_date < today:
        raise PathError(_("Choose a due date today or later."))
    assignment = PathAssignment(
        path_id=path.id,
        organization_id=organization.id if organization else None,
        user_id=user.id if user else None,
        owner_organization_id=(owner or organization).id if (owner or organization) else None,
        due_date=due_date,
        assigned_by_id=actor.id if actor else None,
        recur_months=recur_months,
        recur_on_date=bool(recur_months and recur_on_date),
    )
    db.session.add(assignment)
    db.session.flush()
    record_event(
        actor,
        "path_assignment.created",
        "path_assignment",
        assignment.id,
        path=path.slug,
        organization=organization.name if organization else None,
        user=user.email if user else None,
        due=due_date.isoformat(),
        recur_months=recur_months,
        recur_on_date=bool(recur_months and recur_on_date),
    )
    return assignment


@dataclass(frozen=True)
class AssignedPath:
    """A path assigned to a person, with its status: current once completed, until it lapses."""

    assignment: PathAssignment
    path: LearningPath
    due_date: date
    status: Status
    completed_on: date | None
    courses_done: int
    # When the path's completion stops counting (recurring, or a course that expires): the
    # earliest day one of its courses' latest completions does (docs/organizations.md).
    due_again_on: date | None = None


def path_due_again_on(
    latest: Iterable[tuple[date, int | None]],
    *,
    recur_months: int | None,
    recur_on_date: bool,
    anchor: date,
) -> date | None:
    """Return when a completed path is due again: when the first of its courses lapses.

    `latest` holds, for each course of the path, the day of its latest completion and how
    many months a completion of it stays current. The path stays current while every course
    does, each course judged as a course assignment with the path's repeat would judge it.
    """
    days = [
        day
        for completed_on, valid_for_months in latest
        if (
            day := due_again_on(
                completed_on,
                valid_for_months=valid_for_months,
                recur_months=recur_months,
                recur_on_date=recur_on_date,
                anchor=anchor,
            )
        )
        is not None
    ]
    return min(days) if days else None


def organizations_of(user_ids: list[int]) -> dict[int, set[int]]:
    """Return the ids of the organisations each person belongs to, in one query."""
    orgs_of: dict[int, set[int]] = defaultdict(set)
    for user_id, org_id in db.session.execute(
        select(Membership.user_id, Membership.organization_id).where(
            Membership.user_id.in_(user_ids)
        )
    ):
        orgs_of[user_id].add(org_id)
    return orgs_of


def path_statuses_for(
    users: list[User],
    *,
    today: date,
    owner: Organization | None = None,
    orgs_of: dict[int, set[int]] | None = None,
) -> dict[int, list[AssignedPath]]:
    """Return each person's assigned paths with their status, in a fixed number of queries.

    `orgs_of` (from `organizations_of`) spares the memberships query when the caller has it.
    """
    user_ids = [u.id for u in users]
    result: dict[int, list[AssignedPath]] = {user_id: [] for user_id in user_ids}
    if not user_ids:
        return result
    if orgs_of is None:
        orgs_of = organizations_of(user_ids)
    conditions = [PathAssignment.user_id.in_(user_ids)]
    all_orgs = sorted({o for orgs in orgs_of.values() for o in orgs})
    if all_orgs:
        conditions.append(PathAssignment.organization_id.in_(all_orgs))
    query = select(PathAssignment).where(or_(*conditions))
    if owner is not None:
        query = query.where(PathAssignment.owner_organization_id == owner.id)
    assignments = list(db.session.scalars(query))
    if not assignments:
        return result
    paths = {
        p.id: p
        for p in db.session.scalars(
            select(LearningPath).where(LearningPath.id.in_({a.path_id for a in assignments}))
        )
    }
    # The latest completion of each path counts (a path is completed again each cycle).
    completed = {
        (c.user_id, c.path_id): c
        for c in db.session.scalars(
            select(PathCompletion)
            .where(PathCompletion.user_id.in_(user_ids), _live())
            .order_by(PathCompletion.sequence)
        )
    }
    slugs = sorted({s for p in paths.values() for s in p.course_slugs})
    course_ids = dict(
        db.session.execute(select(Course.slug, Course.id).where(Course.slug.in_(slugs))).all()
    )
    valid_for = dict(
        db.session.execute(
            select(Course.id, CourseVersion.valid_for_months)
            .join(CourseVersion, Course.current_version_id == CourseVersion.id)
            .where(Course.id.in_(course_ids.values()))
        ).all()
    )
    done: dict[int, set[int]] = defaultdict(set)
    latest: dict[tuple[int, int], date] = {}
    started: dict[int, set[int]] = defaultdict(set)
    for user_id, course_id, last in db.session.execute(
        select(Completion.user_id, Completion.course_id, func.max(Completion.completed_at))
        .where(Completion.user_id.in_(user_ids), Completion.course_id.in_(course_ids.values()))
        .group_by(Completion.user_id, Completion.course_id)
    ):
        done[user_id].add(course_id)
        # func.max() bypasses the column type: SQLite hands back a naive (UTC) datetime.
        latest[(user_id, course_id)] = utc_day(last)
    for user_id, course_id in db.session.execute(
        select(Enrolment.user_id, Enrolment.course_id).where(
            Enrolment.user_id.in_(user_ids), Enrolment.course_id.in_(course_ids.values())
        )
    ):
        started[user_id].add(course_id)
    for user_id in user_ids:
        earliest: dict[int, PathAssignment] = {}
        for a in assignments:
            if a.user_id == user_id or a.organization_id in orgs_of.get(user_id, ()):
                current = earliest.get(a.path_id)
                if current is None or a.due_date < current.due_date:
                    earliest[a.path_id] = a
        for path_id, a in earliest.items():
            path = paths[path_id]
            ids = {course_ids[s] for s in path.course_slugs if s in course_ids}
            completion = completed.get((user_id, path_id))
            status: Status = assignment_status(
                completed=False,
                started=bool(ids & (done[user_id] | started[user_id])),
                due_date=a.due_date,
                today=today,
            )
            again = None
            if completion is not None:
                status = "current"
                again = path_due_again_on(
                    [
                        (latest[(user_id, course_id)], valid_for.get(course_id))
                        for course_id in ids
                        if (user_id, course_id) in latest
                    ],
                    recur_months=a.recur_months,
                    recur_on_date=a.recur_on_date,
                    anchor=a.due_date,
                )
                if again is not None:
                    status = retraining_status(again, today=today)
            result[user_id].append(
                AssignedPath(
                    a,
                    path,
                    a.due_date,
                    status,
                    utc_day(completion.completed_at) if completion else None,
                    len(ids & done[user_id]),
                    again,
                )
            )
        result[user_id].sort(key=lambda r: (r.status == "current", r.due_date, r.path.title))
    return result


def owned_path_assignments(organization: Organization) -> list[PathAssignment]:
    """Return the path assignments an organisation made, soonest due first."""
    return list(
        db.session.scalars(
            select(PathAssignment)
            .where(PathAssignment.owner_organization_id == organization.id)
            .order_by(PathAssignment.due_date, PathAssignment.id)
        )
    )
